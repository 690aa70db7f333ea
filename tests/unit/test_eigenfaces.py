"""The eigenface explorer's model side: eigenfaces.bin, a face's weights, edited decisions."""

from __future__ import annotations

import numpy as np
import pytest
from facegender.eigenfaces import (EIGENFACES_SHOWN, eigenface_weights, eigenfaces_bin, mean_face,
                                   predict_edited, read_eigenfaces_bin, reconstruct)
from facegender.faces import find_faces
from facegender.imaging import decode_image
from facegender.model import CHANNEL_ARRAYS, SVM_ARRAYS, FaceModel
from facegender.preprocessing import FACE_SIZE
from facegender.settings import DEFAULT_MODEL_DIR


@pytest.fixture(scope="module")
def model() -> FaceModel:
    return FaceModel.load(DEFAULT_MODEL_DIR)


@pytest.fixture(scope="module")
def face(model, astronaut_jpeg) -> np.ndarray:
    return find_faces(decode_image(astronaut_jpeg).pixels, model.preprocessing)[0].crop


def pixels_only(model: FaceModel) -> FaceModel:
    """The model's pixels channel with the SVM's pixel coordinates alone: a smaller model of
    the same kind, in which an edited picture is all the model sees."""
    pixels = model.eigenfaces
    arrays = {f"pixels.{name}": getattr(pixels, name) for name in CHANNEL_ARRAYS}
    arrays.update({name: getattr(model, name) for name in SVM_ARRAYS})
    arrays["support_vectors_"] = model.support_vectors_[:, :pixels.n_components]
    arrays["intercept_"] = np.array([model.intercept_])
    card = {**model.card, "channels": model.card["channels"][:1]}
    return FaceModel(arrays, card)


def test_reconstructions_are_face_sized(model):
    faces = np.clip(mean_face(model) + np.random.default_rng(0).normal(0, 0.05, (5, FACE_SIZE,
                                                                                FACE_SIZE)), 0, 1)
    assert reconstruct(model, faces).shape == (5, FACE_SIZE, FACE_SIZE)


def test_reconstruction_of_the_mean_face_is_the_mean_face(model):
    mean = mean_face(model)[None]
    assert np.abs(reconstruct(model, mean) - mean).max() < 1e-9


def test_eigenfaces_bin_holds_the_mean_face_and_first_eigenfaces(model):
    data = eigenfaces_bin(model)
    assert data[:4] == b"FGEF"
    count = min(EIGENFACES_SHOWN, model.n_components)
    assert len(data) == 12 + 4 * (count + (1 + count) * FACE_SIZE ** 2)
    arrays = read_eigenfaces_bin(data)
    pixels = model.eigenfaces
    np.testing.assert_allclose(arrays["scale"], np.sqrt(pixels.explained_variance_[:count]),
                               rtol=1e-6)
    np.testing.assert_allclose(arrays["mean"].ravel(), pixels.mean_, atol=1e-7)
    np.testing.assert_allclose(arrays["eigenfaces"].reshape(count, -1),
                               pixels.components_[:count], atol=1e-7)


def test_moving_a_weight_adds_its_scaled_eigenface_as_documented(model, face):
    arrays = read_eigenfaces_bin(eigenfaces_bin(model))
    before = eigenface_weights(model, face[None])[0]
    moved = face + (1.5 - before[2]) * arrays["scale"][2] * arrays["eigenfaces"][2]
    after = eigenface_weights(model, moved[None])[0]
    expected = before.copy()
    expected[2] = 1.5
    np.testing.assert_allclose(after, expected, atol=1e-4)


def test_the_face_own_weights_decide_as_predict_does(model, face):
    weights = eigenface_weights(model, face[None], EIGENFACES_SHOWN)[0]
    edited = predict_edited(model, face, weights)
    np.testing.assert_allclose(edited.probabilities, model.predict(face[None]).probabilities,
                               atol=1e-9)


def test_an_edit_is_the_edited_picture_and_its_mirror_to_the_pixels_channel(model, face):
    small = pixels_only(model)
    arrays = read_eigenfaces_bin(eigenfaces_bin(small))
    weights = eigenface_weights(small, face[None], 4)[0]
    new = weights + np.array([2.0, -1.0, 0.5, 3.0])
    picture = face + np.einsum("i,i,ihw->hw", new - weights, arrays["scale"][:4],
                               arrays["eigenfaces"][:4])
    expected = small.predict(picture[None])
    edited = predict_edited(small, face, new)
    np.testing.assert_allclose(edited.decision, expected.decision, atol=1e-5)
    np.testing.assert_allclose(edited.probabilities, expected.probabilities, atol=1e-5)
    # (Decisions, not probabilities: this cut-down model can be sure either way.)
    assert abs(expected.decision[0] - small.predict(face[None]).decision[0]) > 1e-2
