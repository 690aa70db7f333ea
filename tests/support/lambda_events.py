"""The Lambda side of the functional tests: API Gateway events, a context object and the
environment the SAM template gives the function. Standard library only, so a new process can
import it without loading anything the test is about (test_tracing.py counts modules).

The event files in ``events/`` are exactly what ``sam local generate-event apigateway
http-api-proxy`` (v2, HTTP API) and ``... aws-proxy`` (v1, REST API) print (SAM CLI 1.170);
each test copies one and sets only the method, path, headers and body it needs.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

EVENTS = Path(__file__).resolve().parent / "events"
LAMBDA_ENV = {
    "POWERTOOLS_SERVICE_NAME": "facegender",
    "POWERTOOLS_METRICS_NAMESPACE": "FaceGender",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


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
