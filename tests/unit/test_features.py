"""Feature channels: scikit-image's LBP codes exactly, OpenCV's HOG, shapes and invariants."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from facegender.faces import Preprocessing, find_faces
from facegender.features import (
    CHANNELS, Channel, HogParams, LbpParams, PixelParams, hog_features, hog_length, lbp_features,
    pixel_features, to_uint8,
)
from facegender.lbp import LBP_BLOCK, N_LBP_CODES, lbp_codes
from facegender.imaging import decode_image
from facegender.preprocessing import CropParams, mirror

from tests.support.paths import DATA, need

SERVED = Preprocessing(crop=CropParams(normalization="clahe", align_eyes=True))


@pytest.fixture(scope="module")
def real_crops(astronaut_rgb) -> np.ndarray:
    """Served crops of the astronaut and of 40 dataset photos of both datasets."""
    crops = [find_faces(cv2.cvtColor(astronaut_rgb, cv2.COLOR_RGB2GRAY), SERVED)[0].crop]
    for folder in ("faces/test/female", "faces/test/male", "utkface/test/female",
                   "utkface/test/male"):
        for path in sorted(need(DATA / folder).glob("*.jpg"))[:10]:
            found = find_faces(decode_image(path.read_bytes()).pixels, SERVED)
            crops += [found[0].crop] if found else []
    assert len(crops) > 30
    return np.stack(crops)


@pytest.mark.parametrize("radius", [1, 2])
def test_lbp_codes_are_scikit_images_nri_uniform_codes_on_real_crops(real_crops, radius):
    from skimage.feature import local_binary_pattern

    ours = lbp_codes(to_uint8(real_crops), radius)
    for crop, codes in zip(to_uint8(real_crops), ours):
        reference = local_binary_pattern(crop, 8, radius, "nri_uniform")
        assert np.array_equal(codes, reference)


def test_lbp_codes_of_flat_and_random_images_match_scikit_image():
    from skimage.feature import local_binary_pattern

    rng = np.random.default_rng(0)
    images = np.stack([np.full((30, 40), 9, np.uint8), rng.integers(0, 256, (30, 40), np.uint8),
                       rng.integers(0, 3, (30, 40)).astype(np.uint8)])
    for image, codes in zip(images, lbp_codes(images)):
        assert np.array_equal(codes, local_binary_pattern(image, 8, 1, "nri_uniform"))
    assert lbp_codes(images).max() < N_LBP_CODES


def test_lbp_histograms_have_one_unit_vector_per_cell(real_crops):
    params = LbpParams(grid=5, radius=1)
    features = lbp_features(real_crops[:3], params)
    assert features.shape == (3, 25 * N_LBP_CODES)
    cells = features.reshape(3, 25, N_LBP_CODES)
    assert np.allclose(np.linalg.norm(cells, axis=2), 1.0)


def test_hog_is_opencvs_descriptor_of_the_central_window(real_crops):
    params = HogParams(window=96, block=16, block_stride=8, cell=8, bins=9)
    features = hog_features(real_crops[:2], params)
    assert features.shape == (2, hog_length(params)) == (2, 4356)
    descriptor = cv2.HOGDescriptor((96, 96), (16, 16), (8, 8), (8, 8), 9)
    window = to_uint8(real_crops[:1])[0, 2:98, 2:98]
    assert np.allclose(features[0], descriptor.compute(np.ascontiguousarray(window)).ravel())


def test_crops_round_trip_to_their_grey_levels():
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert np.array_equal(to_uint8(levels.astype(np.float32) / np.float32(255))[()], levels)


def test_pixels_are_the_crop_row_by_row(real_crops):
    assert np.array_equal(pixel_features(real_crops[:2]), real_crops[:2].reshape(2, -1))


def test_every_channel_gives_one_row_per_face_and_sees_the_mirror_differently(real_crops):
    for name, (params_class, _) in CHANNELS.items():
        channel = Channel(name, params_class())
        features = channel.extract(real_crops[:4])
        assert features.shape[0] == 4 and np.isfinite(features).all(), name
        assert not np.allclose(features, channel.extract(mirror(real_crops[:4]))), name


def test_channel_records_round_trip_and_refuse_gaps():
    channel = Channel("hog", HogParams(cell=6))
    assert Channel.from_dict(channel.to_dict()) == channel
    record = channel.to_dict()
    del record["params"]["bins"]
    with pytest.raises(ValueError, match="missing \\['bins'\\]"):
        Channel.from_dict(record)
    with pytest.raises(ValueError, match="Unknown feature channel"):
        Channel.from_dict({"name": "sift", "params": {}})
    assert Channel.from_dict({"name": "pixels", "params": {}}).params == PixelParams()


def test_lbp_features_of_a_large_batch_are_those_of_each_face(real_crops):
    batch = real_crops[:LBP_BLOCK * 2 + 3]
    one_by_one = np.concatenate([lbp_features(face[None]) for face in batch])
    assert np.array_equal(lbp_features(batch), one_by_one)
