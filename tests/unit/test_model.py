"""The bundled model artifact, evaluated with numpy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from facegender.model import FLOAT32_ARRAYS, EigenfaceModel
from facegender.preprocessing import FACE_SIZE, mirror
from facegender.settings import DEFAULT_MODEL_DIR

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def model() -> EigenfaceModel:
    return EigenfaceModel.load(DEFAULT_MODEL_DIR)


def test_artifact_is_small_and_has_no_pickles():
    npz = DEFAULT_MODEL_DIR / "model.npz"
    assert npz.stat().st_size <= 20_000_000
    with np.load(npz, allow_pickle=False) as data:
        for name in data.files:
            expected = np.float32 if name in FLOAT32_ARRAYS else np.float64
            assert data[name].dtype == expected, name


def test_card_describes_the_model(model):
    card = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())
    assert card["classes"] == ["female", "male"]
    assert "not a statement about" in card["label_meaning"]
    assert card["pca"]["n_components"] == model.n_components
    for split in ("celeba", "utkface"):
        assert 0.5 < card["metrics"]["new"][split]["accuracy_end_to_end"] <= 1.0


def test_shapes_and_probabilities(model):
    rng = np.random.default_rng(0)
    faces = np.clip(model.mean_face() + rng.normal(0, 0.05, (5, FACE_SIZE, FACE_SIZE)), 0, 1)
    out = model.predict(faces)
    assert out.probabilities.shape == (5, 2)
    assert np.allclose(out.probabilities.sum(axis=1), 1.0)
    assert out.labels == [model.classes[i] for i in out.probabilities.argmax(axis=1)]
    assert model.transform(faces).shape == (5, model.n_components)
    assert model.reconstruct(faces).shape == (5, FACE_SIZE, FACE_SIZE)


def test_mirror_averaging_makes_a_face_and_its_mirror_agree(model):
    if not model.mirror_average:
        pytest.skip("this model does not average mirror images")
    rng = np.random.default_rng(1)
    faces = np.clip(model.mean_face() + rng.normal(0, 0.1, (3, FACE_SIZE, FACE_SIZE)), 0, 1)
    assert np.allclose(model.predict(faces).decision, model.predict(mirror(faces)).decision)


def test_reconstruction_of_the_mean_face_is_the_mean_face(model):
    mean = model.mean_face()[None]
    assert np.abs(model.reconstruct(mean) - mean).max() < 1e-9


def test_decision_matches_a_direct_kernel_sum(model):
    """The vectorised kernel equals the textbook sum over support vectors."""
    rng = np.random.default_rng(2)
    face = np.clip(model.mean_face() + rng.normal(0, 0.05, (FACE_SIZE, FACE_SIZE)), 0, 1)
    z = model.transform(face[None])[0]
    direct = sum(alpha * np.exp(-model.gamma * np.sum((sv - z) ** 2))
                 for alpha, sv in zip(model.dual_coef_, model.support_vectors_))
    assert model.decision_function(face[None])[0] == pytest.approx(direct + model.intercept_,
                                                                 abs=1e-9)


def test_matches_the_saved_scikit_learn_model_when_present(model):
    """Parity with the full training output, where ``make train`` has been run here."""
    saved = REPO_ROOT / "training" / "output" / "sklearn_model.joblib"
    if not saved.exists():
        pytest.skip(f"{saved} absent: run `make train` (the small training test covers parity)")
    import joblib

    sk = joblib.load(saved)
    if sk.pipeline.named_steps["pca"].n_components_ != model.n_components:
        pytest.skip("the saved scikit-learn model is from another training run")
    rng = np.random.default_rng(3)
    faces = np.clip(model.mean_face() + rng.normal(0, 0.05, (20, FACE_SIZE, FACE_SIZE)), 0, 1)
    flat = faces.reshape(20, -1)
    assert np.abs(model.decision_function(flat) - sk.pipeline.decision_function(flat)).max() < 1e-6
    assert np.abs(model.predict(faces).probabilities - sk.predict_proba(faces)).max() < 1e-6


def test_runtime_never_imports_scikit_learn_or_scipy():
    code = (
        "import sys, facegender\n"
        "from facegender.service import FaceService\n"
        "FaceService.load()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'joblib'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(REPO_ROOT), check=True)
    assert result.stdout.strip() == ""
