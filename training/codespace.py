"""The code space: each channel's features -> its PCA codes, scaled, weighted, side by side.

:func:`build_union` is the one definition, the ``FeatureUnion`` the served model is fitted
with; ``facegender.model.ChannelProjection`` repeats its ``transform`` in numpy. The grouped
search (``training.search``) takes its codes from the same transformers (:func:`fitted_union`,
:func:`projected_codes`), fitted once per fold on cached features (``training.folds``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from typing import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from facegender.features import Channel
from facegender.preprocessing import FACE_SIZE

RANDOM_STATE = 0


@dataclass(frozen=True)
class ChannelSpec:
    """A channel as the model uses it: its PCA size, how its codes are scaled (see
    :func:`code_scale`) and its weight in the kernel."""

    channel: Channel
    n_components: int
    weight: float = 1.0
    whiten: bool = True

    def describe(self) -> str:
        """E.g. ``lbp (grid 6, radius 4) 150 unwhitened``: parameters only where they differ
        from the channel's defaults."""
        weight = "" if self.weight == 1.0 else f" x{self.weight:g}"
        whiten = "" if self.whiten else " unwhitened"
        changed = [f"{f.name.replace('_', ' ')} {getattr(self.channel.params, f.name)}"
                   for f in fields(self.channel.params)
                   if getattr(self.channel.params, f.name) != f.default]
        params = f" ({', '.join(changed)})" if changed else ""
        return f"{self.channel.name}{params} {self.n_components}{whiten}{weight}"


def code_scale(explained_variance: np.ndarray, whiten: bool) -> np.ndarray:
    """What each PCA code of a channel is divided by (``facegender.model.ChannelProjection``).

    Whitened: each code by its own standard deviation, as ``PCA(whiten=True)``. Unwhitened:
    every code by their root mean variance, which keeps the channel's geometry (minor axes,
    mostly noise, stay minor) and gives its average axis unit variance, as whitening does, so
    one gamma grid fits both.
    """
    variance = np.asarray(explained_variance, dtype=np.float64)
    return np.sqrt(variance) if whiten else np.full_like(variance, np.sqrt(variance.mean()))


class ChannelPCA(TransformerMixin, BaseEstimator):
    """``PCA(n_components)`` (randomized, seeded) whose codes are divided by
    :func:`code_scale`; the fitted ``pca_`` keeps scikit-learn's arrays.

    ``copy=False`` is scikit-learn's: ``fit`` overwrites ``X`` (centres it, then squares it for
    the total variance), so only rows made for the fit may be given, and ``fit_transform``
    refuses.
    """

    def __init__(self, n_components: int = 100, whiten: bool = True, copy: bool = True):
        self.n_components = n_components
        self.whiten = whiten
        self.copy = copy

    def fit(self, X, y=None):
        self.pca_ = PCA(n_components=self.n_components, svd_solver="randomized",
                        random_state=RANDOM_STATE, copy=self.copy).fit(X)
        self.code_scale_ = code_scale(self.pca_.explained_variance_, self.whiten)
        return self

    def fit_transform(self, X, y=None):
        if not self.copy:
            raise ValueError("ChannelPCA(copy=False) overwrites X in fit: transform other rows")
        return super().fit_transform(X, y)

    def transform(self, X):
        return self.scale(self.pca_.transform(X))

    def scale(self, projections: np.ndarray) -> np.ndarray:
        """Codes from projections on the principal axes, ``pca_.transform``'s output, of shape
        (n, n_components)."""
        return projections / self.code_scale_

    def inverse_transform(self, X):
        return self.pca_.inverse_transform(np.asarray(X) * self.code_scale_)

    def leading(self, n_components: int, whiten: bool) -> "ChannelPCA":
        """This fit cut to its first ``n_components`` axes, its codes scaled as ``whiten``
        says (:func:`code_scale` of those axes' variances): how the search takes a smaller
        size from the one fit of the largest."""
        pca = copy.copy(self.pca_)
        pca.n_components = pca.n_components_ = n_components
        for name in ("components_", "explained_variance_", "explained_variance_ratio_",
                     "singular_values_"):
            setattr(pca, name, getattr(self.pca_, name)[:n_components])
        cut = ChannelPCA(n_components, whiten)
        cut.pca_ = pca
        cut.code_scale_ = code_scale(pca.explained_variance_, whiten)
        return cut


def channel_features(X: np.ndarray, channel: Channel) -> np.ndarray:
    """``FunctionTransformer`` step: flattened crops (n, FACE_SIZE**2) -> the channel's features."""
    return channel.extract(np.asarray(X).reshape(-1, FACE_SIZE, FACE_SIZE))


def build_union(channels: Sequence[ChannelSpec]) -> FeatureUnion:
    """Each channel's features -> its own scaled PCA, weighted, side by side."""
    return FeatureUnion(
        [(spec.channel.name, Pipeline([
            ("features", FunctionTransformer(channel_features,
                                             kw_args={"channel": spec.channel})),
            ("pca", ChannelPCA(n_components=spec.n_components, whiten=spec.whiten)),
        ])) for spec in channels],
        transformer_weights={spec.channel.name: spec.weight for spec in channels},
    )


def fitted_union(channels: Sequence[ChannelSpec],
                 pcas: Mapping[Channel, ChannelPCA]) -> FeatureUnion:
    """:func:`build_union` of ``channels`` with each PCA already fitted: each channel's
    ``pcas`` entry cut to the spec's size and scaling (:meth:`ChannelPCA.leading`)."""
    union = build_union(channels)
    for spec, (_, pipeline) in zip(channels, union.transformer_list):
        pipeline.steps[-1] = ("pca", pcas[spec.channel].leading(spec.n_components, spec.whiten))
    return union


def projected_codes(union: FeatureUnion, projections: Mapping[str, np.ndarray],
                    rows: np.ndarray) -> np.ndarray:
    """``union.transform`` of faces whose projections on each channel's principal axes are
    known: each channel's leading columns of ``projections[name][rows]`` (of a PCA the
    channel's was cut from), scaled by its :class:`ChannelPCA` and times its weight.

    Returns
    -------
    ndarray of shape (len(rows), sum of the channels' n_components), float64
    """
    parts = []
    for name, pipeline in union.transformer_list:
        pca = pipeline.named_steps["pca"]
        columns = projections[name][rows, :pca.n_components].astype(np.float64)
        parts.append(pca.scale(columns) * union.transformer_weights[name])
    return np.hstack(parts)
