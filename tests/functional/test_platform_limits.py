"""The page's uploads and the API's 413 stay within the tighter of the platform's two limits.

Behind CloudFront a photo crosses two limits: CloudFront's on the request body, and Lambda's on
the synchronous invocation payload, which holds the whole API Gateway event. API Gateway hands
an ``image/jpeg`` body to the function base64-encoded, so an image costs 4/3 of its size there.
"""

from __future__ import annotations

import base64
import copy
import json
import re

from tests.support.lambda_events import EVENTS
from tests.support.paths import REPO_ROOT

EVENT_V2 = EVENTS / "apigw_http_api_v2.json"

# Lambda quotas: "Invocation payload (request and response): 6 MB each ... synchronous".
LAMBDA_SYNC_PAYLOAD = 6 * 1024 * 1024
# CloudFront quotas: "Maximum file size for HTTP GET, POST, and PUT requests: 20 GB".
CLOUDFRONT_MAX_BODY = 20 * 1000**3
SMALLER_LIMIT = min(LAMBDA_SYNC_PAYLOAD, CLOUDFRONT_MAX_BODY)

# What CloudFront (managed AllViewerExceptHostHeader) and a browser add to the page's request.
FORWARDED_HEADERS = {
    "accept": "*/*",
    "accept-encoding": "gzip, deflate, br",
    "accept-language": "en-GB,en;q=0.9",
    "cloudfront-forwarded-proto": "https",
    "cloudfront-is-desktop-viewer": "true",
    "cloudfront-is-mobile-viewer": "false",
    "cloudfront-is-smarttv-viewer": "false",
    "cloudfront-is-tablet-viewer": "false",
    "cloudfront-viewer-address": "2001:db8:85a3::8a2e:370:7334:49152",
    "cloudfront-viewer-asn": "64496",
    "cloudfront-viewer-country": "GB",
    "content-type": "image/jpeg",
    "origin": "https://d111111abcdef8.cloudfront.net",
    "referer": "https://d111111abcdef8.cloudfront.net/",
    "sec-fetch-mode": "cors",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "via": "2.0 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)",
    "x-amz-cf-id": "Q0o1GpmyHzHpvA0D3WoPQNA8sXd7yJ6o3Qm9kl7m0WnWv0sT5d8w4A==",
    "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
    "x-forwarded-for": "2001:db8:85a3::8a2e:370:7334, 64.252.64.1",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
}


def invocation_payload(body: bytes, *, binary: bool) -> int:
    """Bytes of the HTTP API (v2) event that carries ``body`` to the function."""
    event = copy.deepcopy(json.loads(EVENT_V2.read_text()))
    event.update(
        rawPath="/v1/predict",
        rawQueryString="include_crops=true&max_faces=20",
        queryStringParameters={"include_crops": "true", "max_faces": "20"},
        headers={**event["headers"], **FORWARDED_HEADERS},
        isBase64Encoded=binary,
        body=base64.b64encode(body).decode() if binary else body.decode("latin-1"),
    )
    event["requestContext"]["http"].update(method="POST", path="/v1/predict")
    return len(json.dumps(event).encode())


def page_upload_limit(client) -> int:
    """The largest photo the page uploads: photo.js shrinks anything larger than the
    ``max_image_bytes`` of GET /v1/limits."""
    photo_js = (REPO_ROOT / "frontend" / "photo.js").read_text()
    assert "limits.max_image_bytes" in photo_js, "photo.js must take its limit from /v1/limits"
    return client.get("/v1/limits").json()["max_image_bytes"]


def megabytes_in(message: str) -> list[float]:
    return [float(number) for number in re.findall(r"(\d+(?:\.\d+)?) MB", message)]


def test_the_pages_largest_upload_fits_the_smaller_limit(client):
    largest = page_upload_limit(client)
    assert invocation_payload(b"\xff" * largest, binary=True) <= SMALLER_LIMIT


def test_the_apis_413_for_a_raw_image_names_a_limit_that_fits(client):
    size = client.app.state.service.settings.max_image_bytes + 1
    response = client.post(
        "/v1/predict", content=b"\xff\xd8\xff" + b"\0" * (size - 3),
        headers={"content-type": "image/jpeg"},
    )  # fmt: skip
    assert response.status_code == 413
    message = response.json()["error"]["message"]
    stated = max(megabytes_in(message))
    assert stated * 1e6 < size, f"the message should name the limit the image broke: {message}"
    limit = min(megabytes_in(message))
    # An image just under the stated limit must reach the function to be answered at all.
    assert invocation_payload(b"\xff" * round(limit * 1e6), binary=True) <= SMALLER_LIMIT, message


def test_the_apis_413_for_a_json_body_names_limits_that_fit(client):
    settings = client.app.state.service.settings
    response = client.post(
        "/v1/predict", content=b"{" + b" " * settings.max_body_bytes + b"}",
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 413
    message = response.json()["error"]["message"]
    body_limit, image_limit = megabytes_in(message)
    assert invocation_payload(b" " * round(body_limit * 1e6), binary=False) <= SMALLER_LIMIT, message
    assert image_limit * 4 / 3 <= body_limit, message
    assert invocation_payload(b" " * settings.max_body_bytes, binary=False) <= SMALLER_LIMIT


def test_the_page_never_sends_more_than_the_api_accepts(client):
    assert page_upload_limit(client) <= client.app.state.service.settings.max_image_bytes
