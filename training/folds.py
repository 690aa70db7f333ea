"""The grouped search's code space in each fold, computed once for every candidate.

Each channel's features of every face and of its mirror image are computed once
(:func:`cached_features`); each channel's :class:`~training.codespace.ChannelPCA` is fitted
once per fold, at the largest size any candidate asks for, and every face's projections kept
(:func:`fit_folds`); a candidate's codes are then its fitted ``FeatureUnion`` applied to those
projections (:func:`fold_codes`), the same transformers the served model is fitted with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from joblib import Parallel, delayed

from facegender.features import Channel
from facegender.preprocessing import mirror

from .codespace import ChannelPCA, ChannelSpec, fitted_union, projected_codes


def cached_features(faces, channels: Sequence[Channel], n_jobs: int,
                    mirrored_rows: int | None = None) -> dict:
    """Each channel's features of every face and of its mirror image, as float32:
    ``{channel: (plain, mirrored)}`` of shapes (n, the channel's size) and (``mirrored_rows``,
    the channel's size). Only the first ``mirrored_rows`` faces (default: all) are mirrored:
    the ones a search scores; faces it only trains on never need their mirror image."""
    return dict(zip(channels, Parallel(n_jobs=n_jobs)(
        delayed(_features_and_mirrored)(faces, channel, mirrored_rows)
        for channel in channels)))


def fit_folds(features: dict, sizes: dict[Channel, int], trains: Sequence[np.ndarray],
              n_jobs: int) -> dict[tuple[Channel, int], FoldChannel]:
    """Each channel's :class:`FoldChannel` in each fold, ``{(channel, fold): ...}``: its PCA of
    ``sizes[channel]`` codes fitted on the fold's training rows ``trains[fold]`` of its
    :func:`cached_features`."""
    pairs = [(channel, f) for channel in sizes for f in range(len(trains))]
    return dict(zip(pairs, Parallel(n_jobs=n_jobs)(
        delayed(fit_fold_channel)(features[channel], sizes[channel], trains[f])
        for channel, f in pairs)))


def _features_and_mirrored(faces, channel: Channel, mirrored_rows: int | None):
    """A channel's features of every face, and of the first ``mirrored_rows`` mirrored, as
    float32."""
    return (channel.extract(faces).astype(np.float32),
            channel.extract(mirror(faces[:mirrored_rows])).astype(np.float32))


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
    pca = ChannelPCA(n_components).fit(plain[train].astype(np.float64))
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
