"""One image in, the API reply out: the service on real photos."""

from __future__ import annotations

import base64
import io
import threading
import time

import numpy as np
import pytest
import facegender.service
from facegender.errors import FaceGenderError
from facegender.service import FaceService
from PIL import Image

from tests.support.images import encode, jpeg_with_orientation


@pytest.fixture(scope="module")
def service() -> FaceService:
    return FaceService.load()


def test_astronaut_reply_has_the_documented_shape(service, astronaut_jpeg):
    reply = service.classify(astronaut_jpeg)
    assert set(reply) == {"faces", "image", "model", "timings_ms"}
    assert reply["image"] == {"width": 512, "height": 512, "format": "jpeg",
                              "orientation_applied": False}
    assert set(reply["timings_ms"]) == {"decode", "detect", "classify", "total"}
    [face] = reply["faces"]
    assert set(face) == {"box", "box_relative", "gender", "confidence", "probabilities"}
    assert face["gender"] in ("female", "male")  # accuracy is measured on datasets, not here
    assert face["confidence"] == max(face["probabilities"].values())
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    box = face["box"]
    assert box["width"] > 50
    assert face["box_relative"]["left"] == pytest.approx(box["x"] / 512, abs=1e-3)


def test_crops_are_100px_pngs_when_asked(service, astronaut_jpeg):
    [face] = service.classify(astronaut_jpeg, include_crops=True)["faces"]
    for key in ("crop_png", "eigenface_png"):
        image = Image.open(io.BytesIO(base64.b64decode(face[key])))
        assert image.size == (100, 100) and image.mode == "L"


def test_exif_rotated_photo_gives_upright_boxes(service, astronaut_rgb):
    sideways = np.rot90(astronaut_rgb, k=1).copy()
    upright = service.classify(encode(astronaut_rgb, "JPEG", quality=95))
    rotated = service.classify(jpeg_with_orientation(sideways, 6))
    assert rotated["image"]["orientation_applied"] is True
    assert len(rotated["faces"]) == 1
    a, b = upright["faces"][0]["box"], rotated["faces"][0]["box"]
    assert all(abs(a[k] - b[k]) <= 4 for k in a)


def test_large_photo_boxes_are_in_full_resolution(service, astronaut_rgb):
    import cv2

    big = cv2.resize(astronaut_rgb, (4000, 4000), interpolation=cv2.INTER_CUBIC)
    reply = service.classify(encode(big, "JPEG", quality=85))
    assert reply["image"]["width"] == 4000
    box = reply["faces"][0]["box"]
    assert 1200 < box["x"] < 1500 and 450 < box["y"] < 650 and box["width"] > 600


def test_max_faces_limits_the_reply(service, samples_dir):
    data = (samples_dir / "group" / "voc_2008_004176.jpg").read_bytes()
    assert len(service.classify(data)["faces"]) >= 5
    assert len(service.classify(data, max_faces=2)["faces"]) == 2


# The frontal cascade fires on these textures (dog fur, coin reliefs): SOURCES.md lists them as
# known false positives. A verification step with the eye cascade removed them but also 14% of
# real faces on the test splits, so they stay, bounded here so that no change makes them worse.
KNOWN_FALSE_POSITIVES = {"nonface/dogs.jpg": 2, "nonface/coins.jpg": 1}


def test_no_face_photos_reply_with_no_faces(service, samples_dir, sample_manifest):
    rows = [r for r in sample_manifest if r["category"] == "nonface"]
    assert len(rows) >= 6
    for row in rows:
        faces = service.classify((samples_dir / row["file"]).read_bytes())["faces"]
        assert len(faces) <= KNOWN_FALSE_POSITIVES.get(row["file"], 0), row["file"]


def test_bad_input_raises_one_of_our_errors(service):
    with pytest.raises(FaceGenderError) as caught:
        service.classify(b"definitely not an image")
    assert caught.value.code == "not_an_image"


@pytest.mark.parametrize("max_faces", [0, -1, 101])
def test_out_of_range_max_faces_is_a_validation_error(service, astronaut_jpeg, max_faces):
    with pytest.raises(FaceGenderError) as caught:
        service.classify(astronaut_jpeg, max_faces=max_faces)
    assert (caught.value.code, caught.value.status) == ("validation_error", 422)


@pytest.mark.parametrize("slots", [1, 2])
def test_edited_faces_run_at_most_max_concurrent_at_once(monkeypatch, slots):
    """The service's semaphore is the limit on concurrency, for calls that borrow no cascades."""
    from facegender.settings import Settings

    service = FaceService.load(Settings(max_concurrent=slots))
    real = facegender.service.predict_edited
    lock, running, most = threading.Lock(), [0], [0]

    def slow(model, face, weights):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        return real(model, face, weights)

    monkeypatch.setattr(facegender.service, "predict_edited", slow)
    threads = [threading.Thread(target=service.classify_edited, args=(None, [0.5]))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == slots
