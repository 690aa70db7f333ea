"""The final fit and its Platt calibration, on the grouped search's out-of-fold decisions.

The scikit-learn model is ``FeatureUnion`` of channels (``training.codespace``: features ->
``ChannelPCA``, times the channel's weight) -> ``SVC(rbf)``, the shape
``facegender.model.FaceModel`` evaluates with numpy; the search (``training.search``) takes
its codes from the same transformers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from facegender.model import average_mirrors, served_batch

from .codespace import build_union
from .search import Candidate, SearchResult, TrainingCopies, build_svm


#: libsvm's kernel cache of the final fit (MB), which runs alone: room for a column of each of
#: v5's 22,281 support vectors over its 59,938 rows (5.3 GB), which the search's 2 GB are not.
FINAL_FIT_CACHE_MB = 8000


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
        batch = served_batch(faces, self.mirror_average)
        return average_mirrors(self.pipeline.decision_function(_flat(batch)), self.mirror_average)

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


def fit_final(faces, y, weights, search: SearchResult, chosen: int, classes, *,
              threshold: float = 0.0, mirror_average: bool = True,
              copies: TrainingCopies | None = None) -> TrainedModel:
    """Fit the chosen candidate on every face, calibrated on its grouped out-of-fold decisions.

    The channels and their PCAs are fitted once on all training faces (unsupervised), then the
    SVM with the faces' ``weights``; ``copies`` (the candidate's training copies, as in its
    search) join both fits, each with its owner's label and weight. The Platt sigmoid
    (:func:`calibrate_at` ``threshold``) is fitted on the decision values that the search's
    fold models gave the faces they did not see (mirror-averaged as served), each face
    counting once, so calibration costs no extra fit; it needs a search over every face.
    """
    if len(search.index) != len(faces):
        raise ValueError("Calibration needs out-of-fold decisions for every training face: "
                         "run the grid search on all of them")
    candidate = search.candidates[chosen]
    owners = np.arange(len(faces))
    if copies is not None:
        faces = np.concatenate([faces, copies.faces])
        owners = np.concatenate([owners, copies.owner])
    # One channel at a time, from the crops as they are: no float64 copy of every crop, and
    # not two channels' features at once (with texture copies the pixels alone are 4.8 GB in
    # float64, and the PCA's copy as much again). Training crops are float32 grey levels
    # k / 255, which give the same features as their float64 values (HOG and LBP round x 255).
    union = build_union(candidate.channels)
    codes = union.fit_transform(np.ascontiguousarray(faces).reshape(len(faces), -1))
    del faces  # with copies, 2.4 GB the SVM and its 8 GB kernel cache do not need
    svm = _fit_svm(build_svm(candidate, FINAL_FIT_CACHE_MB), codes, y[owners],
                   np.asarray(weights)[owners])
    oof = search.decisions[chosen][np.argsort(search.index)]
    pipeline = Pipeline([("channels", union), ("svm", svm)])
    return TrainedModel(pipeline, calibrate_at(threshold, oof, y), mirror_average,
                        tuple(classes), candidate)


def _fit_svm(svm, codes, y, weights):
    return clone(svm).fit(codes, y, sample_weight=weights)


def _flat(faces: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(faces, dtype=np.float64).reshape(len(faces), -1)
