"""The model card, pictures of the model (mean face, eigenfaces), the eigenface explorer's two
calls (the eigenfaces as one binary, the decision on a face with edited weights), and the
occlusion map of a face asked for after its prediction."""

from __future__ import annotations

import re
from functools import lru_cache

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ... import eigenfaces
from ...errors import NotFound
from ...model import FaceModel
from ...preprocessing import to_png_gray
from ..bodies import json_only, media_type_of
from ..deps import ServiceDep
from ..schemas import (BODY_ERRORS, DecideRequest, DecideResponse, ErrorResponse, ExplainRequest,
                       ExplainResponse)

router = APIRouter(prefix="/model", tags=["model"])
PNG = {"content": {"image/png": {}}, "description": "A 100x100 grayscale PNG."}
BINARY = {
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    "description": (
        "Little-endian: 4 bytes 'FGEF'; uint16 format version (1), k, width, height; float32 "
        "scale[k] (the pixel change one unit of eigenface weight makes along each eigenface); "
        "float32 mean face[height*width] (grey levels in [0, 1], row by row); float32 "
        "eigenfaces[k][height*width] (each of unit length). A face is the mean plus "
        "sum(weight[i] * scale[i] * eigenface[i]) plus what later eigenfaces add."),
}
_DECIDE_EXAMPLE = '{"eigenface_weights": [0.5, -1.2], "crop_png": "<crop_png from /v1/predict>"}'
_EXPLAIN_EXAMPLE = '{"crop_png": "<crop_png from /v1/predict>"}'


def _json_body(schema) -> dict:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema.model_json_schema()}}}}


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


@router.get("/eigenfaces.bin", response_class=Response, responses={200: BINARY})
def eigenfaces_binary(service: ServiceDep) -> Response:
    """The mean face and the first eigenfaces with their scale, for rebuilding faces in a page.

    A face's weights on them are `eigenface_weights` in a `/v1/predict` reply (with
    `include_crops`); moving weight i from a to b adds `(b - a) * scale[i] * eigenface[i]`
    to its picture.
    """
    return Response(_eigenfaces_bin(service.model), media_type="application/octet-stream",
                    headers={"Cache-Control": "public, max-age=86400",
                             "ETag": f'"{service.model.version}"'})


@router.post("/decide", response_model=DecideResponse, responses=BODY_ERRORS,
             openapi_extra=_json_body(DecideRequest))
async def decide(request: Request, service: ServiceDep) -> dict:
    """The calibrated probability of one face with its first eigenface weights edited.

    Send the face's `crop_png` from `/v1/predict` (or nothing, for the mean face) and its
    first eigenface weights as edited. The server stores nothing, so the face travels with
    every request: the pixels channel sees the face with the edit (and its mirror image,
    edited the same way, for the mirror average); every other channel sees the face as it
    was, and its mirror.
    """
    options = json_only(media_type_of(request.headers), await request.body(), DecideRequest,
                        _DECIDE_EXAMPLE)
    return await run_in_threadpool(service.classify_edited, options.crop_png,
                                   options.eigenface_weights)


@router.post("/explain", response_model=ExplainResponse, responses=BODY_ERRORS,
             openapi_extra=_json_body(ExplainRequest))
async def explain(request: Request, service: ServiceDep) -> dict:
    """The occlusion map of one face, for a page that asks only when someone wants to know why.

    Send the face's `crop_png` from `/v1/predict` (with `include_crops`). The reply's
    `explanation` is the one `include_explanation` gives that face in `/v1/predict` (the crop
    is the model's input itself), with the face's `gender`, `confidence` and `probabilities`.
    A map costs about 0.2 s of server time (100 occluded copies and their mirrors through the
    whole model), so asking for it per face, when wanted, keeps every photo's answer fast.
    """
    options = json_only(media_type_of(request.headers), await request.body(), ExplainRequest,
                        _EXPLAIN_EXAMPLE)
    return await run_in_threadpool(service.explain, options.crop_png)


@lru_cache(maxsize=4)
def _eigenfaces_bin(model: FaceModel) -> bytes:
    return eigenfaces.eigenfaces_bin(model)


@lru_cache(maxsize=4)
def _mean_face_png(model: FaceModel) -> bytes:
    return to_png_gray(eigenfaces.mean_face(model))


@lru_cache(maxsize=256)
def _eigenface_png(model: FaceModel, index: int) -> bytes:
    return to_png_gray(eigenfaces.eigenface(model, index))


def _png(data: bytes, version: str) -> Response:
    return Response(data, media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400", "ETag": f'"{version}"'})
