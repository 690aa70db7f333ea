"""The grouped search's code space in each fold, computed once for every candidate.

Each channel's features of every face and of its mirror image are computed once
(:func:`cached_features`); each channel's :class:`~training.codespace.ChannelPCA` is fitted
once per fold, at the largest size any candidate asks for, and every face's projections kept
(:func:`fit_folds`); a candidate's codes are then its fitted ``FeatureUnion`` applied to those
projections (:func:`fold_codes`), the same transformers the served model is fitted with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from joblib import Parallel, delayed

from facegender.features import Channel
from facegender.preprocessing import mirror

from .codespace import ChannelPCA, ChannelSpec, fitted_union, projected_codes


def cached_features(faces, channels: Sequence[Channel], n_jobs: int,
                    mirrored_rows: int | None = None, scratch: str | None = None,
                    chunk: int = 4096) -> dict:
    """Each channel's features of every face and of its mirror image, as float32:
    ``{channel: (plain, mirrored)}`` of shapes (n, the channel's size) and (``mirrored_rows``,
    the channel's size). Only the first ``mirrored_rows`` faces (default: all) are mirrored:
    the ones a search scores; faces it only trains on never need their mirror image.

    The workers compute ``chunk`` rows at a time and the parent writes each chunk into its
    place, so no channel's features are ever held whole in float64 or pickled back whole.
    With ``scratch`` (a directory) the arrays are memory-mapped files there: the parent does
    not hold them in its memory, and joblib hands the workers that fit each fold's PCAs the
    files, not copies (a search with texture copies holds 67,000 faces: about 8 GB of
    features)."""
    mirrored_rows = len(faces) if mirrored_rows is None else min(mirrored_rows, len(faces))
    out, jobs = {}, []
    for i, channel in enumerate(channels):  # numbered: two scales of a channel share a name
        size = channel.extract(faces[:1]).shape[1]
        arrays = tuple(_array_in(scratch, f"{i}-{channel.name}-{which}", (rows, size),
                                 np.float32)
                       for which, rows in (("plain", len(faces)), ("mirrored", mirrored_rows)))
        out[channel] = arrays
        jobs += [(array, channel, start, min(start + chunk, len(array)), flip)
                 for array, flip in zip(arrays, (False, True))
                 for start in range(0, len(array), chunk)]
    chunks = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_chunk_features)(faces, channel, start, stop, flip)
        for _, channel, start, stop, flip in jobs)
    for (array, _, start, stop, _), features in zip(jobs, chunks):
        array[start:stop] = features
    return out


def stacked_in(scratch: str | None, parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The rows ``array[rows]`` of each ``(array, rows)`` of ``parts``, one after another, as a
    memory-mapped file in ``scratch`` (joblib hands workers the file, where it would hash and
    copy an in-memory array for every task), copied a chunk of rows at a time."""
    total = sum(len(rows) for _, rows in parts)
    out = _array_in(scratch, "faces", (total, *parts[0][0].shape[1:]),
                    np.result_type(*(array for array, _ in parts)))
    start = 0
    for array, rows in parts:
        _copy_rows(array, rows, out[start:start + len(rows)])
        start += len(rows)
    return out


def _array_in(scratch: str | None, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """An empty array, as the memory-mapped file ``scratch/name.npy`` when ``scratch`` is
    given."""
    if scratch is None:
        return np.empty(shape, dtype=dtype)
    return np.lib.format.open_memmap(os.path.join(scratch, f"{name}.npy"), mode="w+",
                                     dtype=dtype, shape=shape)


def _copy_rows(source: np.ndarray, rows: np.ndarray, out: np.ndarray,
               chunk: int = 4096) -> np.ndarray:
    """``out[:] = source[rows]`` (in ``out``'s dtype), a chunk of rows at a time: never all the
    rows copied at once first."""
    for start in range(0, len(rows), chunk):
        out[start:start + chunk] = source[rows[start:start + chunk]]
    return out


def _chunk_features(faces, channel: Channel, start: int, stop: int, flip: bool) -> np.ndarray:
    """A channel's features of faces ``start:stop``, or of their mirror images, as float32."""
    rows = faces[start:stop]
    return channel.extract(mirror(rows) if flip else rows).astype(np.float32)


def fit_folds(features: dict, sizes: dict[Channel, int], trains: Sequence[np.ndarray],
              n_jobs: int) -> dict[tuple[Channel, int], FoldChannel]:
    """Each channel's :class:`FoldChannel` in each fold, ``{(channel, fold): ...}``: its PCA of
    ``sizes[channel]`` codes fitted on the fold's training rows ``trains[fold]`` of its
    :func:`cached_features`."""
    pairs = [(channel, f) for channel in sizes for f in range(len(trains))]
    return dict(zip(pairs, Parallel(n_jobs=n_jobs)(
        delayed(fit_fold_channel)(features[channel], sizes[channel], trains[f])
        for channel, f in pairs)))


@dataclass(frozen=True)
class FoldChannel:
    """One channel's PCA fitted on one fold's training faces, and every face's projections on
    its axes (float32, for memory), of the face and of its mirror image."""

    pca: ChannelPCA
    plain: np.ndarray
    mirrored: np.ndarray


def fit_fold_channel(features, n_components: int, train: np.ndarray) -> FoldChannel:
    """:class:`FoldChannel` of a channel's ``(plain, mirrored)`` features."""
    plain, mirrored = features
    # The PCA may overwrite the float64 rows made for it: no second copy of them.
    rows = _copy_rows(plain, train, np.empty((len(train), plain.shape[1])))
    pca = ChannelPCA(n_components, copy=False).fit(rows)
    return FoldChannel(pca, _projected(pca, plain), _projected(pca, mirrored))


def _projected(pca: ChannelPCA, features: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """``pca``'s projections of ``features`` as float32, a chunk of rows at a time: only a
    chunk is ever held in float64 (all of a search's pixels were 5.4 GB in float64 on 67,000
    rows, in each worker)."""
    out = np.empty((len(features), pca.pca_.n_components_), dtype=np.float32)
    for start in range(0, len(features), chunk):
        out[start:start + chunk] = pca.pca_.transform(
            features[start:start + chunk].astype(np.float64))
    return out


def fold_codes(channels: Sequence[ChannelSpec], fold: dict[Channel, FoldChannel]):
    """A candidate's fitted ``FeatureUnion`` in a fold (its ``channels``), and its codes of rows
    of faces: ``codes(rows)``, or of their mirror images, ``codes(rows, mirrored_faces=True)``."""
    union = fitted_union(channels, {c: part.pca for c, part in fold.items()})
    plain = {c.name: part.plain for c, part in fold.items()}
    mirrored = {c.name: part.mirrored for c, part in fold.items()}

    def codes(rows, mirrored_faces: bool = False):
        return projected_codes(union, mirrored if mirrored_faces else plain, rows)

    return union, codes
