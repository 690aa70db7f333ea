"""Face preprocessing: one function, the same numbers for training and serving."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from facegender.detection import Box
from facegender.imaging import decode_image
from facegender.preprocessing import FACE_SIZE, CropParams, crop_face, mirror, to_png_gray

from tests.support.images import encode


def test_crop_is_100x100_float_in_unit_range(astronaut_rgb):
    gray = cv2.cvtColor(astronaut_rgb, cv2.COLOR_RGB2GRAY)
    for params in (CropParams(), CropParams(0.1, "equalize"), CropParams(0.0, "clahe")):
        face = crop_face(gray, Box(177, 67, 93, 93), params)
        assert face.shape == (FACE_SIZE, FACE_SIZE)
        assert face.dtype == np.float32
        assert 0.0 <= face.min() and face.max() <= 1.0


def test_plain_crop_is_the_resized_box_over_255():
    gray = np.arange(200 * 200, dtype=np.uint32).reshape(200, 200).astype(np.uint8)
    face = crop_face(gray, Box(50, 50, 100, 100), CropParams())
    assert np.array_equal(face, gray[50:150, 50:150].astype(np.float32) / 255)


def test_margin_outside_the_image_repeats_edge_pixels():
    gray = np.full((50, 50), 200, np.uint8)
    face = crop_face(gray, Box(0, 0, 50, 50), CropParams(margin=0.2))
    assert face.shape == (FACE_SIZE, FACE_SIZE)
    assert np.allclose(face, 200 / 255)


def test_box_outside_the_image_is_an_error():
    with pytest.raises(ValueError):
        crop_face(np.zeros((10, 10), np.uint8), Box(20, 20, 5, 5))


def test_unknown_normalization_names_the_valid_ones():
    with pytest.raises(ValueError, match="none, equalize, clahe"):
        CropParams(normalization="zscore")


def test_mirror_flips_left_right():
    face = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert np.array_equal(mirror(face), [[2, 1, 0], [5, 4, 3]])
    assert np.array_equal(mirror(mirror(face)), face)


def test_png_of_a_crop_round_trips(astronaut_rgb):
    gray = cv2.cvtColor(astronaut_rgb, cv2.COLOR_RGB2GRAY)
    face = crop_face(gray, Box(177, 67, 93, 93))
    back = decode_image(to_png_gray(face)).pixels
    assert np.abs(back / 255.0 - face).max() <= 0.5 / 255 + 1e-6


def test_training_and_serving_preprocess_identically(astronaut_rgb, tmp_path):
    """Training's crops module and the service take the same path from file to model input."""
    from facegender.faces import Preprocessing, find_faces

    from joblib import Memory

    from training.crops import dataset_faces

    path = tmp_path / "astronaut.jpg"
    path.write_bytes(encode(astronaut_rgb, "JPEG", quality=90))
    preprocessing = Preprocessing(crop=CropParams(0.0, "clahe", align_eyes=True))
    [train_face] = dataset_faces(np.array([str(path)]), preprocessing,
                                 memory=Memory(tmp_path / "cache", verbose=0), n_jobs=1)

    gray = decode_image(path.read_bytes(),
                        max_side=2 * preprocessing.detector.max_side).pixels
    [served] = find_faces(gray, preprocessing)
    assert served.eyes is not None
    assert np.array_equal(train_face, served.crop)
