"""Reading JSON request bodies: one set of checks and messages for every route."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import InvalidJson, InvalidRequest, UnsupportedMediaType
from .errors import describe_validation

M = TypeVar("M", bound=BaseModel)


def is_json(media_type: str, body: bytes) -> bool:
    """Whether a body is JSON by its media type (or, without one, by its first character)."""
    if media_type == "application/json" or media_type.endswith("+json"):
        return True
    # API Gateway test events and some clients send JSON without a content type.
    return media_type in ("", "text/plain") and body.lstrip()[:1] == b"{"


def media_type_of(headers) -> str:
    """The request's media type, lower case, without parameters ("" when there is none)."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


def json_only(media_type: str, body: bytes, schema: type[M], example: str) -> M:
    """``schema`` from a body that must be JSON: 415 ``unsupported_media_type`` otherwise,
    then as :func:`parse_json`."""
    if not is_json(media_type, body):
        raise UnsupportedMediaType(f"Content type {media_type!r} is not accepted. Send "
                                   f"application/json such as {example}.")
    return parse_json(body, schema, example)


def parse_json(body: bytes, schema: type[M], example: str) -> M:
    """``schema`` validated from a JSON object body; 400 ``invalid_json`` or 422
    ``validation_error`` naming the fields otherwise (``example`` shows a good body)."""
    if not body.strip():
        raise InvalidJson(f"The body is empty. Send JSON such as {example}.")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidJson(f"The body is not valid JSON. Send {example}.") from None
    if not isinstance(document, dict):
        raise InvalidRequest(f"The JSON body must be an object such as {example}.")
    try:
        return schema.model_validate(document)
    except ValidationError as error:
        raise InvalidRequest(describe_validation(error.errors())) from None
