"""Fixtures for the functional tier: the app in-process, the Lambda handler with real
API Gateway events, and a real local server on a free port.

The event files in ``events/`` are exactly what ``sam local generate-event apigateway
http-api-proxy`` (v2, HTTP API) and ``... aws-proxy`` (v1, REST API) print (SAM CLI 1.170);
each test copies one and sets only the method, path, headers and body it needs.
"""

from __future__ import annotations

import copy
import json
import sys
import uuid
import warnings
from pathlib import Path

import pytest
from facegender.local import ServerStartError, serve_in_subprocess

with warnings.catch_warnings():
    # Starlette nudges towards httpx2; the TestClient works the same with httpx.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from facegender.api import create_app

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS = Path(__file__).resolve().parent / "events"
LAMBDA_ENV = {
    "POWERTOOLS_SERVICE_NAME": "facegender",
    "POWERTOOLS_METRICS_NAMESPACE": "FaceGender",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


# --- the app in-process -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def app():
    return create_app()


@pytest.fixture(scope="session")
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def assert_error(response, status: int, code: str) -> dict:
    """The reply is ``status`` with exactly the error envelope, carrying ``code``."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    message = body["error"]["message"]
    assert isinstance(message, str) and len(message) > 10, body
    return body["error"]


# --- the Lambda handler -----------------------------------------------------------------------

class FakeLambdaContext:
    """The attributes of the Lambda context object that Powertools and Mangum read."""

    function_name = "facegender-function"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:facegender-function"
    log_group_name = "/aws/lambda/facegender-function"
    log_stream_name = "2026/11/28/[$LATEST]abcdef"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@pytest.fixture(scope="session")
def lambda_module():
    """``facegender.handler``, imported with the environment the SAM template gives it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LAMBDA_ENV.items():
            patch.setenv(name, value)
        import facegender.handler as module

        # Powertools' logger keeps the stream it was created with; this one always writes to
        # the current sys.stdout, so capsys sees the log lines next to the EMF metrics.
        module.logger.registered_handler.setStream(_CurrentStdout())
        yield module


class _CurrentStdout:
    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def lambda_output(lambda_module, capsys):
    """Run the handler and read what it printed.

    ``call(event) -> (reply, JSON log lines, EMF metric lines, raw output)``.
    """

    def call(event: dict, context: FakeLambdaContext | None = None):
        capsys.readouterr()
        reply = lambda_module.handler(event, context or FakeLambdaContext())
        out = capsys.readouterr().out
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        logs = [line for line in lines if "_aws" not in line]
        metrics = [line for line in lines if "_aws" in line]
        return reply, logs, metrics, out

    return call


def load_event(kind: str) -> dict:
    return json.loads((EVENTS / f"apigw_{kind}.json").read_text())


def make_event(version: str, method: str, path: str, *, body: str | None = None,
               base64_body: bool = False, headers: dict | None = None, query: str = "",
               request_id: str | None = None) -> dict:
    """A generated API Gateway event with this request in it.

    ``headers`` are added to the generated ones (which have no content-type). ``query``
    replaces the generated query string.
    """
    request_id = request_id or str(uuid.uuid4())
    if version == "v2":
        event = copy.deepcopy(load_event("http_api_v2"))
        event["rawPath"] = path
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = path
        event["requestContext"]["requestId"] = request_id
        event["rawQueryString"] = query
        event["queryStringParameters"] = dict(
            pair.split("=", 1) for pair in query.split("&") if pair) or None
        event["headers"].update(headers or {})
    else:
        event = copy.deepcopy(load_event("rest_v1"))
        event["path"] = path
        event["httpMethod"] = method
        event["requestContext"]["httpMethod"] = method
        event["requestContext"]["path"] = "/prod" + path
        event["requestContext"]["requestId"] = request_id
        params = dict(pair.split("=", 1) for pair in query.split("&") if pair)
        event["queryStringParameters"] = params or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in params.items()} or None
        event["headers"].update(headers or {})
        event["multiValueHeaders"].update({k: [v] for k, v in (headers or {}).items()})
    if body is None and method == "GET":
        event["body"] = None
        event["isBase64Encoded"] = False
    elif body is not None:
        event["body"] = body
        event["isBase64Encoded"] = base64_body
    return event


# --- a real server ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def server_url():
    """``python -m facegender serve`` (what ``make run`` starts) on a free port."""
    try:
        with serve_in_subprocess() as server:
            yield server.url
            # What `make run` tells the user; checked here because only this fixture sees stdout.
            assert f"{server.url}/" in server.output()
    except ServerStartError as error:
        pytest.fail(str(error))
