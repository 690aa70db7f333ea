"""The Lambda entry point with real API Gateway events (HTTP API v2 and REST API v1).

The events are the SAM CLI's own (``tests/support/events/``); each test changes only the
request in them. What the handler prints is read back: JSON log lines with the request's
correlation id, and CloudWatch EMF metric lines.
"""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from tests.support.lambda_events import FakeLambdaContext, load_event, make_event
from .images import astronaut, encode, no_face_images

# GET requests add no metric of their own; Powertools warns about the empty set.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

VERSIONS = ["v2", "v1"]
ASTRONAUT_JPEG = encode(astronaut(), "JPEG", quality=92)
ASTRONAUT_B64 = base64.b64encode(ASTRONAUT_JPEG).decode()
JSON = {"content-type": "application/json"}


def reply_json(reply: dict) -> dict:
    assert reply["isBase64Encoded"] is False
    assert reply["headers"]["content-type"].startswith("application/json")
    return json.loads(reply["body"])


def metric_values(emf_lines: list[dict]) -> dict[str, list[float]]:
    """Every metric in the EMF lines, by name, after checking each line is well formed."""
    values: dict[str, list[float]] = {}
    for line in emf_lines:
        directive = line["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == "FaceGender"
        assert line["service"] == "facegender"
        for metric in directive["Metrics"]:
            value = line[metric["Name"]]
            values.setdefault(metric["Name"], []).extend(value if isinstance(value, list)
                                                         else [value])
    return values


def assert_one_face(body: dict) -> None:
    assert len(body["faces"]) == 1, body
    assert body["faces"][0]["gender"] in ("female", "male")
    assert body["image"]["width"] == 512


def test_the_committed_events_are_the_sam_cli_output():
    """The files are SAM's, untouched: no content-type header, a base64 body, a sample path."""
    v2, v1 = load_event("http_api_v2"), load_event("rest_v1")
    assert v2["version"] == "2.0" and v2["routeKey"] == "$default"
    assert "resource" in v1 and v1["requestContext"]["stage"] == "prod"
    for event in (v1, v2):
        assert event["isBase64Encoded"] is True
        assert base64.b64decode(event["body"]) == b'{"test":"body"}'
        assert not {k.lower() for k in event["headers"]} & {"content-type", "content-length"}


# --- requests through each kind of event ------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_predict_with_a_json_body_finds_the_face(lambda_output, version):
    event = make_event(version, "POST", "/v1/predict", body=json.dumps({"image": ASTRONAUT_B64}),
                       headers=JSON)
    reply, *_ = lambda_output(event)
    assert reply["statusCode"] == 200
    assert_one_face(reply_json(reply))


@pytest.mark.parametrize("version", VERSIONS)
def test_predict_with_a_base64_encoded_json_body_finds_the_face(lambda_output, version):
    body = base64.b64encode(json.dumps({"image": ASTRONAUT_B64}).encode()).decode()
    event = make_event(version, "POST", "/v1/predict", body=body, base64_body=True, headers=JSON)
    reply, *_ = lambda_output(event)
    assert reply["statusCode"] == 200
    assert_one_face(reply_json(reply))


@pytest.mark.parametrize("version", VERSIONS)
def test_predict_without_a_content_type_header_reads_the_json_body(lambda_output, version):
    """The generated events carry no content-type, like API Gateway console test events."""
    event = make_event(version, "POST", "/v1/predict", body=json.dumps({"image": ASTRONAUT_B64}))
    assert not any(k.lower() == "content-type" for k in event["headers"])
    reply, *_ = lambda_output(event)
    assert reply["statusCode"] == 200
    assert_one_face(reply_json(reply))


@pytest.mark.parametrize("version", VERSIONS)
def test_predict_with_a_binary_jpeg_body_as_api_gateway_sends_it(lambda_output, version):
    event = make_event(version, "POST", "/v1/predict", body=ASTRONAUT_B64, base64_body=True,
                       headers={"content-type": "image/jpeg"}, query="include_crops=true")
    reply, *_ = lambda_output(event)
    assert reply["statusCode"] == 200
    body = reply_json(reply)
    assert_one_face(body)
    crop = Image.open(io.BytesIO(base64.b64decode(body["faces"][0]["crop_png"])))
    assert crop.size == (100, 100)


@pytest.mark.parametrize("version", VERSIONS)
def test_health_answers_through_the_handler(lambda_output, version):
    reply, *_ = lambda_output(make_event(version, "GET", "/health"))
    assert reply["statusCode"] == 200
    body = reply_json(reply)
    assert body["status"] == "ok" and body["model_loaded"] is True


@pytest.mark.parametrize("version", VERSIONS)
def test_model_card_answers_through_the_handler(lambda_output, lambda_module, version):
    reply, *_ = lambda_output(make_event(version, "GET", "/v1/model"))
    assert reply["statusCode"] == 200
    assert reply_json(reply)["version"] == lambda_module.app.state.service.model.version


@pytest.mark.parametrize("version", VERSIONS)
def test_png_replies_come_back_base64_encoded_for_api_gateway(lambda_output, version):
    reply, *_ = lambda_output(make_event(version, "GET", "/v1/model/eigenfaces/0.png"))
    assert reply["statusCode"] == 200
    assert reply["isBase64Encoded"] is True
    assert reply["headers"]["content-type"] == "image/png"
    image = Image.open(io.BytesIO(base64.b64decode(reply["body"])))
    assert (image.format, image.size) == ("PNG", (100, 100))


BAD_EVENTS = [
    # (id, method, path, event options, status, code)
    ("generated-body-unchanged", "POST", "/v1/predict", {}, 422, "validation_error"),
    ("not-json", "POST", "/v1/predict", {"body": "{image:", "headers": JSON}, 400, "invalid_json"),
    ("deep-nesting", "POST", "/v1/predict", {"body": "[" * 100_000, "headers": JSON},
     400, "invalid_json"),
    ("bad-base64", "POST", "/v1/predict", {"body": '{"image": "%%%"}'}, 400, "invalid_base64"),
    ("text-body", "POST", "/v1/predict", {"body": "hello"}, 415, "not_an_image"),
    ("truncated-jpeg", "POST", "/v1/predict",
     {"body": base64.b64encode(ASTRONAUT_JPEG[:9000]).decode(), "base64_body": True,
      "headers": {"content-type": "image/jpeg"}}, 422, "corrupt_image"),
    ("body-over-the-limit", "POST", "/v1/predict",
     {"body": "A" * 6_500_000, "headers": {"content-type": "image/jpeg"}}, 413,
     "payload_too_large"),
    ("get-predict", "GET", "/v1/predict", {}, 405, "method_not_allowed"),
    ("unknown-path", "GET", "/v1/unknown", {}, 404, "not_found"),
    ("sample-path", "POST", "/path/to/resource", {}, 404, "not_found"),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("method, path, options, status, code",
                         [pytest.param(*case[1:], id=case[0]) for case in BAD_EVENTS])
def test_bad_requests_get_a_4xx_with_the_error_envelope(lambda_output, version, method, path,
                                                        options, status, code):
    reply, logs, metrics, _ = lambda_output(make_event(version, method, path, **options))
    assert reply["statusCode"] == status, reply["body"][:300]
    body = reply_json(reply)
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert body["error"]["message"]
    assert metric_values(metrics)[f"Error_{code}"] == [1.0]
    assert any(line.get("error_code") == code for line in logs)


# --- metrics and logs -------------------------------------------------------------------------

def test_a_prediction_emits_faces_and_stage_latency_metrics(lambda_output):
    event = make_event("v2", "POST", "/v1/predict", body=json.dumps({"image": ASTRONAUT_B64}))
    reply, _, metrics, _ = lambda_output(event)
    assert reply["statusCode"] == 200
    values = metric_values(metrics)
    assert values["Faces"] == [1.0]
    assert values["NoFaceRequests"] == [0.0]
    for stage in ("decode", "detect", "classify", "total"):
        assert len(values[f"Latency_{stage}"]) == 1 and values[f"Latency_{stage}"][0] >= 0
    assert not any(name.startswith("Error_") for name in values)


def test_a_photo_without_faces_counts_as_a_no_face_request(lambda_output):
    photo = base64.b64encode(no_face_images()["gradient"]).decode()
    event = make_event("v1", "POST", "/v1/predict", body=photo, base64_body=True,
                       headers={"content-type": "image/png"})
    reply, _, metrics, _ = lambda_output(event)
    assert reply["statusCode"] == 200 and reply_json(reply)["faces"] == []
    values = metric_values(metrics)
    assert values["Faces"] == [0.0]
    assert values["NoFaceRequests"] == [1.0]


def test_metrics_do_not_leak_from_one_invocation_into_the_next(lambda_output):
    bad = make_event("v2", "POST", "/v1/predict", body="hello")
    good = make_event("v2", "POST", "/v1/predict", body=json.dumps({"image": ASTRONAUT_B64}))
    _, _, first, _ = lambda_output(bad)
    _, _, second, _ = lambda_output(good)
    assert "Error_not_an_image" in metric_values(first)
    assert "Faces" not in metric_values(first)
    assert "Error_not_an_image" not in metric_values(second)


@pytest.mark.parametrize("version", VERSIONS)
def test_log_lines_are_json_with_the_request_correlation_id_and_no_image(lambda_output, version):
    context = FakeLambdaContext()
    event = make_event(version, "POST", "/v1/predict", body=json.dumps({"image": ASTRONAUT_B64}),
                       request_id=f"corr-{version}-42")
    reply, logs, _, out = lambda_output(event, context)
    assert reply["statusCode"] == 200
    assert logs, "the handler logs each prediction"
    for line in logs:
        assert line["service"] == "facegender"
        assert line["correlation_id"] == f"corr-{version}-42"
        assert line["function_request_id"] == context.aws_request_id
        assert line["function_name"] == context.function_name
        assert isinstance(line["cold_start"], bool)
    prediction = next(line for line in logs if line["message"] == "prediction")
    assert prediction["faces"] == 1
    assert prediction["image"]["format"] == "jpeg"
    assert ASTRONAUT_B64[2000:2064] not in out
    assert "body" not in {key for line in logs for key in line}


def test_only_the_first_invocation_is_a_cold_start(lambda_output):
    _, first, _, _ = lambda_output(make_event("v2", "POST", "/v1/predict", body="x"))
    _, second, _, _ = lambda_output(make_event("v2", "POST", "/v1/predict", body="x"))
    assert first[-1]["cold_start"] in (True, False)  # True only if no other test ran first
    assert second[-1]["cold_start"] is False
