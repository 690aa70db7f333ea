"""One exception tree -> one handler -> ``{"error": {"code", "message"}}``, for every failure."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (BY_STATUS, FaceGenderError, InternalError, InvalidRequest, MethodNotAllowed,
                      NotFound)

log = logging.getLogger("facegender.api")


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
        return respond(InvalidRequest(describe_validation(error.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException):
        if error.status_code == 404:
            return respond(NotFound(f"There is nothing at {request.url.path}."))
        if error.status_code == 405:
            return respond(MethodNotAllowed(f"{request.method} is not allowed on "
                                            f"{request.url.path}."), error.headers)
        kind = BY_STATUS.get(error.status_code)
        if kind is not None:
            return respond(kind(str(error.detail)), error.headers)
        return respond(FaceGenderError(str(error.detail), status=error.status_code), error.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception):
        # A bug of ours, never the client's input; logged without the request body.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return respond(InternalError("Something went wrong on our side; please try again."))


def describe_validation(errors) -> str:
    """Pydantic's error list as one sentence naming the fields."""
    parts = []
    for item in errors[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."
