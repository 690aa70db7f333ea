"""Model fitting: the channel pipeline, the grouped search, the final fit and Platt calibration.

The scikit-learn model is ``FeatureUnion`` of channels (features -> :class:`ChannelPCA`,
times the channel's weight) -> ``SVC(rbf)``, the shape ``facegender.model.FaceModel``
evaluates with numpy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC

from facegender.features import Channel
from facegender.preprocessing import FACE_SIZE

log = logging.getLogger(__name__)
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
        weight = "" if self.weight == 1.0 else f" x{self.weight:g}"
        whiten = "" if self.whiten else " unwhitened"
        return f"{self.channel.name} {self.n_components}{whiten}{weight}"


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
    :func:`code_scale`; the fitted ``pca_`` keeps scikit-learn's arrays."""

    def __init__(self, n_components: int = 100, whiten: bool = True):
        self.n_components = n_components
        self.whiten = whiten

    def fit(self, X, y=None):
        self.pca_ = PCA(n_components=self.n_components, svd_solver="randomized",
                        random_state=RANDOM_STATE).fit(X)
        self.code_scale_ = code_scale(self.pca_.explained_variance_, self.whiten)
        return self

    def transform(self, X):
        return self.pca_.transform(X) / self.code_scale_

    def inverse_transform(self, X):
        return self.pca_.inverse_transform(np.asarray(X) * self.code_scale_)


@dataclass(frozen=True)
class Candidate:
    """One point of the search: channels, C, and gamma relative to the code space's size.

    Whitened codes have unit variance, so two faces are ``2 * dims`` apart in squared distance
    on average, with ``dims`` the sum of ``weight**2 * n_components``; ``gamma_scale`` is
    gamma times ``dims``, which keeps one grid meaningful for every channel set.
    """

    channels: tuple[ChannelSpec, ...]
    C: float
    gamma_scale: float

    @property
    def dims(self) -> float:
        return sum(spec.weight ** 2 * spec.n_components for spec in self.channels)

    @property
    def gamma(self) -> float:
        return self.gamma_scale / self.dims

    def describe(self) -> str:
        return (" + ".join(spec.describe() for spec in self.channels)
                + f", C {self.C:g}, gamma {self.gamma_scale:g}/d")

    def to_dict(self) -> dict:
        return {"channels": [{"name": s.channel.name, "n_components": s.n_components,
                              "weight": s.weight} for s in self.channels],
                "C": self.C, "gamma_scale": self.gamma_scale, "gamma": self.gamma}


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


def build_svm(candidate: Candidate) -> SVC:
    return SVC(kernel="rbf", C=candidate.C, gamma=candidate.gamma, cache_size=2000)


@dataclass
class TrainedModel:
    """The full scikit-learn model: the pipeline, its calibration and how to apply them.

    ``decision(faces)`` averages the decision values of each face and its mirror image when
    ``mirror_average`` is set; ``predict_proba`` applies the fitted sigmoid to them:
    ``calibration`` is (a, b) with p(classes[1]) = 1 / (1 + exp(a * f + b)).
    """

    pipeline: Pipeline
    calibration: tuple[float, float]
    mirror_average: bool
    classes: tuple[str, str]
    candidate: Candidate

    def decision(self, faces: np.ndarray) -> np.ndarray:
        values = self.pipeline.decision_function(_flat(faces))
        if self.mirror_average:
            values = 0.5 * (values + self.pipeline.decision_function(_flat(faces[..., ::-1])))
        return values

    def predict_proba(self, faces: np.ndarray) -> np.ndarray:
        a, b = self.calibration
        positive = 1.0 / (1.0 + np.exp(a * self.decision(faces) + b))
        return np.column_stack([1.0 - positive, positive])


