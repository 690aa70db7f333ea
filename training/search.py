"""The grouped search: every candidate cross-validated by person, its out-of-fold decisions kept.

A candidate's codes in a fold are the served pipeline's own (``training.codespace``), taken
from features and projections computed once per fold (``training.folds``), so a candidate
costs its SVM fits alone. :class:`SearchResult` keeps every out-of-fold decision and chooses.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import GroupKFold
from sklearn.svm import SVC

from facegender.features import Channel
from facegender.model import average_mirrors

from .codespace import RANDOM_STATE, ChannelSpec
from .folds import FoldChannel, cached_features, fit_folds, fold_codes, stacked_in

log = logging.getLogger(__name__)


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


#: libsvm's kernel cache of each of the search's fits (MB), two at a time beside the features.
SEARCH_CACHE_MB = 2000


def build_svm(candidate: Candidate, cache_mb: int = SEARCH_CACHE_MB) -> SVC:
    """The candidate's SVM. ``cache_mb`` changes only how often libsvm recomputes a kernel
    column it evicted, never the fitted model."""
    return SVC(kernel="rbf", C=candidate.C, gamma=candidate.gamma, cache_size=cache_mb)


@dataclass(frozen=True)
class ExtraFaces:
    """Faces a search holds beside its own, each belonging to one of them: it goes into the
    fold of its owner's person, with its owner's label and weight.

    Attributes
    ----------
    faces : ndarray of shape (m, FACE_SIZE, FACE_SIZE)
    owner : ndarray of int, shape (m,)
        The index, among the search's faces, of the face it belongs to.
    """

    faces: np.ndarray
    owner: np.ndarray


class Probes(ExtraFaces):
    """Extra faces a search scores out of fold and never trains on: degraded copies of
    training photos (``training.degrade``), each scored by the fold model that did not see
    its person; ``owner`` is the clean face of the same photo."""


class TrainingCopies(ExtraFaces):
    """Extra faces a search trains on and never scores: altered copies of training faces (a
    lever to measure), each in the training rows of every fold whose training set holds its
    person; ``owner`` is the face it is a copy of."""


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
                mirror_average: bool = True, probes: Probes | None = None,
                copies: TrainingCopies | None = None) -> SearchResult:
    """Grouped ``n_splits``-fold CV of every candidate on a subsample of whole people.

    Each channel's features are computed once, and each channel's PCA is fitted once per fold
    (``training.folds``, at the largest size any candidate asks for; a smaller size takes
    the leading codes, scaled by ``code_scale`` of their own variances), so a candidate costs
    its SVM fits alone. Test faces are scored as served (``facegender.model.average_mirrors``):
    the decision values of a face and of its mirror image, averaged. ``probes`` ride along as
    extra test rows of the fold that holds their owner: never in a PCA or SVM fit; ``copies``
    are extra training rows of the folds that train on their owner: never scored.
    ``weights`` are the faces' sample weights, shape (n,), or one row of them for each
    candidate, shape (n_candidates, n).
    """
    index = _subsample_by_group(groups, max_samples)
    weights = np.broadcast_to(weights, (len(candidates), len(groups)))[:, index]
    y, groups = y[index], groups[index]
    n = len(index)
    folds = list(GroupKFold(n_splits=n_splits).split(index, y, groups))
    parts = [(faces, index)]
    probe_index = np.zeros(0, dtype=int)
    row_owner = np.arange(n)
    if probes is not None:
        probe_index, owner = _rows_with_used_owner(index, probes.owner)
        parts.append((probes.faces, probe_index))
        folds = [(train, np.concatenate([test, n + np.flatnonzero(np.isin(owner, test))]))
                 for train, test in folds]
        row_owner = np.concatenate([row_owner, owner])
    scored = len(row_owner)  # the rows scored; copies, after them, are never mirrored
    if copies is not None:
        copy_index, owner = _rows_with_used_owner(index, copies.owner)
        parts.append((copies.faces, copy_index))
        folds = [(np.concatenate([train, scored + np.flatnonzero(np.isin(owner, train))]), test)
                 for train, test in folds]
        row_owner = np.concatenate([row_owner, owner])
    sizes: dict[Channel, int] = {}
    for candidate in candidates:
        for spec in candidate.channels:
            sizes[spec.channel] = max(sizes.get(spec.channel, 0), spec.n_components)
    # The rows and their features live in files while the fold PCAs are fitted: see
    # cached_features.
    with tempfile.TemporaryDirectory(prefix="facegender-search-") as scratch:
        rows = stacked_in(scratch, parts)
        del parts
        features = cached_features(rows, sizes, n_jobs, mirrored_rows=scored, scratch=scratch)
        del rows
        fitted = fit_folds(features, sizes, [train for train, _ in folds], n_jobs)
        del features
    jobs = [(i, f) for i in range(len(candidates)) for f in range(n_splits)]
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_and_score)(candidates[i], {s.channel: fitted[s.channel, f]
                                                for s in candidates[i].channels},
                                y[row_owner], weights[i][row_owner], folds[f], mirror_average)
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


def _fit_and_score(candidate: Candidate, fold: dict[Channel, FoldChannel], y, weights, split,
                   mirror_average: bool):
    train, test = split
    _, codes = fold_codes(candidate.channels, fold)
    svm = build_svm(candidate).fit(codes(train), y[train], sample_weight=weights[train])
    served = [codes(test)] + ([codes(test, mirrored_faces=True)] if mirror_average else [])
    decision = average_mirrors(svm.decision_function(np.vstack(served)), mirror_average)
    return decision, len(svm.support_)


def _rows_with_used_owner(index: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The extra faces whose owner (a row of all faces) the search uses (``index``), and each
    one's owner's position among the used faces."""
    if len(owner) == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    position = np.full(int(max(index.max(), owner.max())) + 1, -1)
    position[index] = np.arange(len(index))
    rows = np.flatnonzero(position[owner] >= 0)
    return rows, position[owner[rows]]


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
