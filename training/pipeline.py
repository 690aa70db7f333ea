"""The training pipeline, one function per stage, each timed.

load -> detect + crop (the serving code) -> the fair grouped search (``training.fairness``:
degraded probes, misread-group weights, texture copies, each candidate at its equal-recall
threshold) -> final fit (with the chosen candidate's copies) + calibration at that threshold
-> evaluate (the new model with the numpy runtime, its group tables and the degradation
stress test; optionally an earlier model and the seed recipe beside it) -> plots + card
(``training.card``) -> export.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import joblib
import numpy as np
from joblib import Memory
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from facegender.model import FaceModel
from facegender.telemetry import stage

from .card import known_failures, model_card
from .crops import dataset_faces_and_framings, found, seed_faces
from .data import CLASSES, REPO_ROOT, Samples, data_root, load_split
from .evaluate import Predictions, evaluate_split, predict_faces
from .export import model_arrays, round_stored_arrays, write_artifact
from .fairness import search_fairly
from .fit import TrainedModel, fit_final
from .plots import write_plots
from .recipes import IMPROVED, SEED, Recipe, SeedDetector
from .search import grid_search
from .stress import stress_test

log = logging.getLogger(__name__)

DEFAULT_OUTPUT = REPO_ROOT / "training" / "output"
DEFAULT_MODEL_DIR = REPO_ROOT / "function" / "model"
#: The stages :func:`evaluate_and_export` times (the rest are training's).
EVALUATION_STAGES = ("evaluate", "stress_test", "evaluate_earlier_model", "export")


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


@contextmanager
def _logged(name: str, timings: dict[str, float]):
    """The log lines around a stage (``facegender.telemetry.stage`` times it)."""
    log.info("stage %s ...", name)
    yield
    log.info("stage %s done in %.1f s", name, timings[name] / 1000.0)


def _seconds(timings: dict[str, float]) -> dict[str, float]:
    return {name: round(ms / 1000.0, 2) for name, ms in timings.items()}


def _timer(timings: dict[str, float]):
    """``timed(name)``: a context that times a stage into ``timings`` and logs it."""
    return lambda name: stage(name, timings, partial(_logged, timings=timings))


def run(options: Options) -> dict:
    """Train, evaluate and export; returns the model card."""
    timings: dict[str, float] = {}
    timed = _timer(timings)
    memory = Memory(options.cache, verbose=0)
    recipe = options.recipe
    with timed("load"):
        train = _limit(load_split(options.data, "train", recipe.datasets), options.limit)
        tests = test_splits(options, recipe.datasets)

    if recipe.name == "seed":
        seed_metrics = _train_and_evaluate_seed(train, tests, memory, options, timed)
        return {"recipe": "seed", "metrics": seed_metrics, "timings_s": _seconds(timings)}

    with timed("detect_and_crop_train"):
        all_faces, framings = dataset_faces_and_framings(
            train.paths, recipe.preprocessing, memory=memory, n_jobs=options.n_jobs,
            desc="faces train")
        has_face = found(all_faces)
        faces, fit_set, face_widths = all_faces[has_face], train.subset(has_face), framings[has_face, 2]
        del all_faces
    log.info("training faces: %d of %d images", len(faces), len(train))

    with timed("fair_search"):
        fair = search_fairly(faces, fit_set, face_widths, recipe, memory=memory,
                             n_jobs=options.n_jobs, max_samples=options.grid_samples,
                             n_splits=options.cv_splits)
        search, chosen = fair.search, fair.chosen
    log.info("chosen %s (%s), grouped CV accuracy %.4f at threshold %.3f, worst group %s %.4f",
             search.candidates[chosen].describe(), fair.labels[chosen],
             fair.assessments[chosen].accuracy, fair.threshold,
             fair.assessments[chosen].worst_group, fair.assessments[chosen].worst_recall)

    with timed("fit_and_calibrate"):
        # Calibration takes the chosen candidate's out-of-fold decisions over every face: after
        # a subsampled search, one more search of that candidate alone gives them.
        weights, copies = fair.weights[chosen], fair.copies[chosen]
        calibration, index = search, chosen
        if len(search.index) < len(faces):
            calibration = grid_search(faces, fit_set.y, fit_set.group, weights,
                                      [search.candidates[chosen]], n_splits=options.cv_splits,
                                      n_jobs=options.n_jobs, mirror_average=recipe.mirror_average,
                                      copies=copies)
            index = 0
        trained = fit_final(faces, fit_set.y, weights, calibration, index, CLASSES,
                            threshold=fair.threshold, mirror_average=recipe.mirror_average,
                            copies=copies)
        trained = round_stored_arrays(trained)
        del faces

    card = model_card(recipe, train, fit_set, fair, trained)
    card["metrics"] = {}
    if options.with_seed:
        card["metrics"]["seed"] = _train_and_evaluate_seed(train, tests, memory, options, timed)
    return evaluate_and_export(trained, card, tests, options, timings)


def test_splits(options: Options, datasets) -> dict[str, Samples]:
    """Each dataset's dev test split (``options.limit`` images per class at most)."""
    return {name: _limit(load_split(options.data, "test", (name,)), options.limit)
            for name in datasets}


