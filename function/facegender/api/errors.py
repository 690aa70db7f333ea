"""One exception tree -> one handler -> ``{"error": {"code", "message"}}``, for every failure."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import FaceGenderError, MethodNotAllowed, NotFound

log = logging.getLogger("facegender.api")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type"}


def error_response(error: FaceGenderError, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=error.status, headers=headers)


def install_error_handlers(app: FastAPI, on_error=None) -> None:
    """Map every exception to the error envelope; ``on_error(code)`` observes each one."""

    def respond(error: FaceGenderError, headers=None) -> JSONResponse:
        if on_error is not None:
            on_error(error.code)
        return error_response(error, headers)

    @app.exception_handler(FaceGenderError)
    async def _ours(request: Request, error: FaceGenderError):
        return respond(error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError):
        return respond(FaceGenderError(describe_validation(error.errors()), code="validation_error",
                                       status=422))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException):
        if error.status_code == 404:
            return respond(NotFound(f"There is nothing at {request.url.path}."))
        if error.status_code == 405:
            return respond(MethodNotAllowed(f"{request.method} is not allowed on "
                                            f"{request.url.path}."), error.headers)
        code = _HTTP_CODES.get(error.status_code, "bad_request")
        return respond(FaceGenderError(str(error.detail), code=code, status=error.status_code),
                       error.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception):
        # A bug of ours, never the client's input; logged without the request body.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return respond(FaceGenderError("Something went wrong on our side; please try again.",
                                       code="internal_error", status=500))


def describe_validation(errors) -> str:
    """Pydantic's error list as one sentence naming the fields."""
    parts = []
    for item in errors[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."
