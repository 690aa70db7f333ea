"""Request and reply schemas of the HTTP API (documentation and request validation)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from ..explain import LABEL_COLOURS, REGIONS
from ..formats import FORMAT_NAMES, LABELS
from ..settings import DEFAULT_MAX_EXPLAINED_FACES, DEFAULT_MAX_FACES, MAX_FACES_LIMIT

_EXPLAINED = (f"the largest faces ({DEFAULT_MAX_EXPLAINED_FACES} by default: "
              "FACEGENDER_MAX_EXPLAINED_FACES)")
_COLOURS = ", ".join(f"{label} {colour}" for label, colour in LABEL_COLOURS.items())
#: max_faces as the JSON body and the query string describe it (FaceService checks the range).
MAX_FACES_TEXT = (f"Classify at most this many faces, largest first: 1 to {MAX_FACES_LIMIT} "
                  f"(default {DEFAULT_MAX_FACES}: FACEGENDER_MAX_FACES).")


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
                           "reconstruction as base64 PNGs, and its first eigenface weights.")
    include_explanation: StrictBool = Field(
        False, description="Add an occlusion map of what moved the decision to each of "
                           f"{_EXPLAINED}; about 0.2 s of server time a face. Implies "
                           "include_crops. To "
                           "explain one face only when wanted, send its crop_png to POST "
                           "/v1/model/explain instead.")
    max_faces: StrictInt | None = Field(None, description=MAX_FACES_TEXT)


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


class Region(BaseModel):
    region: Literal[REGIONS] = Field(
        description="A band of the eye-aligned crop, placed relative to its eye line.")
    push: Literal["female", "male"] = Field(
        description="The label hiding this region's patches moved the probability away from.")
    weight: float = Field(ge=0, le=1, description="Share of the whole map's change.")


class Explanation(BaseModel):
    method: str = Field(description="How the map was computed, in one sentence.")
    map_png: str = Field(
        description="Base64 RGBA PNG, 100x100, aligned with crop_png: each patch in the colour "
                    f"of the label it pushed toward ({_COLOURS}), as opaque "
                    "as its effect is large next to the map's largest.")
    top_regions: list[Region] = Field(description="At most 3, largest push first.")
    patch_effects: list[list[float]] = Field(
        description="10x10 grid, row by row: the calibrated probability of 'male' with the "
                    "face whole minus with that 10x10 px patch hidden (positive: the patch "
                    "pushed toward male, negative: toward female).")


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
    eigenface_weights: list[float] | None = Field(
        None, description="The face's weights on the first eigenfaces of "
                          "/v1/model/eigenfaces.bin, in standard deviations of the training "
                          "faces; only with include_crops.")
    explanation: Explanation | None = Field(
        None, description=f"What moved the decision, only with include_explanation (for "
                          f"{_EXPLAINED}; POST /v1/model/explain gives the same for one "
                          "crop). It shows what the model looks at, not evidence about the "
                          "person.")


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
    explain: float | None = Field(None, description="The occlusion maps, in ms; only with "
                                                    "include_explanation.")
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


#: The error replies of a route that reads a request body (OpenAPI ``responses``).
BODY_ERRORS = {status: {"model": ErrorResponse} for status in (400, 413, 415, 422)}


class ImageFormatOut(BaseModel):
    name: str = Field(description="The format's name in replies (`image.format`).")
    label: str = Field(description="How messages spell it.")
    media_types: list[str] = Field(description="Content types a raw request body may carry.")
    suffixes: list[str] = Field(description="File name endings.")


class Formats(BaseModel):
    formats: list[ImageFormatOut]


class MaxFaces(BaseModel):
    default: int = Field(description="Faces classified when a request does not say.")
    minimum: int
    maximum: int


class Limits(BaseModel):
    max_faces: MaxFaces = Field(description="The max_faces option of POST /v1/predict.")
    max_image_bytes: int = Field(description="The largest image, in bytes (413 above it).")
    max_pixels: int = Field(description="The most pixels an image may have (413 above it).")
    upload_max_side: int = Field(
        description="The longest side, in pixels, a client should shrink a photo to before "
                    "sending it: detection needs less, and it keeps uploads small.")
    eigenfaces_shown: int = Field(
        description="How many eigenfaces eigenface_weights and /v1/model/eigenfaces.bin have.")
    max_explained_faces: int = Field(
        description="Faces of one /v1/predict reply that get an explanation, the largest.")
    label_colours: dict[str, str] = Field(
        description="The colour of each label as '#rrggbb': explanation maps are drawn in them.")


class Health(BaseModel):
    status: Literal["ok"]
    model_loaded: bool
    model_version: str


class DecideRequest(BaseModel):
    """``POST /v1/model/decide``."""

    model_config = ConfigDict(extra="forbid")

    eigenface_weights: list[Annotated[float, Field(ge=-50, le=50, allow_inf_nan=False,
                                                   strict=True)]] = Field(
        min_length=1, max_length=1000,
        description="The face's first eigenface weights as edited, in the units of "
                    "eigenface_weights in a /v1/predict reply (at most the model's number of "
                    "eigenfaces, each between -50 and 50).")
    crop_png: StrictStr | None = Field(
        None, min_length=1, max_length=200_000,
        description="The face: crop_png from a /v1/predict reply (a 100x100 image, base64). "
                    "Without it, the face is the mean face.")


class Decision(BaseModel):
    """The model's answer for one face, as in a /v1/predict face."""

    gender: Literal["female", "male"] = Field(
        description="The model's guess of apparent, binary gender presentation for the face; "
                    "not a statement about anyone's identity.")
    confidence: float = Field(ge=0, le=1, description="Calibrated probability of `gender`.")
    probabilities: dict[str, float]
    model: ModelInfo


class DecideResponse(Decision):
    """The answer for the face with its eigenface weights edited."""


class ExplainRequest(BaseModel):
    """``POST /v1/model/explain``."""

    model_config = ConfigDict(extra="forbid")

    crop_png: StrictStr = Field(
        min_length=1, max_length=200_000,
        description="The face: crop_png from a /v1/predict reply (a 100x100 image, base64).")


class ExplainResponse(Decision):
    explanation: Explanation = Field(
        description="The same object as a face's explanation in /v1/predict with "
                    "include_explanation. It shows what the model looks at, not evidence "
                    "about the person.")
