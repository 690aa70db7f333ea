"""The FastAPI app: built here, nothing else (routes live in ``routes/``)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from ..errors import NotFound
from ..service import FaceService
from ..settings import Settings, get_settings
from ..telemetry import Telemetry
from .errors import install_error_handlers
from .limits import BodyLimitMiddleware
from .routes import formats, health, limits, model, predict

DESCRIPTION = (
    "Finds faces with OpenCV's Haar cascade and guesses each one's *apparent, binary gender "
    "presentation* with eigenfaces (PCA) and an SVM. The label is what the model learned from "
    "labelled celebrity and UTKFace photos, not a statement about anyone's identity. Images are "
    "processed in memory and never stored or logged."
)
_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_app(
    service: FaceService | None = None,
    *,
    settings: Settings | None = None,
    telemetry: Telemetry | None = None,
) -> FastAPI:
    """Build the app around a loaded service (loaded from ``settings`` when not given).

    Everything else it needs (body limit, CORS origins, the page's folder) is read from
    ``settings``: the service's when only a service is given, else the process's.
    """
    settings = settings or (service.settings if service is not None else get_settings())
    telemetry = telemetry or Telemetry()
    service = service or FaceService.load(settings, telemetry)
    app = FastAPI(title="facegender", version=service.model.version, description=DESCRIPTION,
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.service = service
    app.state.telemetry = telemetry
    install_error_handlers(app, on_error=telemetry.record_error)

    known = []
    for router, prefix in ((health.router, ""), (predict.router, "/v1"), (model.router, "/v1"),
                           (formats.router, "/v1"), (limits.router, "/v1")):
        app.include_router(router, prefix=prefix)
        known += [(compile_path(prefix + route.path)[0], route.methods) for route in router.routes]

    @app.api_route("/v1/{rest:path}", methods=_ALL_METHODS, include_in_schema=False)
    def _unknown(rest: str, request: Request):
        # Keeps static files at "/" from answering API paths: wrong method 405, else 404.
        allowed = {m for pattern, methods in known if pattern.match(request.url.path)
                   for m in methods}
        if allowed:
            # Rendered as method_not_allowed by the error handler, with the Allow header
            # RFC 9110 requires on a 405.
            raise StarletteHTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})
        raise NotFound(f"There is no API endpoint at {request.url.path}.")

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["content-type"])
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       on_error=telemetry.record_error)
    if settings.frontend_dir is not None:
        from fastapi.staticfiles import StaticFiles

        app.mount("/", StaticFiles(directory=settings.frontend_dir, html=True), name="frontend")
    return app