def evaluate_and_export(trained: TrainedModel, card: dict, tests: dict[str, Samples],
                        options: Options, timings: dict[str, float]) -> dict:
    """Evaluate a fitted, storage-rounded model with the numpy runtime, export it and its
    plots; returns its card with metrics and known failures, and the stages' times.

    Parameters
    ----------
    trained : the model, after ``round_stored_arrays``
    card : its card without the new model's metrics (``card["metrics"]`` may hold the seed's)
    tests : the dev test splits by dataset
    timings : stage times in ms so far; :data:`EVALUATION_STAGES` are added
    """
    if set(card.get("metrics", {})) - {"seed"}:
        raise ValueError("the card may hold only the seed recipe's metrics before evaluation")
    earlier_metrics = card.pop("metrics", {})
    timed = _timer(timings)
    memory = Memory(options.cache, verbose=0)
    runtime = FaceModel(model_arrays(trained), card)

    with timed("evaluate"):
        metrics, plot_data, clean_runs = {}, {}, {}
        for name, test in tests.items():
            faces, framings = dataset_faces_and_framings(
                test.paths, runtime.preprocessing, memory=memory, n_jobs=options.n_jobs,
                desc="faces test")
            clean_runs[name] = (faces, framings)
            pred = predict_faces(runtime, faces)
            metrics[name] = evaluate_split(test, pred)
            plot_data[name] = (test.y[pred.found], pred.p_male[pred.found],
                               pred.predicted[pred.found])
        card["metrics"] = {"new": metrics, **earlier_metrics}
    with timed("stress_test"):
        for name, test in tests.items():
            metrics[name]["degraded"] = _stress(runtime, test, clean_runs[name], memory, options)
    card["known_failures"] = known_failures(card)
    if options.compare_with is not None:
        with timed("evaluate_earlier_model"):
            earlier = FaceModel.load(options.compare_with)
            card["metrics"]["earlier"] = {}
            for name, test in tests.items():
                # Same detector, so the crops (and the degraded copies) come from the cache.
                faces, framings = clean_runs[name]
                pred = predict_faces(earlier, faces)
                card["metrics"]["earlier"][name] = {
                    **evaluate_split(test, pred),
                    "degraded": _stress(earlier, test, clean_runs[name], memory, options)}
            card["metrics"]["earlier_model_version"] = earlier.version

    with timed("export"):
        options.output.mkdir(parents=True, exist_ok=True)
        pixels_pca = trained.pipeline.named_steps["channels"].transformer_list[0][1]["pca"].pca_
        write_plots(runtime, pixels_pca.explained_variance_ratio_, plot_data,
                    options.output / "plots")
        joblib.dump(trained, options.output / "sklearn_model.joblib")
        card["training"]["timings_s"] = _seconds(timings)
        write_artifact(trained, card, options.output / "model")
        if options.model_dir is not None:
            npz = write_artifact(trained, card, options.model_dir)
            log.info("model written to %s (%.1f MB)", npz, npz.stat().st_size / 1e6)
    # The artifact's card was written without the export's own time; the report has it.
    card["training"]["timings_s"] = _seconds(timings)
    return card


def _stress(model: FaceModel, test: Samples, clean_run, memory, options) -> dict:
    faces, framings = clean_run
    return stress_test(model, test, predict_faces(model, faces), framings, memory=memory,
                       n_jobs=options.n_jobs)


def _train_and_evaluate_seed(train: Samples, tests: dict, memory, options, timed) -> dict:
    """The original recipe, exactly: its detector, crops >= 60 px, PCA(50), SVC(C=10, 0.01)."""
    with timed("seed_train"):
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
    with timed("seed_evaluate"):
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