def calibrate_at(threshold: float, decisions: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt sigmoid ``p(classes[1]) = 1 / (1 + exp(a * f + b))`` whose midpoint is
    ``threshold``: (a, b).

    Only the slope is fitted, on out-of-fold decision values; the label, the argmax of the
    probabilities, then changes exactly at the threshold (``training.fairness``).
    """
    shifted = (np.asarray(decisions, dtype=np.float64) - threshold)[:, None]
    fit = LogisticRegression(C=1e6, fit_intercept=False).fit(shifted, y)
    a = -float(fit.coef_[0, 0])
    return a, -a * threshold


def sample_weights(datasets: np.ndarray, balance: bool) -> np.ndarray:
    """Weights that give each dataset the same total weight (mean 1), or all ones."""
    if not balance:
        return np.ones(len(datasets))
    names, counts = np.unique(datasets, return_counts=True)
    per_name = dict(zip(names, len(datasets) / (len(names) * counts)))
    return np.array([per_name[d] for d in datasets])


@dataclass(frozen=True)
class Probes:
    """Extra faces a search scores out of fold and never trains on: degraded copies of
    training photos (``training.degrade``), each scored by the fold model that did not see
    its person.

    Attributes
    ----------
    faces : ndarray of shape (m, FACE_SIZE, FACE_SIZE)
    owner : ndarray of int, shape (m,)
        The index, among the search's faces, of the clean face of the same photo.
    """

    faces: np.ndarray
    owner: np.ndarray


@dataclass
class SearchResult:
    """Grouped cross-validated accuracy of each candidate.

    Attributes
    ----------
    candidates : list of Candidate
    fold_accuracy : ndarray of shape (n_candidates, n_splits)
    index : ndarray of int
        The faces the search used (whole people).
    y : ndarray of shape (len(index),)
        Their labels.
    decisions : ndarray of shape (n_candidates, len(index))
        Out-of-fold decision values, mirror-averaged as served: the breakdowns, the choice and
        the calibration of the chosen candidate.
    n_support : list of int
        Support vectors of each candidate's SVM, averaged over the folds.
    probe_decisions : ndarray of shape (n_candidates, m)
        Out-of-fold decision values of the probes whose owner the search used.
    probe_index : ndarray of int, shape (m,)
        Those probes' rows in the :class:`Probes` given.
    """

    candidates: list[Candidate]
    fold_accuracy: np.ndarray
    index: np.ndarray
    y: np.ndarray
    decisions: np.ndarray
    n_support: list[int]
    probe_decisions: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    probe_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def correct(self) -> np.ndarray:
        """Whether each candidate's out-of-fold label is right: shape (n_candidates, n)."""
        return (self.decisions > 0).astype(int) == self.y[None, :]

    @property
    def mean(self) -> np.ndarray:
        """Out-of-fold accuracy of each candidate."""
        return self.correct.mean(axis=1)

    @property
    def std(self) -> np.ndarray:
        """Spread of each candidate's accuracy over the folds."""
        return self.fold_accuracy.std(axis=1)

    def cost(self, index: int) -> float:
        """What a face costs the candidate's model: support vectors x code dimensions (the
        kernel's matrix product, which dominates)."""
        return self.n_support[index] * self.candidates[index].dims

    def paired_gap(self, index: int, reference: int) -> tuple[float, float]:
        """How much less accurate candidate ``index`` is than ``reference``, and the standard
        error of that difference. Both label the same faces in the same folds, so the
        difference is far less noisy than either accuracy (fold spreads of 0.3-0.6 points
        against paired standard errors of about 0.1)."""
        diff = self.correct[reference].astype(float) - self.correct[index]
        return float(diff.mean()), float(diff.std() / np.sqrt(len(diff)))

    def tied_with_best(self) -> list[int]:
        """The candidates less accurate than the best by at most one paired standard error."""
        best = int(np.argmax(self.mean))
        tied = []
        for i in range(len(self.candidates)):
            gap, error = self.paired_gap(i, best)
            if gap <= error:
                tied.append(i)
        return tied

    def choose(self) -> int:
        """The candidate to fit: the cheapest among those tied with the best.

        A candidate is tied when it is less accurate than the best by at most one standard
        error of the paired difference; among ties the one whose model costs a face least (see
        :meth:`cost`) wins, then the smallest C (more regularised: it calibrates best), then
        the best accuracy.
        """
        means = self.mean
        return min(self.tied_with_best(),
                   key=lambda i: (self.cost(i), self.candidates[i].C, -means[i]))

    def extended(self, other: "SearchResult") -> "SearchResult":
        """This search's candidates followed by ``other``'s, searched on the same faces and
        folds (other sample weights, say), so all of them can be compared face by face."""
        if not np.array_equal(self.index, other.index):
            raise ValueError("searches over different faces cannot be compared face by face")
        return SearchResult(
            self.candidates + other.candidates,
            np.vstack([self.fold_accuracy, other.fold_accuracy]), self.index, self.y,
            np.vstack([self.decisions, other.decisions]), self.n_support + other.n_support,
            np.vstack([self.probe_decisions, other.probe_decisions]), self.probe_index)


def grid_search(faces, y, groups, weights, candidates: Sequence[Candidate], *,
                max_samples: int | None = None, n_splits: int = 3, n_jobs: int = 2,
                mirror_average: bool = True, probes: Probes | None = None) -> SearchResult:
    """Grouped ``n_splits``-fold CV of every candidate on a subsample of whole people.

    Each channel's features are computed once, and each channel's PCA is fitted once per fold
    (at the largest size any candidate asks for; a smaller size takes the leading codes, scaled
    by :func:`code_scale` of their own variances), so a candidate costs its SVM fits alone.
    Test faces are scored as served: the decision values of a face and of its mirror image,
    averaged. ``probes`` ride along as extra test rows of the fold that holds their owner:
    never in a PCA or SVM fit. ``weights`` are the faces' sample weights, shape (n,), or one
    row of them for each candidate, shape (n_candidates, n).
    """
    index = _subsample_by_group(groups, max_samples)
    weights = np.broadcast_to(weights, (len(candidates), len(groups)))[:, index]
    faces, y, groups = faces[index], y[index], groups[index]
    n = len(index)
    folds = list(GroupKFold(n_splits=n_splits).split(faces, y, groups))
    probe_index = np.zeros(0, dtype=int)
    if probes is not None:
        position = np.full(int(max(index.max(), probes.owner.max())) + 1, -1)
        position[index] = np.arange(n)
        probe_index = np.flatnonzero(position[probes.owner] >= 0)
        owner = position[probes.owner[probe_index]]
        faces = np.concatenate([faces, probes.faces[probe_index]])
        folds = [(train, np.concatenate([test, n + np.flatnonzero(np.isin(owner, test))]))
                 for train, test in folds]
    sizes: dict[Channel, int] = {}
    for candidate in candidates:
        for spec in candidate.channels:
            sizes[spec.channel] = max(sizes.get(spec.channel, 0), spec.n_components)
    features = dict(zip(sizes, Parallel(n_jobs=n_jobs)(
        delayed(_features_and_mirrored)(faces, channel) for channel in sizes)))
    del faces
    pairs = [(channel, f) for channel in sizes for f in range(n_splits)]
    codes = dict(zip(pairs, Parallel(n_jobs=n_jobs)(
        delayed(_fold_codes)(features[channel], sizes[channel], folds[f][0])
        for channel, f in pairs)))
    del features
    jobs = [(i, f) for i in range(len(candidates)) for f in range(n_splits)]
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_and_score)(candidates[i], {s.channel: codes[s.channel, f]
                                                for s in candidates[i].channels},
                                y, weights[i], folds[f], mirror_average)
        for i, f in jobs)
    accuracy = np.zeros((len(candidates), n_splits))
    decisions = np.zeros((len(candidates), n + len(probe_index)))
    n_support = [0] * len(candidates)
    for (i, f), (decision, n_sv) in zip(jobs, results):
        test = folds[f][1]
        decisions[i, test] = decision
        clean = test < n
        accuracy[i, f] = np.mean((decision[clean] > 0).astype(int) == y[test[clean]])
        n_support[i] += n_sv // n_splits
        if f == n_splits - 1:
            log.info("grid %s: %.4f", candidates[i].describe(), accuracy[i].mean())
    return SearchResult(list(candidates), accuracy, index, y, decisions[:, :n], n_support,
                        decisions[:, n:], probe_index)


