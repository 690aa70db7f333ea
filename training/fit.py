"""Model fitting: grouped grid search, final PCA + SVM fit, and Platt calibration."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from .recipes import Recipe

log = logging.getLogger(__name__)
RANDOM_STATE = 0


def build_pipeline(n_components: int = 150, C: float = 10.0, gamma: float = 0.004) -> Pipeline:
    """Mean face + whitened eigenfaces, then an RBF SVM."""
    return Pipeline([
        ("pca", PCA(n_components=n_components, whiten=True, svd_solver="randomized",
                    random_state=RANDOM_STATE)),
        ("svm", SVC(kernel="rbf", C=C, gamma=gamma, cache_size=2000)),
    ])


@dataclass
class TrainedModel:
    """The full scikit-learn model: the pipeline, its calibration and how to apply them.

    ``decision(X)`` averages the decision values of each face and its mirror image when
    ``mirror_average`` is set; ``predict_proba`` applies the fitted sigmoid to them.
    """

    pipeline: Pipeline
    calibrator: LogisticRegression
    mirror_average: bool
    classes: tuple[str, str]

    def decision(self, faces: np.ndarray) -> np.ndarray:
        flat = faces.reshape(len(faces), -1).astype(np.float64)
        values = self.pipeline.decision_function(flat)
        if self.mirror_average:
            values = 0.5 * (values + self.pipeline.decision_function(_mirror_flat(faces)))
        return values

    def predict_proba(self, faces: np.ndarray) -> np.ndarray:
        return self.calibrator.predict_proba(self.decision(faces)[:, None])

    @property
    def calibration_ab(self) -> tuple[float, float]:
        """(a, b) with p(classes[1]) = 1 / (1 + exp(a * f + b))."""
        return -float(self.calibrator.coef_[0, 0]), -float(self.calibrator.intercept_[0])


def augment(faces: np.ndarray, y: np.ndarray, groups: np.ndarray, mirror: bool):
    """Flatten to float64 rows, adding each face's mirror image (same label, same person) when
    ``mirror`` is set. Float64 because PCA fitted on float32 keeps float32 arrays, and the numpy
    runtime must match it to 1e-6."""
    flat = faces.reshape(len(faces), -1).astype(np.float64)
    if not mirror:
        return flat, y, groups
    return (np.concatenate([flat, _mirror_flat(faces)]), np.concatenate([y, y]),
            np.concatenate([groups, groups]))


def sample_weights(datasets: np.ndarray, balance: bool) -> np.ndarray:
    """Weights that give each dataset the same total weight (mean 1), or all ones."""
    if not balance:
        return np.ones(len(datasets))
    names, counts = np.unique(datasets, return_counts=True)
    per_name = dict(zip(names, len(datasets) / (len(names) * counts)))
    return np.array([per_name[d] for d in datasets])


def grid_search(faces, y, groups, weights, recipe: Recipe, *, max_samples: int,
                n_splits: int = 3, n_jobs: int = 2) -> GridSearchCV:
    """Search PCA size, C and gamma with ``GroupKFold`` by person, on a subsample of people."""
    index = _subsample_by_group(groups, max_samples)
    X, y_aug, g_aug = augment(faces[index], y[index], groups[index], recipe.mirror_augment)
    w_aug = np.tile(weights[index], len(X) // len(index))
    search = GridSearchCV(
        build_pipeline(),
        {
            "pca__n_components": list(recipe.pca_grid),
            "svm__C": list(recipe.c_grid),
            "svm__gamma": list(recipe.gamma_grid),
        },
        cv=GroupKFold(n_splits=n_splits),
        scoring="accuracy",
        n_jobs=n_jobs,
        refit=False,
        verbose=0,
    )
    search.fit(X, y_aug, groups=g_aug, svm__sample_weight=w_aug)
    return search


def choose_params(search: GridSearchCV) -> tuple[dict, float]:
    """The candidate to fit: the smallest C that is within one standard error of the best.

    The one-standard-error rule: candidates closer than the CV noise are ties, and the most
    regularised (smallest C) of them generalises and calibrates best. Within that C, the
    candidate with the best mean accuracy wins.

    Returns the parameters and their mean grouped-CV accuracy.
    """
    cv = search.cv_results_
    means = np.asarray(cv["mean_test_score"])
    best = int(np.argmax(means))
    n_splits = search.n_splits_
    threshold = means[best] - np.asarray(cv["std_test_score"])[best] / np.sqrt(n_splits)
    c_values = np.asarray(cv["param_svm__C"], dtype=float)
    smallest_c = c_values[means >= threshold].min()
    candidates = np.flatnonzero(c_values == smallest_c)
    chosen = int(candidates[np.argmax(means[candidates])])
    return dict(cv["params"][chosen]), float(means[chosen])


def fit_calibrated(faces, y, groups, weights, recipe: Recipe, params: dict, classes, *,
                   n_splits: int = 3, n_jobs: int = 2) -> tuple[TrainedModel, np.ndarray]:
    """Fit the final pipeline on all faces and calibrate it on grouped out-of-fold decisions.

    The eigenfaces are fitted once on all training faces (unsupervised: no labels involved);
    only the SVM is cross-validated for the out-of-fold decision values. Refitting PCA in every
    fold would triple the time and hold a 10,000-wide copy of the data in every worker.

    Returns the model and the out-of-fold (mirror-averaged) decision values of ``faces``.
    """
    X, y_aug, g_aug = augment(faces, y, groups, recipe.mirror_augment)
    w_aug = np.tile(weights, len(X) // len(faces))
    pipeline = build_pipeline(params["pca__n_components"], params["svm__C"], params["svm__gamma"])
    pca, svm = pipeline.named_steps["pca"], pipeline.named_steps["svm"]
    codes = pca.fit_transform(X)
    del X
    # libsvm is single-threaded: the final fit runs beside the fold fits, not after them.
    folds = list(GroupKFold(n_splits=n_splits).split(codes, y_aug, g_aug))
    fitted = Parallel(n_jobs=n_jobs)(
        delayed(_fit_svm)(svm, codes[index], y_aug[index], w_aug[index])
        for index in [np.arange(len(codes))] + [train for train, _ in folds]
    )
    pipeline.steps[-1] = ("svm", fitted[0])
    # Out-of-fold decisions exactly as served: averaged with the mirror image's when the model
    # averages (the mirrors are rows n.. when augmented, projected here otherwise).
    n = len(faces)
    mirrored = None if recipe.mirror_augment else pca.transform(_mirror_flat(faces))
    oof = np.empty(len(codes))
    oof_mirror = np.empty(n)
    for model, (_, test) in zip(fitted[1:], folds):
        oof[test] = model.decision_function(codes[test])
        if mirrored is not None:
            oof_mirror[test] = model.decision_function(mirrored[test])
    if recipe.mirror_average:
        oof = 0.5 * (oof[:n] + (oof[n:] if recipe.mirror_augment else oof_mirror))
    else:
        oof = oof[:n]
    calibrator = LogisticRegression(C=1e6).fit(oof[:, None], y, sample_weight=weights)
    return TrainedModel(pipeline, calibrator, recipe.mirror_average, tuple(classes)), oof


def _fit_svm(svm, codes, y, weights):
    return clone(svm).fit(codes, y, sample_weight=weights)


def store_in_float32(model: TrainedModel) -> TrainedModel:
    """Round the two large fitted arrays (eigenfaces, support vectors) to float32 values.

    They are stored as float32 to keep ``model.npz`` small; rounding the fitted scikit-learn
    model the same way keeps it the exact reference the numpy runtime is tested against.
    """
    pca = model.pipeline.named_steps["pca"]
    svm = model.pipeline.named_steps["svm"]
    pca.components_ = pca.components_.astype(np.float32).astype(np.float64)
    svm.support_vectors_ = svm.support_vectors_.astype(np.float32).astype(np.float64)
    return model


def _mirror_flat(faces: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(faces[..., ::-1], dtype=np.float64).reshape(len(faces), -1)


def _subsample_by_group(groups: np.ndarray, max_samples: int) -> np.ndarray:
    if len(groups) <= max_samples:
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
