"""Dependencies the routes receive, so tests can swap them (``app.dependency_overrides``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..service import FaceService
from ..settings import Settings


def get_service(request: Request) -> FaceService:
    return request.app.state.service


def get_settings(request: Request) -> Settings:
    return request.app.state.service.settings


ServiceDep = Annotated[FaceService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