def _features_and_mirrored(faces, channel: Channel):
    """A channel's features of every face and of its mirror image, as float32."""
    return (channel.extract(faces).astype(np.float32),
            channel.extract(faces[..., ::-1]).astype(np.float32))


def _fold_codes(features, n_components: int, train: np.ndarray):
    """Unscaled PCA codes of every face and of every face's mirror, and the variance along
    each axis, with the PCA fitted on the fold's training faces."""
    plain, mirrored = features
    pca = PCA(n_components=n_components, svd_solver="randomized",
              random_state=RANDOM_STATE).fit(plain[train].astype(np.float64))
    return (pca.transform(plain.astype(np.float64)).astype(np.float32),
            pca.transform(mirrored.astype(np.float64)).astype(np.float32),
            pca.explained_variance_)


def _assemble(candidate: Candidate, codes: dict, which: int, rows) -> np.ndarray:
    """The candidate's code space: each channel's leading codes, scaled and weighted."""
    parts = []
    for spec in candidate.channels:
        k = spec.n_components
        fold_codes = codes[spec.channel]
        scale = code_scale(fold_codes[2][:k], spec.whiten)
        parts.append(fold_codes[which][rows, :k].astype(np.float64) / scale * spec.weight)
    return np.hstack(parts)


def _fit_and_score(candidate: Candidate, codes: dict, y, weights, fold, mirror_average: bool):
    train, test = fold
    svm = build_svm(candidate).fit(_assemble(candidate, codes, 0, train), y[train],
                                   sample_weight=weights[train])
    decision = svm.decision_function(_assemble(candidate, codes, 0, test))
    if mirror_average:
        decision = 0.5 * (decision + svm.decision_function(_assemble(candidate, codes, 1, test)))
    return decision, len(svm.support_)


