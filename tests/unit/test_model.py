"""The bundled model artifact, evaluated with numpy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from facegender.artifact import PACKED_ARRAYS, loaded_arrays
from facegender.eigenfaces import mean_face
from facegender.model import FaceModel
from facegender.preprocessing import FACE_SIZE, mirror
from facegender.settings import DEFAULT_MODEL_DIR

from tests.support.paths import REPO_ROOT


@pytest.fixture(scope="module")
def model() -> FaceModel:
    return FaceModel.load(DEFAULT_MODEL_DIR)


@pytest.fixture(scope="module")
def card() -> dict:
    return json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())


def noisy_mean_faces(model: FaceModel, n: int, seed: int, noise: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(mean_face(model) + rng.normal(0, noise, (n, FACE_SIZE, FACE_SIZE)), 0, 1)


def test_artifact_is_small_and_has_no_pickles():
    npz = DEFAULT_MODEL_DIR / "model.npz"
    assert npz.stat().st_size <= 30_000_000
    stored_as = {"float24": np.uint8, "fixed16": np.int16, None: np.float64}
    with np.load(npz, allow_pickle=False) as data:
        for name in data.files:
            packing = PACKED_ARRAYS.get(name.split(".")[-1])
            assert data[name].dtype == stored_as[packing], name
            assert packing != "float24" or data[name].shape[-1] == 3, name


def test_card_describes_the_model(model, card):
    assert card["classes"] == ["female", "male"]
    assert "not a statement about" in card["label_meaning"]
    assert [c["name"] for c in card["channels"]][0] == "pixels"
    assert [c["n_components"] for c in card["channels"]] == [
        channel.n_components for channel in model.channels]
    assert card["svm"]["n_support_vectors"] == len(model.support_vectors_)


def test_every_value_that_changes_what_the_model_sees_is_read_from_the_card(card):
    """A field missing from the card is an error, never a silent code default."""
    arrays = loaded_arrays(dict(np.load(DEFAULT_MODEL_DIR / "model.npz")))
    for section, field in (("detector", "min_neighbors"), ("eye_search", "max_eye"),
                           ("crop", "eye_span"), ("crop", "clahe_clip")):
        broken = json.loads(json.dumps(card))
        del broken["preprocessing"][section][field]
        with pytest.raises(ValueError, match=field):
            FaceModel(arrays, broken)
    broken = json.loads(json.dumps(card))
    broken["preprocessing"]["face_size"] = 64
    with pytest.raises(ValueError, match="face_size"):
        FaceModel(arrays, broken)
    broken = json.loads(json.dumps(card))
    del broken["channels"][0]["weight"]
    with pytest.raises(KeyError):
        FaceModel(arrays, broken)


def test_shapes_and_probabilities(model):
    faces = noisy_mean_faces(model, 5, seed=0)
    out = model.predict(faces)
    assert out.probabilities.shape == (5, 2)
    assert np.allclose(out.probabilities.sum(axis=1), 1.0)
    assert out.labels == [model.classes[i] for i in out.probabilities.argmax(axis=1)]
    dims = sum(channel.n_components for channel in model.channels)
    assert model.transform(faces).shape == (5, dims)


def test_mirror_averaging_makes_a_face_and_its_mirror_agree(model):
    if not model.mirror_average:
        pytest.skip("this model does not average mirror images")
    faces = noisy_mean_faces(model, 3, seed=1, noise=0.1)
    assert np.allclose(model.predict(faces).decision, model.predict(mirror(faces)).decision)


def test_decision_matches_a_direct_kernel_sum(model):
    """The vectorised kernel equals the textbook sum over support vectors in float64, to the
    rounding of its products, which run in float32 (1.1e-5 at most over 597 dev-test faces,
    under 3e-5 on synthetic codes at support vectors; this asked 1e-9 in float64)."""
    face = noisy_mean_faces(model, 1, seed=2)
    z = model.transform(face)[0]
    direct = sum(alpha * np.exp(-model.gamma * np.sum((sv.astype(np.float64) - z) ** 2))
                 for alpha, sv in zip(model.dual_coef_, model.support_vectors_))
    assert model.decision_function(face)[0] == pytest.approx(direct + model.intercept_, abs=1e-4)


def test_runtime_never_imports_scikit_learn_scipy_or_scikit_image():
    code = (
        "import sys, facegender\n"
        "from facegender.service import FaceService\n"
        "FaceService.load()\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('sklearn', 'scipy', 'joblib', 'skimage'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(REPO_ROOT), check=True)
    assert result.stdout.strip() == ""
