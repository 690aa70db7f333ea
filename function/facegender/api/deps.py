"""Dependencies the routes receive, so tests can swap them (``app.dependency_overrides``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..service import FaceService


def get_service(request: Request) -> FaceService:
    return request.app.state.service


ServiceDep = Annotated[FaceService, Depends(get_service)]
