"""Eye search and eye-aligned crops: the eyes land where the model expects them."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from facegender.detection import Box
from facegender.eyes import find_eyes
from facegender.faces import Preprocessing, find_faces
from facegender.preprocessing import FACE_SIZE, CropParams, crop_face

ASTRONAUT_BOX = Box(177, 67, 93, 93)


@pytest.fixture(scope="module")
def astronaut_gray(astronaut_rgb):
    return cv2.cvtColor(astronaut_rgb, cv2.COLOR_RGB2GRAY)


def rotated(gray: np.ndarray, degrees: float) -> np.ndarray:
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def two_dots(size: int, left, right) -> np.ndarray:
    image = np.full((size, size), 128, np.uint8)
    for x, y in (left, right):
        cv2.circle(image, (round(x), round(y)), max(2, size // 60), 0, -1, cv2.LINE_AA)
    return image


def darkest_points(face: np.ndarray) -> list[tuple[float, float]]:
    """Centres of the dark blob in the left and in the right half of a crop."""
    points = []
    for half in (slice(0, FACE_SIZE // 2), slice(FACE_SIZE // 2, FACE_SIZE)):
        part = np.zeros_like(face)
        part[:, half] = face[:, half] < 0.3
        ys, xs = np.nonzero(part)
        points.append((xs.mean(), ys.mean()))
    return points


def test_finds_the_astronauts_eyes_level_and_inside_the_face(astronaut_gray):
    eyes = find_eyes(astronaut_gray, ASTRONAUT_BOX)
    assert eyes is not None
    (lx, ly), (rx, ry) = eyes
    x, y, w, h = ASTRONAUT_BOX
    assert x < lx < x + w / 2 < rx < x + w
    assert y + 0.2 * h < ly < y + 0.5 * h and y + 0.2 * h < ry < y + 0.5 * h
    assert abs(ry - ly) < 0.1 * (rx - lx)


def test_no_eyes_in_a_blank_box():
    assert find_eyes(np.full((200, 200), 90, np.uint8), Box(50, 50, 100, 100)) is None


@pytest.mark.parametrize("size", [60, 1200])  # an enlarged crop and a shrunk one
def test_aligned_crop_puts_the_eyes_on_the_target_points(size):
    # Eyes tilted by about 9 degrees, a little off the box's typical position.
    left, right = (0.30 * size, 0.40 * size), (0.70 * size, 0.34 * size)
    image = two_dots(size, left, right)
    box = Box(0, 0, size, size)
    params = CropParams()
    face = crop_face(image, box, params, eyes=(left, right))
    (flx, fly), (frx, fry) = darkest_points(face)
    tolerance = 1.5  # pixels of the 100x100 crop
    assert abs(fly - params.eye_height * FACE_SIZE) < tolerance
    assert abs(fry - params.eye_height * FACE_SIZE) < tolerance
    assert abs((flx + frx) / 2 - FACE_SIZE / 2) < tolerance
    assert abs(math.hypot(frx - flx, fry - fly) - params.eye_span * FACE_SIZE) < tolerance


def test_a_margin_frames_the_aligned_crop_like_the_box_crop():
    left, right = (30.0, 36.4), (69.7, 36.4)  # the typical position in a 100 px box
    image = two_dots(100, left, right)
    params = CropParams(margin=0.2)
    aligned = crop_face(image, Box(0, 0, 100, 100), params, eyes=(left, right))
    boxed = crop_face(image, Box(0, 0, 100, 100), params)
    for (ax, ay), (bx, by) in zip(darkest_points(aligned), darkest_points(boxed)):
        assert abs(ax - bx) < 1.5 and abs(ay - by) < 1.5


def test_alignment_undoes_head_tilt(astronaut_gray):
    """The aligned crops of a tilted photo and of the upright one look alike; box crops do not."""
    params = CropParams(normalization="clahe", align_eyes=True)

    def crops(gray):
        [face] = find_faces(gray, Preprocessing(crop=params))
        assert face.eyes is not None
        return face.crop, crop_face(gray, face.box, params)

    upright_aligned, upright_box = crops(astronaut_gray)
    for degrees in (-6, 6, 12):
        tilted_aligned, tilted_box = crops(rotated(astronaut_gray, degrees))
        aligned_error = np.abs(tilted_aligned - upright_aligned).mean()
        box_error = np.abs(tilted_box - upright_box).mean()
        assert aligned_error < 0.6 * box_error, (degrees, aligned_error, box_error)


def test_eyes_are_only_searched_when_the_model_aligns(astronaut_gray):
    [plain] = find_faces(astronaut_gray, Preprocessing(crop=CropParams()))
    [aligned] = find_faces(astronaut_gray, Preprocessing(crop=CropParams(align_eyes=True)))
    assert plain.eyes is None and aligned.eyes is not None
