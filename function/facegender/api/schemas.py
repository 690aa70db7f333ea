"""Request and reply schemas of the HTTP API (documentation and request validation)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from ..formats import FORMAT_NAMES, LABELS
from ..settings import MAX_FACES_LIMIT


class PredictRequest(BaseModel):
    """``POST /v1/predict`` as JSON."""

    model_config = ConfigDict(extra="forbid")

    image: StrictStr = Field(
        min_length=1,
        description="The image file, base64-encoded, or a data URL "
                    f"('data:image/jpeg;base64,...'). {LABELS}.",
    )
    include_crops: StrictBool = Field(
        False, description="Add each face's 100x100 model input and its eigenface "
                           "reconstruction as base64 PNGs.")
    max_faces: StrictInt | None = Field(
        None, ge=1, le=MAX_FACES_LIMIT,
        description="Classify at most this many faces, largest first (default 20).")


class Box(BaseModel):
    x: int
    y: int
    width: int
    height: int


class RelativeBox(BaseModel):
    left: float
    top: float
    width: float
    height: float


class Face(BaseModel):
    box: Box = Field(description="Pixels of the upright (EXIF-corrected) image.")
    box_relative: RelativeBox = Field(description="The box as fractions of the image size.")
    gender: Literal["female", "male"] = Field(
        description="The model's guess of apparent, binary gender presentation; "
                    "not a statement about anyone's identity.")
    confidence: float = Field(ge=0, le=1, description="Calibrated probability of `gender`.")
    probabilities: dict[str, float]
    crop_png: str | None = Field(None, description="Base64 PNG, only with include_crops.")
    eigenface_png: str | None = Field(None, description="Base64 PNG, only with include_crops.")


class ImageInfo(BaseModel):
    width: int
    height: int
    format: Literal[FORMAT_NAMES]
    orientation_applied: bool


class ModelInfo(BaseModel):
    version: str


class Timings(BaseModel):
    decode: float = Field(description="Validate and decode the image, in ms.")
    detect: float = Field(description="Find the faces, their eyes, and crop them, in ms.")
    classify: float = Field(description="Feature channels, SVM and calibration, in ms.")
    total: float


class PredictResponse(BaseModel):
    faces: list[Face]
    image: ImageInfo
    model: ModelInfo
    timings_ms: Timings


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, machine-readable error code.")
    message: str = Field(description="What went wrong and how to fix it.")


class ErrorResponse(BaseModel):
    error: ErrorBody


class ImageFormatOut(BaseModel):
    name: str = Field(description="The format's name in replies (`image.format`).")
    label: str = Field(description="How messages spell it.")
    media_types: list[str] = Field(description="Content types a raw request body may carry.")
    suffixes: list[str] = Field(description="File name endings.")


class Formats(BaseModel):
    formats: list[ImageFormatOut]


class Health(BaseModel):
    status: Literal["ok"]
    model_loaded: bool
    model_version: str
