"""The training pipeline, one function per stage, each timed.

load -> detect + crop (the serving code) -> grouped search -> final fit + calibration ->
evaluate (the new model with the numpy runtime; optionally an earlier model and the seed recipe
beside it) -> plots + card -> export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import platform
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from joblib import Memory
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from facegender.model import FaceModel
from facegender.preprocessing import FACE_SIZE

from .crops import dataset_faces, found, seed_faces
from .data import CLASSES, Samples, data_root, load_split
from .evaluate import Predictions, evaluate_split
from .export import channel_records, model_arrays, write_artifact
from .fit import (
    SearchResult, TrainedModel, fit_final, grid_search, sample_weights, round_stored_arrays,
)
from .plots import write_plots
from .recipes import IMPROVED, SEED, Recipe, SeedDetector

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "training" / "output"
DEFAULT_MODEL_DIR = REPO_ROOT / "function" / "model"


@dataclass
class Options:
    data: Path = field(default_factory=data_root)
    output: Path = DEFAULT_OUTPUT
    model_dir: Path | None = DEFAULT_MODEL_DIR
    recipe: Recipe = IMPROVED
    with_seed: bool = False
    compare_with: Path | None = None  # an earlier model folder, evaluated beside the new one
    grid_samples: int | None = None  # all faces
    cv_splits: int = 3
    n_jobs: int = 2
    limit: int | None = None  # images per split and dataset, for quick runs
    cache: Path = REPO_ROOT / ".cache" / "joblib"


class Timer:
    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        log.info("stage %s ...", name)
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 2)
        log.info("stage %s done in %.1f s", name, self.seconds[name])


def run(options: Options) -> dict:
    """Train, evaluate and export; returns the model card."""
    timer = Timer()
    memory = Memory(options.cache, verbose=0)
    recipe = options.recipe
    with timer.stage("load"):
        train = _limit(load_split(options.data, "train", recipe.datasets), options.limit)
        tests = {name: _limit(load_split(options.data, "test", (name,)), options.limit)
                 for name in recipe.datasets}

    if recipe.name == "seed":
        seed_metrics = _train_and_evaluate_seed(train, tests, memory, options, timer)
        return {"recipe": "seed", "metrics": seed_metrics, "timings_s": timer.seconds}

    with timer.stage("detect_and_crop_train"):
        all_faces = dataset_faces(train.paths, recipe.preprocessing, memory=memory,
                                  n_jobs=options.n_jobs, desc="faces train")
        has_face = found(all_faces)
        faces, fit_set = all_faces[has_face], train.subset(has_face)
        del all_faces
    log.info("training faces: %d of %d images", len(faces), len(train))

    with timer.stage("grid_search"):
        weights = sample_weights(fit_set.dataset, recipe.balance_datasets)
        search = grid_search(faces, fit_set.y, fit_set.group, weights, recipe.grid,
                             max_samples=options.grid_samples, n_splits=options.cv_splits,
                             n_jobs=options.n_jobs, mirror_average=recipe.mirror_average)
        chosen = search.choose()
    log.info("chosen %s, grouped CV accuracy %.4f (best %.4f)",
             search.candidates[chosen].describe(), search.mean[chosen], search.mean.max())

    with timer.stage("fit_and_calibrate"):
        # Calibration takes the chosen candidate's out-of-fold decisions over every face: after
        # a subsampled search, one more search of that candidate alone gives them.
        calibration, index = search, chosen
        if len(search.index) < len(faces):
            calibration = grid_search(faces, fit_set.y, fit_set.group, weights,
                                      [search.candidates[chosen]], n_splits=options.cv_splits,
                                      n_jobs=options.n_jobs, mirror_average=recipe.mirror_average)
            index = 0
        trained = fit_final(faces, fit_set.y, weights, calibration, index, CLASSES,
                            mirror_average=recipe.mirror_average, n_jobs=options.n_jobs)
        trained = round_stored_arrays(trained)
        del faces

    card = _card(recipe, train, fit_set, search, chosen, trained)
    runtime = FaceModel(model_arrays(trained), card)

    with timer.stage("evaluate"):
        metrics, plot_data = {}, {}
        for name, test in tests.items():
            pred = _predict_runtime(runtime, test, memory, options)
            metrics[name] = evaluate_split(test, pred)
            plot_data[name] = (test.y[pred.found], pred.p_male[pred.found],
                               pred.predicted[pred.found])
        card["metrics"] = {"new": metrics}
    if options.compare_with is not None:
        with timer.stage("evaluate_earlier_model"):
            earlier = FaceModel.load(options.compare_with)
            card["metrics"]["earlier"] = {
                name: evaluate_split(test, _predict_runtime(earlier, test, memory, options))
                for name, test in tests.items()}
            card["metrics"]["earlier_model_version"] = earlier.version
    if options.with_seed:
        card["metrics"]["seed"] = _train_and_evaluate_seed(train, tests, memory, options, timer)

    with timer.stage("export"):
        options.output.mkdir(parents=True, exist_ok=True)
        pixels_pca = trained.pipeline.named_steps["channels"].transformer_list[0][1]["pca"].pca_
        write_plots(runtime, pixels_pca.explained_variance_ratio_, plot_data,
                    options.output / "plots")
        joblib.dump(trained, options.output / "sklearn_model.joblib")
        card["training"]["timings_s"] = timer.seconds
        write_artifact(trained, card, options.output / "model")
        if options.model_dir is not None:
            npz = write_artifact(trained, card, options.model_dir)
            log.info("model written to %s (%.1f MB)", npz, npz.stat().st_size / 1e6)
    return card


def _predict_runtime(model: FaceModel, test: Samples, memory, options) -> Predictions:
    faces = dataset_faces(test.paths, model.preprocessing, memory=memory,
                          n_jobs=options.n_jobs, desc="faces test")
    has_face = found(faces)
    p_male = np.full(len(test), np.nan)
    predicted = np.full(len(test), -1)
    if has_face.any():
        out = model.predict(faces[has_face])
        p_male[has_face] = out.probabilities[:, 1]
        predicted[has_face] = [CLASSES.index(label) for label in out.labels]
    return Predictions(has_face, p_male, predicted)


def _train_and_evaluate_seed(train: Samples, tests: dict, memory, options, timer) -> dict:
    """The original recipe, exactly: its detector, crops >= 60 px, PCA(50), SVC(C=10, 0.01)."""
    with timer.stage("seed_train"):
        faces = seed_faces(train.paths, SeedDetector(5, min_face=60), SEED.crop, memory=memory,
                           n_jobs=options.n_jobs, desc="seed faces train")
        has_face = found(faces)
        faces = faces[has_face]
        # The seed used SVC(probability=True), deprecated in scikit-learn 1.9 but kept here
        # because reproducing that recipe exactly is the point.
        pipeline = Pipeline([
            # 50 eigenfaces, fewer only in tiny test runs with fewer faces than that.
            ("pca", PCA(n_components=min(SEED.n_components, len(faces) - 1), whiten=True,
                        random_state=0)),
            ("svm", SVC(kernel="rbf", C=SEED.C, gamma=SEED.gamma, probability=True,
                        random_state=0)),
        ])
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The `probability` parameter", FutureWarning)
            pipeline.fit(faces.reshape(len(faces), -1), train.y[has_face])
    metrics = {}
    with timer.stage("seed_evaluate"):
        for name, test in tests.items():
            crops = seed_faces(test.paths, SeedDetector(3), SEED.crop, memory=memory,
                               n_jobs=options.n_jobs, desc="seed faces test")
            has_face = found(crops)
            p_male = np.full(len(test), np.nan)
            predicted = np.full(len(test), -1)
            if has_face.any():
                flat = crops[has_face].reshape(int(has_face.sum()), -1)
                p_male[has_face] = pipeline.predict_proba(flat)[:, 1]
                predicted[has_face] = pipeline.predict(flat)
            metrics[name] = evaluate_split(test, Predictions(has_face, p_male, predicted))
    return metrics


def _card(recipe: Recipe, train: Samples, fit_set: Samples, search: SearchResult, chosen: int,
          trained: TrainedModel) -> dict:
    candidate = search.candidates[chosen]
    svm = trained.pipeline.named_steps["svm"]
    counts = {
        name: {c: int(((train.dataset == name) & (train.y == i)).sum()) for i, c in enumerate(CLASSES)}
        for name in recipe.datasets
    }
    digest = hashlib.sha256(np.ascontiguousarray(svm.dual_coef_).tobytes()).hexdigest()[:8]
    return {
        "name": "facegender eigenfaces + HOG + LBP",
        "version": f"{dt.date.today():%Y.%m.%d}-{digest}",
        "classes": list(CLASSES),
        "label_meaning": (
            "Apparent, binary gender presentation as annotated in the training datasets "
            "(CelebA's 'Male' attribute, UTKFace's gender field). It is not a statement about "
            "anyone's gender identity."
        ),
        "intended_use": (
            "Demonstrating a classic, transparent face pipeline (Haar cascade, eigenfaces, HOG "
            "and LBP features, SVM) on photos people choose to upload. Not for decisions about "
            "people, identification, surveillance, or inferring anyone's gender identity."
        ),
        "limitations": LIMITATIONS,
        "channels": channel_records(trained),
        "training_data": {
            "datasets": {
                "celeba": "CelebA (Liu et al., ICCV 2015), split by identity; label = 'Male' attribute",
                "utkface": "UTKFace (Zhang et al., CVPR 2017); label = gender field",
            },
            "images": counts,
            "faces_used": int(len(fit_set)),
            "datasets_weighted_equally": recipe.balance_datasets,
        },
        "preprocessing": {
            "face_size": FACE_SIZE,
            **recipe.preprocessing.to_dict(),
            "mirror_average": recipe.mirror_average,
        },
        "svm": {
            "kernel": "rbf",
            "C": float(svm.C),
            "gamma": float(svm.gamma),
            "gamma_scale": candidate.gamma_scale,
            "n_support_vectors": int(svm.support_vectors_.shape[0]),
        },
        "calibration": {"method": "Platt sigmoid on grouped out-of-fold decision values"
                                  + (", datasets weighted equally" if recipe.balance_datasets else "")},
        "grid_search": {
            "cv": "GroupKFold by person (CelebA identity; one group per UTKFace image)",
            "faces": int(len(search.index)),
            "selection": ("the cheapest model (support vectors x code dimensions), then the "
                          "smallest C, within one standard error of the best mean accuracy"),
            "chosen": candidate.describe(),
            "chosen_cv_accuracy": round(float(search.mean[chosen]), 4),
            "best_cv_accuracy": round(float(search.mean.max()), 4),
            "candidates": [
                {"candidate": c.describe(), "mean_accuracy": round(float(m), 4),
                 "std_accuracy": round(float(sd), 4), "support_vectors": n_sv}
                for c, m, sd, n_sv in zip(search.candidates, search.mean, search.std,
                                          search.n_support)
            ],
        },
        "training": {
            "recipe": recipe.name,
            "date": dt.date.today().isoformat(),
            "python": platform.python_version(),
        },
    }


LIMITATIONS = [
    "Two labels only; people who are non-binary or whose presentation differs from the "
    "annotators' reading get a wrong or meaningless label.",
    "Mostly frontal faces: copies turned by up to 30 degrees and a profile cascade catch some "
    "tilted and side-on heads when the frontal cascades find nothing, but many are still "
    "missed, and side-on faces are classified less accurately.",
    "Crops are aligned on the eyes where the eye cascade finds both (about 4 faces in 5); "
    "closed eyes, glare on glasses or a turned head leave the plain face-box crop, and those "
    "faces are classified less accurately.",
    "Trained on adult celebrities (CelebA) and UTKFace; accuracy is lower for children and "
    "older people and differs between groups (see metrics).",
    "Grayscale 100x100 crops: lighting, glasses, hats and make-up sway the result.",
]


def _limit(samples: Samples, limit: int | None) -> Samples:
    """The first ``limit`` images of each class and dataset, in a fixed shuffled order."""
    if limit is None:
        return samples
    rng = np.random.default_rng(0)
    order = rng.permutation(len(samples))
    keep = []
    for dataset in np.unique(samples.dataset):
        for label in (0, 1):
            idx = order[(samples.dataset[order] == dataset) & (samples.y[order] == label)]
            keep.extend(idx[:limit].tolist())
    return samples.subset(np.sort(np.array(keep, dtype=int)))
