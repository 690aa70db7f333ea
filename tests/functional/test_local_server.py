"""``make run``'s server for real (uvicorn on a free port): the page at "/", the API beside it,
and the body limit enforced on the wire, declared or streamed."""

from __future__ import annotations

import httpx
import pytest

from tests.support.http import assert_error
from tests.support.paths import REPO_ROOT


@pytest.fixture(scope="module")
def http(server_url):
    with httpx.Client(base_url=server_url, timeout=60) as client:
        yield client


def test_health_and_model_card_answer(http):
    assert http.get("/health").json()["status"] == "ok"
    assert http.get("/v1/model").json()["classes"] == ["female", "male"]


def test_the_page_is_served_at_the_root_without_shadowing_the_api(http):
    if not (REPO_ROOT / "frontend" / "index.html").exists():
        pytest.skip("frontend/index.html is absent")
    page = http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.lstrip().lower().startswith("<!doctype html")
    response = http.get("/v1/predict")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    assert_error(http.get("/v1/model/nothing"), 404, "not_found")


def test_docs_are_served_locally(http):
    assert http.get("/docs").status_code == 200
    assert "/v1/predict" in http.get("/openapi.json").json()["paths"]


def test_cors_lets_the_local_page_call_the_api(http, server_url):
    preflight = http.options("/v1/predict", headers={
        "Origin": server_url, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == server_url
    foreign = http.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in foreign.headers


def test_a_declared_7_mb_body_is_refused_with_the_limit_in_the_message(http):
    response = http.post("/v1/predict", content=b"\xff\xd8\xff" + bytes(7_000_000),
                         headers={"content-type": "image/jpeg"})
    error = assert_error(response, 413, "payload_too_large")
    assert "MB limit" in error["message"]


def test_a_chunked_body_over_the_limit_is_refused_while_streaming(http):
    def chunks():
        for _ in range(10):
            yield bytes(1_000_000)

    response = http.post("/v1/predict", content=chunks(), headers={"content-type": "image/jpeg"})
    assert "content-length" not in response.request.headers
    error = assert_error(response, 413, "payload_too_large")
    assert "MB limit" in error["message"]
    assert http.get("/health").status_code == 200  # and the server carries on
