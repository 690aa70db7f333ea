"""A fast end-to-end training run on a small subset, and numpy-versus-scikit-learn parity."""

from __future__ import annotations

import dataclasses
import json

import joblib
import numpy as np
import pytest
from facegender.model import EigenfaceModel

from tests.conftest import DATA, need


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    need(DATA / "faces" / "labels.csv")
    need(DATA / "utkface" / "labels.csv")
    from training.pipeline import Options, run
    from training.recipes import IMPROVED

    out = tmp_path_factory.mktemp("training")
    recipe = dataclasses.replace(IMPROVED, pca_grid=(20, 30), c_grid=(3.0,), gamma_grid=(0.02,))
    options = Options(data=DATA, output=out / "output", model_dir=out / "model", recipe=recipe,
                      with_seed=True, grid_samples=200, limit=25, n_jobs=2,
                      cache=out / "cache")
    card = run(options)
    return card, options


def test_training_writes_the_artifact_and_a_complete_card(small_run):
    card, options = small_run
    assert (options.model_dir / "model.npz").exists()
    saved = json.loads((options.model_dir / "model.json").read_text())
    assert saved["version"] == card["version"]
    assert saved["pca"]["n_components"] in (20, 30)
    for split in ("celeba", "utkface"):
        new = saved["metrics"]["new"][split]
        for key in ("face_found_rate", "accuracy_end_to_end", "accuracy_detected", "roc_auc",
                    "expected_calibration_error", "recall", "by_source", "confusion_matrix"):
            assert key in new, (split, key)
        assert split in saved["metrics"]["seed"]
    assert "by_race" in saved["metrics"]["new"]["utkface"]
    assert (options.output / "plots" / "reliability.png").exists()
    assert (options.output / "plots" / "eigenfaces.png").exists()


def test_numpy_model_matches_scikit_learn_on_the_test_split(small_run):
    """Decision values and calibrated probabilities agree to 1e-6 on held-out faces."""
    card, options = small_run
    from joblib import Memory

    from training.crops import crop_boxes, largest_face_boxes, serving_detector
    from training.data import load_split
    from training.pipeline import _limit

    runtime = EigenfaceModel.load(options.model_dir)
    sklearn_model = joblib.load(options.output / "sklearn_model.joblib")
    test = _limit(load_split(DATA, "test"), 25)
    memory = Memory(options.cache, verbose=0)
    boxes = largest_face_boxes(test.paths, serving_detector(runtime.detector_params),
                               memory=memory)
    found = [i for i, b in enumerate(boxes) if b is not None]
    faces = crop_boxes(test.paths[found], [boxes[i] for i in found], runtime.crop_params,
                       memory=memory)
    assert len(faces) > 50

    flat = faces.reshape(len(faces), -1)
    assert np.abs(runtime.decision_function(flat)
                  - sklearn_model.pipeline.decision_function(flat)).max() < 1e-6
    assert np.abs(runtime.predict(faces).probabilities
                  - sklearn_model.predict_proba(faces)).max() < 1e-6
    assert np.abs(runtime.transform(flat)
                  - sklearn_model.pipeline.named_steps["pca"].transform(flat)).max() < 1e-6
