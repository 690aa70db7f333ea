"""The HTTP API in-process: every endpoint, every way to send a photo, every way to get it wrong.

Model-dependent figures (confidences, exact boxes) are never pinned: the astronaut portrait must
give one face in the right place, within a tolerance, whatever model is bundled.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import textwrap
import warnings
from dataclasses import replace

import numpy as np
import pytest
from facegender.api import create_app
from facegender.telemetry import Telemetry
from PIL import Image

from tests.support.http import assert_error
from tests.support.lambda_events import make_event
from tests.support.paths import SAMPLES, need

from .images import (
    astronaut,
    encode,
    iou,
    jpeg_with_orientation,
    malformed_exif,
    no_face_images,
    png_16_bit_gray,
    png_header_only,
    portrait,
    rgba_with_transparent_border,
    stored_for_orientation,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ASTRONAUT_JPEG = encode(astronaut(), "JPEG", quality=92)
ASTRONAUT_PNG = encode(astronaut(), "PNG")
ASTRONAUT_B64 = base64.b64encode(ASTRONAUT_JPEG).decode()
GROUP_PHOTO = SAMPLES / "group" / "voc_2008_004176.jpg"  # 7 annotated faces


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def as_json(document) -> dict:
    return {"content": json.dumps(document).encode(),
            "headers": {"content-type": "application/json"}}


def json_text(body: bytes) -> dict:
    """A body sent as application/json exactly as given (for JSON that json.dumps cannot make)."""
    return {"content": body, "headers": {"content-type": "application/json"}}


def raw(data: bytes, content_type: str | None = "image/jpeg", **extra) -> dict:
    headers = {"content-type": content_type} if content_type else {}
    return {"content": data, "headers": headers, **extra}


def predict(client, **request):
    return client.post("/v1/predict", **request)


def assert_astronaut_face(reply: dict, *, width: int = 512, height: int = 512, dy: int = 0) -> dict:
    """One face, on Eileen Collins' face (about x 175-275, y 60-170 in the 512x512 original)."""
    assert len(reply["faces"]) == 1, reply["faces"]
    face = reply["faces"][0]
    box = face["box"]
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert 190 <= cx <= 265, box
    assert 75 + dy <= cy <= 160 + dy, box
    assert 60 <= box["width"] <= 170 and 60 <= box["height"] <= 170, box
    assert 0 <= box["x"] and box["x"] + box["width"] <= width
    assert 0 <= box["y"] and box["y"] + box["height"] <= height
    assert (reply["image"]["width"], reply["image"]["height"]) == (width, height)
    return face


@pytest.fixture(scope="module")
def reference(client) -> dict:
    """The reply for the plain astronaut JPEG sent as JSON: what every variant is compared to."""
    response = predict(client, json={"image": ASTRONAUT_B64})
    assert response.status_code == 200, response.text
    return response.json()


# --- health, model card, pictures, docs -------------------------------------------------------

def test_health_says_the_model_is_loaded_and_names_its_version(client, app):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model_loaded": True,
                               "model_version": app.state.service.model.version}


def test_model_card_states_version_labels_intended_use_and_limits(client, app):
    response = client.get("/v1/model")
    assert response.status_code == 200
    card = response.json()
    assert card["version"] == app.state.service.model.version
    assert card["classes"] == ["female", "male"]
    assert "identity" in card["label_meaning"]
    assert card["intended_use"] and card["limitations"]
    assert "metrics" in card


def test_mean_face_is_a_100x100_grayscale_png_that_caches(client, app):
    response = client.get("/v1/model/mean-face.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert app.state.service.model.version in response.headers["etag"]
    assert "max-age" in response.headers["cache-control"]
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size, image.mode) == ("PNG", (100, 100), "L")
    assert np.asarray(image).std() > 5  # a face, not a blank square


def test_first_and_last_eigenfaces_are_distinct_pngs(client, app):
    last = app.state.service.model.n_components - 1
    first = client.get("/v1/model/eigenfaces/0.png")
    final = client.get(f"/v1/model/eigenfaces/{last}.png")
    for response in (first, final):
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (100, 100)
    assert first.content != final.content


@pytest.mark.parametrize("name", ["N.png", "-1.png", "1e3.png", "0.jpg", "0", "abc", "%20.png"])
def test_eigenface_with_a_bad_index_is_a_json_404(client, app, name):
    n = app.state.service.model.n_components
    path = f"/v1/model/eigenfaces/{name.replace('N', str(n))}"
    error = assert_error(client.get(path), 404, "not_found")
    assert f"{n - 1}.png" in error["message"]


