"""Explanations over HTTP: occlusion maps in /v1/predict and from /v1/model/explain,
eigenfaces.bin and /v1/model/decide."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from facegender import service as service_module
from facegender.eigenfaces import EIGENFACES_SHOWN, read_eigenfaces_bin
from facegender.explain import REGIONS
from PIL import Image

from tests.support.http import assert_error
from .images import astronaut, encode

ASTRONAUT_JPEG = encode(astronaut(), "JPEG", quality=92)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def png(pixels: np.ndarray) -> str:
    return b64(encode(pixels, "PNG"))


@pytest.fixture(scope="module")
def explained(client) -> dict:
    response = client.post("/v1/predict?include_explanation=true", content=ASTRONAUT_JPEG,
                           headers={"content-type": "image/jpeg"})
    assert response.status_code == 200, response.text[:300]
    return response.json()


def test_a_raw_photo_with_the_query_option_gets_a_map_per_face(explained):
    [face] = explained["faces"]
    explanation = face["explanation"]
    assert set(explanation) == {"method", "map_png", "top_regions", "patch_effects"}
    assert "occlusion" in explanation["method"].lower()
    picture = Image.open(io.BytesIO(base64.b64decode(explanation["map_png"])))
    assert (picture.format, picture.mode, picture.size) == ("PNG", "RGBA", (100, 100))
    assert 1 <= len(explanation["top_regions"]) <= 3
    for region in explanation["top_regions"]:
        assert region["region"] in REGIONS and region["push"] in ("female", "male")
        assert 0 < region["weight"] <= 1
    assert np.asarray(explanation["patch_effects"]).shape == (10, 10)
    assert "explain" in explained["timings_ms"]


def test_an_explanation_implies_the_crops_and_the_eigenface_weights(explained):
    [face] = explained["faces"]
    assert face["crop_png"] and face["eigenface_png"]
    assert len(face["eigenface_weights"]) == EIGENFACES_SHOWN


def test_json_requests_ask_for_explanations_in_the_body(client):
    response = client.post("/v1/predict", json={"image": b64(ASTRONAUT_JPEG),
                                                "include_explanation": True})
    assert response.status_code == 200
    assert "explanation" in response.json()["faces"][0]
    assert_error(client.post("/v1/predict", json={"image": b64(ASTRONAUT_JPEG),
                                                  "include_explanation": "yes"}),
                 422, "validation_error")


def test_without_the_option_nothing_is_explained(client, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("explain_face ran for a request that did not ask for it")

    monkeypatch.setattr(service_module, "explain_face", never)
    reply = client.post("/v1/predict?include_crops=true", content=ASTRONAUT_JPEG,
                        headers={"content-type": "image/jpeg"}).json()
    assert "explanation" not in reply["faces"][0]
    assert "explain" not in reply["timings_ms"]


def test_only_the_largest_faces_are_explained(client, monkeypatch):
    two = np.concatenate([astronaut(), astronaut()[:, ::-1]], axis=1)
    monkeypatch.setattr(client.app.state.service, "settings",
                        client.app.state.service.settings.__class__(max_explained_faces=1))
    reply = client.post("/v1/predict?include_explanation=true", content=encode(two, "JPEG"),
                        headers={"content-type": "image/jpeg"}).json()
    assert len(reply["faces"]) == 2
    assert ["explanation" in face for face in reply["faces"]] == [True, False]


def test_eigenfaces_bin_is_served_with_its_format(client):
    response = client.get("/v1/model/eigenfaces.bin")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert "max-age" in response.headers["cache-control"]
    arrays = read_eigenfaces_bin(response.content)
    assert arrays["eigenfaces"].shape == (EIGENFACES_SHOWN, 100, 100)
    mean = np.asarray(Image.open(io.BytesIO(client.get("/v1/model/mean-face.png").content)))
    np.testing.assert_allclose(arrays["mean"] * 255, mean, atol=0.51)


def test_deciding_on_the_face_own_weights_repeats_its_prediction(client, explained):
    [face] = explained["faces"]
    response = client.post("/v1/model/decide", json={"crop_png": face["crop_png"],
                                                     "eigenface_weights": face["eigenface_weights"]})
    assert response.status_code == 200, response.text
    decided = response.json()
    assert decided["probabilities"] == pytest.approx(face["probabilities"], abs=2e-4)
    assert decided["gender"] == face["gender"]


def test_edited_weights_move_the_probability(client, explained):
    [face] = explained["faces"]
    weights = list(face["eigenface_weights"])
    answers = set()
    for first in (-3.0, 0.0, 3.0):
        weights[0] = first
        reply = client.post("/v1/model/decide", json={"crop_png": face["crop_png"],
                                                      "eigenface_weights": weights}).json()
        answers.add(reply["probabilities"]["female"])
    assert len(answers) == 3


def test_without_a_crop_the_face_is_the_mean_face(client):
    response = client.post("/v1/model/decide", json={"eigenface_weights": [0.0]})
    assert response.status_code == 200
    assert set(response.json()) == {"gender", "confidence", "probabilities", "model"}


GREY = np.full((100, 100), 128, np.uint8)


@pytest.mark.parametrize("body, status, code", [
    ({"eigenface_weights": []}, 422, "validation_error"),
    ({"eigenface_weights": [51]}, 422, "validation_error"),
    ({"eigenface_weights": ["1"]}, 422, "validation_error"),
    ({"eigenface_weights": [0.0] * 1001}, 422, "validation_error"),
    ({"eigenface_weights": [0.0], "extra": 1}, 422, "validation_error"),
    ({"crop_png": png(GREY)}, 422, "validation_error"),
    ({"eigenface_weights": [0.0], "crop_png": "%%%"}, 400, "invalid_base64"),
    ({"eigenface_weights": [0.0], "crop_png": png(np.zeros((100, 99), np.uint8))}, 422,
     "invalid_crop"),
    ({"eigenface_weights": [0.0], "crop_png": b64(ASTRONAUT_JPEG)}, 422, "invalid_crop"),
    ({"eigenface_weights": [0.0], "crop_png": b64(b"GIF89a" + bytes(40))}, 415,
     "unsupported_media_type"),
])
def test_decide_refuses_bad_input_with_a_code(client, body, status, code):
    assert_error(client.post("/v1/model/decide", json=body), status, code)


def test_decide_refuses_more_weights_than_eigenfaces(client):
    count = client.get("/v1/model").json()["channels"][0]["n_components"]
    assert_error(client.post("/v1/model/decide", json={"eigenface_weights": [0.0] * (count + 1)}),
                 422, "validation_error")


def test_decide_refuses_non_json_and_non_finite_numbers(client):
    assert_error(client.post("/v1/model/decide", content=b"\x89PNG",
                             headers={"content-type": "image/png"}), 415, "unsupported_media_type")
    assert_error(client.post("/v1/model/decide", content=b'{"eigenface_weights": [NaN]}',
                             headers={"content-type": "application/json"}), 422,
                 "validation_error")
    assert_error(client.post("/v1/model/decide", content=b"{", headers={
        "content-type": "application/json"}), 400, "invalid_json")
    assert_error(client.get("/v1/model/decide"), 405, "method_not_allowed")


def test_explaining_a_crop_repeats_the_map_predict_gave_that_face(client, explained):
    [face] = explained["faces"]
    response = client.post("/v1/model/explain", json={"crop_png": face["crop_png"]})
    assert response.status_code == 200, response.text[:300]
    reply = response.json()
    assert set(reply) == {"explanation", "gender", "confidence", "probabilities", "model"}
    assert reply["explanation"] == face["explanation"]
    assert reply["gender"] == face["gender"]
    assert reply["probabilities"] == pytest.approx(face["probabilities"], abs=1e-4)
    assert reply["confidence"] == pytest.approx(face["confidence"], abs=1e-4)
    assert reply["model"] == explained["model"]


NOISE = np.random.default_rng(12).integers(0, 256, (300, 300), dtype=np.uint8)


@pytest.mark.parametrize("body, status, code", [
    ({}, 422, "validation_error"),
    ({"crop_png": ""}, 422, "validation_error"),
    ({"crop_png": None}, 422, "validation_error"),
    ({"crop_png": "x" * 200_001}, 422, "validation_error"),
    ({"crop_png": png(GREY), "extra": 1}, 422, "validation_error"),
    ({"crop_png": "%%%"}, 400, "invalid_base64"),
    ({"crop_png": png(np.zeros((100, 99), np.uint8))}, 422, "invalid_crop"),
    ({"crop_png": png(NOISE)}, 422, "invalid_crop"),
    ({"crop_png": b64(ASTRONAUT_JPEG)}, 422, "invalid_crop"),
    ({"crop_png": b64(b"GIF89a" + bytes(40))}, 415, "unsupported_media_type"),
])
def test_explain_refuses_bad_crops_with_a_code(client, body, status, code):
    assert_error(client.post("/v1/model/explain", json=body), status, code)


def test_explain_refuses_non_json(client):
    assert_error(client.post("/v1/model/explain", content=png(GREY).encode(),
                             headers={"content-type": "image/png"}), 415, "unsupported_media_type")
    assert_error(client.post("/v1/model/explain", content=b"{", headers={
        "content-type": "application/json"}), 400, "invalid_json")
    assert_error(client.get("/v1/model/explain"), 405, "method_not_allowed")


def test_openapi_documents_the_explorer_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    decide = paths["/v1/model/decide"]["post"]
    schema = decide["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == {"eigenface_weights", "crop_png"}
    assert "FGEF" in json.dumps(paths["/v1/model/eigenfaces.bin"])
    explain = paths["/v1/model/explain"]["post"]
    schema = explain["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["crop_png"] and set(schema["properties"]) == {"crop_png"}
    assert {"200", "400", "413", "415", "422"} <= set(explain["responses"])