def fit_final(faces, y, weights, search: SearchResult, chosen: int, classes, *,
              threshold: float = 0.0, mirror_average: bool = True,
              n_jobs: int = 2) -> TrainedModel:
    """Fit the chosen candidate on every face, calibrated on its grouped out-of-fold decisions.

    The channels and their PCAs are fitted once on all training faces (unsupervised), then the
    SVM with the faces' ``weights``. The Platt sigmoid (:func:`calibrate_at` ``threshold``) is
    fitted on the decision values that the search's fold models gave the faces they did not
    see (mirror-averaged as served), each face counting once, so calibration costs no extra
    fit; it needs a search over every face.
    """
    if len(search.index) != len(faces):
        raise ValueError("Calibration needs out-of-fold decisions for every training face: "
                         "run the grid search on all of them")
    candidate = search.candidates[chosen]
    # The channels' features and PCAs are fitted side by side on the cores, then the union
    # is kept serial: the saved model is a reference, evaluated on small batches.
    union = build_union(candidate.channels).set_params(n_jobs=n_jobs)
    codes = union.fit_transform(_flat(faces))
    union.set_params(n_jobs=None)
    svm = _fit_svm(build_svm(candidate), codes, y, weights)
    oof = search.decisions[chosen][np.argsort(search.index)]
    pipeline = Pipeline([("channels", union), ("svm", svm)])
    return TrainedModel(pipeline, calibrate_at(threshold, oof, y), mirror_average,
                        tuple(classes), candidate)


def _fit_svm(svm, codes, y, weights):
    return clone(svm).fit(codes, y, sample_weight=weights)


def _flat(faces: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(faces, dtype=np.float64).reshape(len(faces), -1)


def _subsample_by_group(groups: np.ndarray, max_samples: int | None) -> np.ndarray:
    if max_samples is None or len(groups) <= max_samples:
        return np.arange(len(groups))
    rng = np.random.default_rng(RANDOM_STATE)
    unique = rng.permutation(np.unique(groups))
    chosen, total = [], 0
    counts = dict(zip(*np.unique(groups, return_counts=True)))
    for g in unique:
        if total >= max_samples:
            break
        chosen.append(g)
        total += counts[g]
    return np.flatnonzero(np.isin(groups, chosen))