def test_openapi_documents_every_endpoint_and_the_error_envelope(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    paths = spec["paths"]
    assert {"/v1/predict", "/v1/model", "/v1/model/mean-face.png",
            "/v1/model/eigenfaces/{name}", "/health"} <= set(paths)
    assert not any(p.startswith("/v1/{") for p in paths), "the catch-all must stay undocumented"
    operation = paths["/v1/predict"]["post"]
    assert {"application/json", "image/jpeg", "image/png"} <= set(
        operation["requestBody"]["content"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["image"] and body["additionalProperties"] is False
    for status in ("200", "400", "413", "415", "422"):
        assert status in operation["responses"], status
    error_ref = operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert error_ref.endswith("/ErrorResponse")


def test_formats_lists_the_packages_table_and_the_schema_and_cli_read_it(client):
    from facegender import collection  # the CLI walks folders there
    from facegender.formats import FORMATS

    reply = client.get("/v1/formats")
    assert reply.status_code == 200
    formats = reply.json()["formats"]
    assert [f["name"] for f in formats] == ["jpeg", "png", "webp", "bmp"]
    # Pillow's own name for a format is the decoder's business, not the API's.
    assert formats == [{"name": f.name, "label": f.label, "media_types": list(f.media_types),
                        "suffixes": list(f.suffixes)} for f in FORMATS]
    spec = client.get("/openapi.json").json()
    image_info = spec["components"]["schemas"]["ImageInfo"]["properties"]["format"]
    assert image_info["enum"] == [f["name"] for f in formats]
    content = spec["paths"]["/v1/predict"]["post"]["requestBody"]["content"]
    assert {f["media_types"][0] for f in formats} <= set(content)
    assert collection.IMAGE_SUFFIXES == {s for f in formats for s in f["suffixes"]}


def test_the_predict_reply_is_checked_against_its_model():
    """A reply that breaks PredictResponse is the server's error, never sent as it is."""
    from fastapi.exceptions import ResponseValidationError
    from fastapi.testclient import TestClient

    from facegender.api.deps import get_service

    class WrongService:
        def classify(self, image, **options):
            return {"faces": [], "image": {"width": 1, "height": 1, "format": "gif",
                                           "orientation_applied": False},
                    "model": {"version": "x"},
                    "timings_ms": {"decode": 0, "detect": 0, "classify": 0, "total": 0}}

    app = create_app()
    app.dependency_overrides[get_service] = WrongService
    with TestClient(app) as wrong, pytest.raises(ResponseValidationError):
        wrong.post("/v1/predict", content=b"\xff\xd8\xff", headers={"content-type": "image/jpeg"})


def test_docs_page_is_served_and_points_at_the_spec(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger" in response.text.lower() and "/openapi.json" in response.text


# --- predict: the happy paths -----------------------------------------------------------------

def test_predict_finds_the_astronaut_and_fills_every_field(reference, app):
    face = assert_astronaut_face(reference)
    assert face["gender"] in ("female", "male")
    assert set(face["probabilities"]) == {"female", "male"}
    assert face["confidence"] == face["probabilities"][face["gender"]]
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert face["box_relative"]["left"] == pytest.approx(face["box"]["x"] / 512, abs=1e-3)
    assert face["box_relative"]["width"] == pytest.approx(face["box"]["width"] / 512, abs=1e-3)
    assert "crop_png" not in face and "eigenface_png" not in face
    assert reference["image"] == {"width": 512, "height": 512, "format": "jpeg",
                                  "orientation_applied": False}
    assert reference["model"] == {"version": app.state.service.model.version}
    timings = reference["timings_ms"]
    assert set(timings) == {"decode", "detect", "classify", "total"}
    assert all(v >= 0 for v in timings.values())
    assert timings["total"] >= timings["detect"]


def _wrapped(text: str) -> str:
    return "\n" + "\r\n".join(textwrap.wrap(text, 76)) + "\n"


VALID_VARIANTS = {
    "data-url": lambda: as_json({"image": "data:image/jpeg;base64," + ASTRONAUT_B64}),
    "base64-wrapped-in-newlines": lambda: as_json({"image": _wrapped(ASTRONAUT_B64)}),
    "url-safe-base64-without-padding": lambda: as_json(
        {"image": base64.urlsafe_b64encode(ASTRONAUT_JPEG).decode().rstrip("=")}),
    "json-with-charset": lambda: {"content": json.dumps({"image": ASTRONAUT_B64}).encode(),
                                  "headers": {"content-type": "application/json; charset=utf-8"}},
    "json-without-content-type": lambda: {"content": json.dumps({"image": ASTRONAUT_B64})},
    "json-with-all-options": lambda: as_json(
        {"image": ASTRONAUT_B64, "include_crops": False, "max_faces": 5}),
    "raw-jpeg-body": lambda: raw(ASTRONAUT_JPEG, "image/jpeg"),
    "raw-octet-stream-body": lambda: raw(ASTRONAUT_JPEG, "application/octet-stream"),
    "raw-body-without-content-type": lambda: raw(ASTRONAUT_JPEG, None),
    "raw-png-with-query-options": lambda: raw(ASTRONAUT_PNG, "image/png",
                                              params={"max_faces": 3, "include_crops": "false"}),
    "grayscale-jpeg": lambda: raw(encode(np.ascontiguousarray(astronaut().mean(2).astype(np.uint8)),
                                         "JPEG", quality=92)),
    "rgba-png": lambda: raw(encode(rgba_with_transparent_border(astronaut()), "PNG"), "image/png"),
    "16-bit-png": lambda: as_json({"image": b64(png_16_bit_gray(astronaut()))}),
    "palette-png": lambda: raw(_palette_png(), "image/png"),
    "webp": lambda: raw(encode(astronaut(), "WEBP", quality=90), "image/webp"),
    "bmp": lambda: raw(encode(astronaut(), "BMP"), "image/bmp"),
    "progressive-jpeg": lambda: raw(encode(astronaut(), "JPEG", quality=90, progressive=True)),
}
FORMATS = {"rgba-png": "png", "16-bit-png": "png", "palette-png": "png",
           "raw-png-with-query-options": "png", "webp": "webp", "bmp": "bmp"}


def _palette_png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(astronaut()).convert("P").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("variant", list(VALID_VARIANTS))
def test_predict_accepts_each_way_of_sending_a_photo(client, reference, variant):
    response = predict(client, **VALID_VARIANTS[variant]())
    assert response.status_code == 200, response.text[:500]
    reply = response.json()
    face = assert_astronaut_face(reply)
    assert iou(face["box"], reference["faces"][0]["box"]) >= 0.7
    assert reply["image"]["format"] == FORMATS.get(variant, "jpeg")
    assert reply["image"]["orientation_applied"] is False


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_predict_reports_boxes_in_the_upright_exif_rotated_photo(client, orientation):
    upright = predict(client, **raw(encode(portrait(), "JPEG", quality=95))).json()
    upright_face = assert_astronaut_face(upright, width=512, height=640, dy=64)
    stored = stored_for_orientation(portrait(), orientation)
    response = predict(client, **raw(jpeg_with_orientation(stored, orientation)))
    assert response.status_code == 200
    reply = response.json()
    assert reply["image"]["orientation_applied"] is True
    face = assert_astronaut_face(reply, width=512, height=640, dy=64)
    assert iou(face["box"], upright_face["box"]) >= 0.7


def test_predict_turns_a_photo_whose_exif_block_is_malformed(client):
    """The orientation reads fine; the rest of the block is damaged. A 200, turned."""
    stored = stored_for_orientation(portrait(), 6)
    response = predict(client, **raw(encode(stored, "JPEG", quality=95, exif=malformed_exif(6))))
    assert response.status_code == 200, response.text[:500]
    reply = response.json()
    assert reply["image"]["orientation_applied"] is True
    assert_astronaut_face(reply, width=512, height=640, dy=64)


def test_sideways_photo_without_exif_keeps_its_stored_frame(client):
    """The control for the EXIF test: without the tag the frame stays landscape."""
    sideways = stored_for_orientation(portrait(), 6)
    reply = predict(client, **raw(encode(sideways, "JPEG", quality=95))).json()
    assert (reply["image"]["width"], reply["image"]["height"]) == (640, 512)
    assert reply["image"]["orientation_applied"] is False


@pytest.mark.parametrize("name", list(no_face_images()))
def test_predict_answers_200_with_no_faces_for_pictures_without_people(client, name):
    response = predict(client, **as_json({"image": b64(no_face_images()[name])}))
    assert response.status_code == 200
    reply = response.json()
    assert reply["faces"] == []
    assert reply["image"]["width"] > 0 and reply["model"]["version"]


def test_include_crops_returns_100x100_pngs_of_the_face_and_its_reconstruction(client):
    reply = predict(client, json={"image": ASTRONAUT_B64, "include_crops": True}).json()
    face = assert_astronaut_face(reply)
    pictures = []
    for key in ("crop_png", "eigenface_png"):
        image = Image.open(io.BytesIO(base64.b64decode(face[key], validate=True)))
        assert (image.format, image.size, image.mode) == ("PNG", (100, 100), "L")
        pictures.append(np.asarray(image, dtype=np.float64))
    crop, rebuilt = pictures
    assert crop.std() > 10 and rebuilt.std() > 5
    # The reconstruction looks like the crop it came from (not some other face).
    assert np.corrcoef(crop.ravel(), rebuilt.ravel())[0, 1] > 0.5


def test_max_faces_limits_the_count_to_the_largest_faces_of_a_group_photo(client):
    photo = need(GROUP_PHOTO).read_bytes()
    everyone = predict(client, **raw(photo)).json()["faces"]
    assert len(everyone) >= 3, "the cascade should find several of the 7 faces"
    areas = [f["box"]["width"] * f["box"]["height"] for f in everyone]
    assert areas == sorted(areas, reverse=True)
    for limit in (1, 2):
        via_json = predict(client, **as_json({"image": b64(photo), "max_faces": limit})).json()
        via_query = predict(client, **raw(photo, params={"max_faces": limit})).json()
        assert [f["box"] for f in via_json["faces"]] == [f["box"] for f in everyone[:limit]]
        assert via_query["faces"] == via_json["faces"]
    wide = predict(client, **as_json({"image": b64(photo), "max_faces": 100})).json()
    assert len(wide["faces"]) == len(everyone)


def test_the_same_photo_gets_the_same_reply_every_time(client):
    """Equal-size faces (two 44x44 ones in this photo) keep one order, so max_faces is stable."""
    photo = need(GROUP_PHOTO).read_bytes()
    replies = []
    for _ in range(6):
        reply = predict(client, **raw(photo)).json()
        reply.pop("timings_ms")
        replies.append(reply)
    assert all(reply == replies[0] for reply in replies)
    firsts = {tuple(predict(client, **raw(photo, params={"max_faces": 1})).json()["faces"][0]
                    ["box"].values()) for _ in range(6)}
    assert len(firsts) == 1


@pytest.mark.parametrize("include_crops", [False, True])
def test_reply_never_echoes_the_uploaded_image(client, include_crops):
    response = predict(client, json={"image": ASTRONAUT_B64, "include_crops": include_crops})
    assert response.status_code == 200
    text = response.text
    assert ASTRONAUT_B64 not in text
    # Not even a piece of it: any 64 characters from past the JPEG header would be telling.
    for start in range(400, len(ASTRONAUT_B64) - 64, 4000):
        assert ASTRONAUT_B64[start:start + 64] not in text
    assert len(text) < len(ASTRONAUT_B64) // 2


# --- predict: everything a client can get wrong -----------------------------------------------

def _truncated_png() -> bytes:
    return ASTRONAUT_PNG[: len(ASTRONAUT_PNG) // 2]


def _heic_header() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><circle r="40"/></svg>'
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
RANDOM = np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes()

BAD_INPUTS = [
    # (id, request, status, code, a word the message must contain)
    ("empty-json-body", lambda: json_text(b""),
     400, "invalid_json", "empty"),
    ("empty-raw-body", lambda: raw(b"", "image/jpeg"), 400, "empty_image", "empty"),
    ("invalid-json", lambda: json_text(b'{"image": '),
     400, "invalid_json", "JSON"),
    ("invalid-utf8-json", lambda: json_text(b'{"image": "\xff\xfe"}'),
     400, "invalid_json", "JSON"),
    ("json-array", lambda: as_json([ASTRONAUT_B64]), 422, "validation_error", "object"),
    ("json-string", lambda: as_json(ASTRONAUT_B64), 422, "validation_error", "object"),
    ("deeply-nested-arrays", lambda: json_text(b"[" * 100_000),
     400, "invalid_json", "JSON"),
    ("deeply-nested-objects", lambda: json_text(b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
     400, "invalid_json", "JSON"),
    ("5000-digit-number",
     lambda: json_text(b'{"image": "eA==", "max_faces": 1' + b"0" * 5000 + b"}"),
     400, "invalid_json", "JSON"),
    ("include-crops-as-string", lambda: as_json({"image": ASTRONAUT_B64, "include_crops": "true"}),
     422, "validation_error", "include_crops"),
    ("include-crops-as-number", lambda: as_json({"image": ASTRONAUT_B64, "include_crops": 1}),
     422, "validation_error", "include_crops"),
    ("max-faces-as-float", lambda: as_json({"image": ASTRONAUT_B64, "max_faces": 1.5}),
     422, "validation_error", "max_faces"),
    ("max-faces-as-string", lambda: as_json({"image": ASTRONAUT_B64, "max_faces": "3"}),
     422, "validation_error", "max_faces"),
    ("max-faces-as-nan", lambda: json_text(b'{"image": "eA==", "max_faces": NaN}'),
     422, "validation_error", "max_faces"),
    ("max-faces-zero", lambda: as_json({"image": ASTRONAUT_B64, "max_faces": 0}),
     422, "validation_error", "max_faces"),
    ("max-faces-101", lambda: as_json({"image": ASTRONAUT_B64, "max_faces": 101}),
     422, "validation_error", "max_faces"),
    ("raw-body-max-faces-zero", lambda: raw(ASTRONAUT_JPEG, params={"max_faces": 0}),
     422, "validation_error", "max_faces"),
    ("raw-body-max-faces-not-a-number", lambda: raw(ASTRONAUT_JPEG, params={"max_faces": "many"}),
     422, "validation_error", "max_faces"),
    ("json-body-with-query-max-faces-101",
     lambda: {**as_json({"image": ASTRONAUT_B64}), "params": {"max_faces": 101}},
     422, "validation_error", "max_faces"),
    ("raw-body-include-crops-maybe", lambda: raw(ASTRONAUT_JPEG, params={"include_crops": "maybe"}),
     422, "validation_error", "include_crops"),
    ("extra-field", lambda: as_json({"image": ASTRONAUT_B64, "threshold": 0.5}),
     422, "validation_error", "threshold"),
    ("missing-image", lambda: as_json({"include_crops": True}), 422, "validation_error", "image"),
    ("image-empty-string", lambda: as_json({"image": ""}), 422, "validation_error", "image"),
    ("image-null", lambda: as_json({"image": None}), 422, "validation_error", "image"),
    ("image-as-list-of-bytes", lambda: as_json({"image": list(ASTRONAUT_JPEG[:50])}),
     422, "validation_error", "image"),
    ("invalid-base64", lambda: as_json({"image": "this is not base64!"}), 400, "invalid_base64",
     "base64"),
    ("base64-of-nothing", lambda: as_json({"image": "===="}), 400, "empty_image", "empty"),
    ("data-url-without-base64",
     lambda: as_json({"image": "data:image/jpeg," + ASTRONAUT_B64[:100]}),
     400, "invalid_base64", "data URL"),
    ("data-url-with-empty-payload", lambda: as_json({"image": "data:image/png;base64,"}),
     400, "empty_image", "empty"),
    ("text-plain-garbage", lambda: raw(b"hello, please classify my face", "text/plain"),
     415, "unsupported_media_type", "text/plain"),
    ("text-html", lambda: raw(b"<html><body><img src=x></body></html>", "text/html"),
     415, "unsupported_media_type", "text/html"),
    ("form-urlencoded", lambda: raw(b"image=abc", "application/x-www-form-urlencoded"),
     415, "unsupported_media_type", "application/json"),
    ("multipart-upload", lambda: {"files": {"file": ("a.jpg", ASTRONAUT_JPEG, "image/jpeg")}},
     415, "unsupported_media_type", "multipart"),
    ("image-gif-content-type", lambda: raw(GIF, "image/gif"), 415, "unsupported_media_type",
     "image/gif"),
    ("gif-bytes-as-base64", lambda: as_json({"image": b64(GIF)}), 415, "unsupported_media_type",
     "GIF"),
    ("svg-bytes", lambda: raw(SVG, "image/jpeg"), 415, "unsupported_media_type", "SVG"),
    ("pdf-bytes", lambda: as_json({"image": b64(PDF)}), 415, "unsupported_media_type", "PDF"),
    ("heic-header", lambda: raw(_heic_header(), "application/octet-stream"),
     415, "unsupported_media_type", "HEIC"),
    ("random-bytes", lambda: raw(RANDOM, "image/png"), 415, "not_an_image", "not an image"),
    ("truncated-jpeg", lambda: raw(ASTRONAUT_JPEG[: len(ASTRONAUT_JPEG) // 2]), 422,
     "corrupt_image", "JPEG"),
    ("jpeg-header-only", lambda: raw(ASTRONAUT_JPEG[:300]), 422, "corrupt_image", "JPEG"),
    ("truncated-png", lambda: as_json({"image": b64(_truncated_png())}), 422, "corrupt_image",
     "PNG"),
    ("bmp-with-bogus-header", lambda: raw(b"BM" + bytes(range(60)), "image/bmp"), 422,
     "corrupt_image", "BMP"),
    ("decompression-bomb-png", lambda: raw(png_header_only(30_000, 30_000), "image/png"),
     413, "image_too_large", "megapixels"),
    ("png-just-over-the-pixel-limit", lambda: raw(png_header_only(8000, 5001), "image/png"),
     413, "image_too_large", "8000x5001"),
]


@pytest.mark.parametrize("request_factory, status, code, says",
                         [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS])
def test_predict_rejects_bad_input_with_a_status_and_a_stable_code(client, request_factory, status,
                                                                   code, says):
    error = assert_error(predict(client, **request_factory()), status, code)
    assert says.lower() in error["message"].lower(), error


def test_predict_rejects_a_7_mb_body_and_states_the_limit(client, app):
    limit = app.state.service.settings.max_body_bytes
    error = assert_error(predict(client, **raw(b"\xff\xd8\xff" + bytes(7_000_000))), 413,
                         "payload_too_large")
    assert f"{limit / 1e6:.1f} MB" in error["message"]


def test_predict_rejects_a_7_mb_json_body_before_parsing_it(client, app):
    body = json.dumps({"image": "A" * 7_000_000}).encode()
    error = assert_error(predict(client, content=body,
                                 headers={"content-type": "application/json"}),
                         413, "payload_too_large")
    assert "limit" in error["message"]


def test_predict_rejects_a_chunked_body_over_the_limit_without_content_length(client, app):
    limit = app.state.service.settings.max_body_bytes
    sent = []

    def chunks():
        for _ in range(8):
            sent.append(1)
            yield b"\x00" * 1_000_000

    response = predict(client, content=chunks(), headers={"content-type": "image/jpeg"})
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    error = assert_error(response, 413, "payload_too_large")
    assert f"{limit / 1e6:.1f} MB" in error["message"]


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/v1/predict", "POST"),
    ("PUT", "/v1/predict", "POST"),
    ("POST", "/v1/model", "GET"),
    ("DELETE", "/v1/model/mean-face.png", "GET"),
    ("PATCH", "/v1/model/eigenfaces/0.png", "GET"),
    ("POST", "/health", "GET"),
])
def test_a_wrong_method_is_a_405_that_names_the_allowed_one(client, method, path, allowed):
    response = client.request(method, path)
    error = assert_error(response, 405, "method_not_allowed")
    assert method in error["message"] and path in error["message"]
    assert response.headers["allow"] == allowed  # RFC 9110: a 405 carries Allow


@pytest.mark.parametrize("method, path", [
    ("GET", "/v1/classify"),
    ("POST", "/v1/predict/extra"),
    ("GET", "/v1/"),
    ("DELETE", "/v1/model/eigenfaces"),
    ("GET", "/v2/predict"),
    ("GET", "/no-such-page"),
])
def test_an_unknown_path_is_a_json_404(client, method, path):
    error = assert_error(client.request(method, path), 404, "not_found")
    assert path in error["message"]


class RecordingTelemetry(Telemetry):
    def __init__(self):
        self.errors, self.predictions = [], []

    def record_error(self, code: str) -> None:
        self.errors.append(code)

    def record_prediction(self, reply: dict) -> None:
        self.predictions.append(reply)


def test_every_refusal_and_every_reply_reaches_the_telemetry_hooks(app):
    telemetry = RecordingTelemetry()
    with TestClient(create_app(app.state.service, telemetry=telemetry)) as observed:
        observed.post("/v1/predict", **raw(RANDOM, "image/png"))
        observed.post("/v1/predict", **as_json({"image": "!"}))
        observed.post("/v1/predict", **as_json({"image": ASTRONAUT_B64, "max_faces": 0}))
        observed.get("/v1/nowhere")
        observed.post("/v1/predict", **raw(bytes(7_000_000)))
        observed.post("/v1/predict", **raw(ASTRONAUT_JPEG))
        observed.post("/v1/predict", **raw(no_face_images()["flat-gray"]))
    assert telemetry.errors == ["not_an_image", "invalid_base64", "validation_error",
                                "not_found", "payload_too_large"]
    assert [len(reply["faces"]) for reply in telemetry.predictions] == [1, 0]


# --- static files and CORS (the local app) ----------------------------------------------------

@pytest.fixture(scope="module")
def local_client(app, tmp_path_factory):
    """The app as ``make run`` builds it: a frontend folder at "/" and CORS for localhost."""
    site = tmp_path_factory.mktemp("frontend")
    (site / "index.html").write_text("<!doctype html><title>facegender</title>")
    settings = replace(app.state.service.settings, frontend_dir=site,
                       cors_origins=("http://127.0.0.1:8000",))
    local = create_app(app.state.service, settings=settings)
    with TestClient(local) as test_client:
        yield test_client


def test_static_frontend_does_not_shadow_the_api(local_client):
    page = local_client.get("/")
    assert page.status_code == 200 and "<title>facegender</title>" in page.text
    assert local_client.get("/health").json()["status"] == "ok"
    assert_error(local_client.get("/v1/predict"), 405, "method_not_allowed")
    assert_error(local_client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(local_client.post("/v1/predict", **raw(b"", "image/jpeg")), 400, "empty_image")
    reply = local_client.post("/v1/predict", json={"image": ASTRONAUT_B64}).json()
    assert_astronaut_face(reply)


def test_cors_allows_the_local_page_and_nobody_else(local_client, client):
    allowed = local_client.options("/v1/predict", headers={
        "Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    other = local_client.post("/v1/predict", json={"image": ASTRONAUT_B64},
                              headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    # The app built for Lambda has no CORS: API Gateway does it there.
    plain = client.get("/health", headers={"Origin": "http://127.0.0.1:8000"})
    assert "access-control-allow-origin" not in plain.headers


# --- the image never reaches the logs ---------------------------------------------------------

def test_image_never_appears_in_logs_through_the_lambda_handler(lambda_module, lambda_output,
                                                                caplog):
    powertools = lambda_module.logger
    powertools.addHandler(caplog.handler)
    previous_level = powertools.log_level
    powertools.setLevel("DEBUG")
    caplog.set_level(logging.DEBUG)
    try:
        body = json.dumps({"image": ASTRONAUT_B64, "include_crops": True})
        events = [
            make_event("v2", "POST", "/v1/predict", body=body,
                       headers={"content-type": "application/json"}),
            make_event("v1", "POST", "/v1/predict", body=b64(ASTRONAUT_JPEG), base64_body=True,
                       headers={"content-type": "image/jpeg"}),
            make_event("v2", "POST", "/v1/predict",
                       body=json.dumps({"image": ASTRONAUT_B64, "max_faces": 0})),
            make_event("v2", "POST", "/v1/predict",
                       body=b64(ASTRONAUT_JPEG[:20_000]), base64_body=True),
        ]
        printed = ""
        statuses = []
        for event in events:
            reply, logs, _, out = lambda_output(event)
            statuses.append(reply["statusCode"])
            printed += out
            assert logs, "each request logs one line"
    finally:
        powertools.removeHandler(caplog.handler)
        powertools.setLevel(previous_level)
    assert statuses == [200, 200, 422, 422]
    records = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert caplog.records, "the capture saw the log records"
    for text in (records, printed):
        assert ASTRONAUT_B64[1000:1064] not in text
        assert b64(ASTRONAUT_JPEG[:20_000])[1000:1064] not in text
        assert "crop_png" not in text and "eigenface_png" not in text


@pytest.mark.parametrize("name", ["%C2%B2.png", "1" * 5000 + ".png", "-1.png", "1.5.png"])
def test_eigenface_names_that_are_not_small_integers_are_404(client, name):
    response = client.get(f"/v1/model/eigenfaces/{name}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
