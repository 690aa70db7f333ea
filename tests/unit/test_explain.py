"""Occlusion maps: the facial regions, the occluded copies, the map and its faithfulness."""

from __future__ import annotations

import io

import numpy as np
import pytest
from facegender.explain import (
    MAP_COLOURS, REGIONS, explain_face, hide_patches, map_png, occluded_copies, region_map,
    top_regions,
)
from facegender.eigenfaces import mean_face
from facegender.faces import find_faces
from facegender.imaging import decode_image
from facegender.model import FaceModel
from facegender.preprocessing import FACE_SIZE, CropParams
from facegender.settings import DEFAULT_MODEL_DIR
from PIL import Image

from tests.support.paths import DATA, need
from tests.support.images import first_face_crops

#: Real faces from the development set's test split (people the model never saw).
FAITHFUL_FACES = 16


@pytest.fixture(scope="module")
def model() -> FaceModel:
    return FaceModel.load(DEFAULT_MODEL_DIR)


@pytest.fixture(scope="module")
def astronaut_crop(model, astronaut_jpeg) -> np.ndarray:
    [face] = find_faces(decode_image(astronaut_jpeg).pixels, model.preprocessing)
    return face.crop


def test_regions_run_from_forehead_to_jaw_down_the_centre_line():
    regions = region_map(CropParams(align_eyes=True))
    down_the_middle = [REGIONS[i] for i in dict.fromkeys(regions[:, FACE_SIZE // 2])]
    assert down_the_middle == ["hair/edges", "forehead", "eyes", "nose", "mouth", "jaw"]
    assert {REGIONS[i] for i in regions[:, 0]} == {"hair/edges"}  # the sides


def test_the_eye_band_follows_the_eye_line_of_the_crop():
    crop = CropParams(align_eyes=True)
    eye_line = round(FACE_SIZE * crop.eye_height)
    assert REGIONS[region_map(crop)[eye_line, FACE_SIZE // 2]] == "eyes"
    lower = CropParams(align_eyes=True, eye_height=crop.eye_height + 0.2)
    assert REGIONS[region_map(lower)[eye_line, FACE_SIZE // 2]] == "forehead"
    assert REGIONS[region_map(lower)[eye_line + 20, FACE_SIZE // 2]] == "eyes"


def test_each_copy_hides_exactly_one_patch_in_reading_order():
    face = np.zeros((FACE_SIZE, FACE_SIZE))
    copies = occluded_copies(face, np.ones_like(face), patch=10)
    assert copies.shape == (100, FACE_SIZE, FACE_SIZE)
    assert (copies.sum(axis=(1, 2)) == 100).all()
    assert copies[12, 10:20, 20:30].all()  # row 1, column 2


def test_the_map_is_the_served_probability_change_of_each_copy(model, astronaut_crop):
    explained = explain_face(model, astronaut_crop, patch=20)
    grey = occluded_copies(astronaut_crop, mean_face(model), patch=20)
    # Each copy alone through the served model (mirror average and calibration included).
    alone = [model.predict(copy[None]).probabilities[0, 1] for copy in grey]
    whole = model.predict(astronaut_crop[None]).probabilities[0, 1]
    # The kernel's products run in float32, summed in another order in a batch than for one
    # face: about 1e-6 apart (this asked 1e-9 while they ran in float64).
    np.testing.assert_allclose(explained.effects.ravel(), whole - np.array(alone), atol=1e-5)
    for channel in model.channels:
        assert channel.channel.name in explained.method


def test_regions_sum_each_push_and_share_the_whole_map(model):
    effects = np.zeros((10, 10))
    effects[3, 4] = 0.3   # an eye patch pushing toward classes[1]
    effects[3, 5] = -0.1  # another eye patch pushing the other way: listed, not cancelled
    effects[7, 5] = -0.2  # the mouth toward classes[0]
    regions = top_regions(effects, 10, model)
    assert regions == [
        {"region": "eyes", "push": model.classes[1], "weight": 0.5},
        {"region": "mouth", "push": model.classes[0], "weight": pytest.approx(0.333, abs=1e-3)},
        {"region": "eyes", "push": model.classes[0], "weight": pytest.approx(0.167, abs=1e-3)},
    ]
    assert top_regions(np.zeros((10, 10)), 10, model) == []


def test_map_png_colours_each_patch_by_its_push_and_size(model):
    effects = np.zeros((10, 10))
    effects[0, 0], effects[9, 9], effects[5, 5] = 0.4, -0.2, 0.0
    image = np.asarray(Image.open(io.BytesIO(map_png(effects, model.classes))))
    assert image.shape == (FACE_SIZE, FACE_SIZE, 4)
    rgb = lambda bgr: tuple(reversed(bgr))  # noqa: E731
    assert tuple(image[5, 5, :3]) == rgb(MAP_COLOURS[model.classes[1]])
    assert image[5, 5, 3] == 255 and image[9, 9, 3] == 255  # the whole patch, opaque
    assert tuple(image[95, 95, :3]) == rgb(MAP_COLOURS[model.classes[0]])
    assert image[95, 95, 3] == 128  # half the largest effect: half opaque
    assert image[55, 55, 3] == 0  # no effect: no colour


def dev_test_faces(model: FaceModel, count: int) -> list[np.ndarray]:
    """Crops of up to ``count`` development test photos, half of each label, in a fixed order."""
    return first_face_crops(need(DATA / "faces" / "test"), model.preprocessing, count, stride=97)


def occlusion_change(model, face, patches, patch=10) -> float:
    """How far the probability moves when all of ``patches`` are hidden at once."""
    hidden = hide_patches(face, mean_face(model), patches, patch)
    p = model.predict(np.stack([face, hidden])).probabilities[:, 1]
    return abs(p[0] - p[1])


def test_hiding_the_top_patches_moves_the_probability_more_than_random_ones(model):
    rng = np.random.default_rng(12)
    top, random = [], []
    for face in dev_test_faces(model, FAITHFUL_FACES):
        effects = explain_face(model, face).effects.ravel()
        top.append(occlusion_change(model, face, np.argsort(-np.abs(effects))[:5]))
        random.append(np.mean([occlusion_change(model, face, rng.choice(100, 5, replace=False))
                               for _ in range(3)]))
    assert len(top) >= FAITHFUL_FACES * 3 // 4, "too few dev-test faces were found"
    assert np.mean(top) > 1.5 * np.mean(random), (np.mean(top), np.mean(random))
