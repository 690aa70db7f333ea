"""A pure ASGI middleware that refuses request bodies over the limit without buffering them."""

from __future__ import annotations

import json

from ..errors import PayloadTooLarge
from ..settings import UPLOAD_MAX_SIDE


class BodyLimitMiddleware:
    """413 when ``Content-Length`` or the streamed body exceeds ``max_bytes``.

    Checked on the declared length first, then counted as the body streams in, so a client
    cannot make the server hold more than ``max_bytes`` of body in memory. While streaming, the
    error is raised inside the app, whose error handler renders it.
    """

    def __init__(self, app, max_bytes: int, on_error=None):
        self.app = app
        self.max_bytes = max_bytes
        self.on_error = on_error

    def _error(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"The request body is over the {self.max_bytes / 1e6:.1f} MB limit; the image "
            f"itself may be at most about {self.max_bytes * 3 / 4 / 1e6:.1f} MB. Downscale it "
            f"(for example to {UPLOAD_MAX_SIDE} px, JPEG) and try again."
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            error = self._error()
            if self.on_error is not None:  # the app's error handler never sees this one
                self.on_error(error.code)
            body = json.dumps(error.to_dict()).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return

        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._error()
            return message

        await self.app(scope, limited_receive, send)
