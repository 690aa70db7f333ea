"""The model card and pictures of the model: mean face and eigenfaces."""

from __future__ import annotations

import re
from functools import lru_cache

from fastapi import APIRouter, Response

from ...errors import NotFound
from ...model import FaceModel
from ...preprocessing import to_png_gray
from ..deps import ServiceDep
from ..schemas import ErrorResponse

router = APIRouter(prefix="/model", tags=["model"])
PNG = {"content": {"image/png": {}}, "description": "A 100x100 grayscale PNG."}


@router.get("", summary="The model card")
def model_card(service: ServiceDep) -> dict:
    """Version, training data, parameters, metrics by group, intended use and limits."""
    return service.model.card


@router.get("/mean-face.png", response_class=Response, responses={200: PNG})
def mean_face(service: ServiceDep) -> Response:
    """The mean face the model subtracts before projecting."""
    return _png(_mean_face_png(service.model), service.model.version)


@router.get("/eigenfaces/{name}", response_class=Response,
            responses={200: PNG, 404: {"model": ErrorResponse}})
def eigenface(name: str, service: ServiceDep) -> Response:
    """Eigenface ``i`` (``/v1/model/eigenfaces/0.png`` is the first, the most variance)."""
    model = service.model
    stem = name.removesuffix(".png")
    if not re.fullmatch(r"[0-9]{1,4}\.png", name) or int(stem) >= model.n_components:
        raise NotFound(f"There are {model.n_components} eigenfaces: ask for "
                       f"/v1/model/eigenfaces/0.png to {model.n_components - 1}.png.")
    return _png(_eigenface_png(model, int(stem)), model.version)


@lru_cache(maxsize=4)
def _mean_face_png(model: FaceModel) -> bytes:
    return to_png_gray(model.mean_face())


@lru_cache(maxsize=256)
def _eigenface_png(model: FaceModel, index: int) -> bytes:
    return to_png_gray(model.eigenface(index))


def _png(data: bytes, version: str) -> Response:
    return Response(data, media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400", "ETag": f'"{version}"'})
