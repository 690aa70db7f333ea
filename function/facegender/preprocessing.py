"""Face preprocessing: the one function that turns a detected face into a model input.

:func:`facegender.faces.find_faces` calls :func:`crop_face` with the parameters recorded in the
model artifact, for training and serving alike, so a face is framed, resized and normalised the
same way in both.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from .eyes import Eyes
from .geometry import Box, turn_about

#: Side of the square face image the model sees.
FACE_SIZE = 100
NORMALIZATIONS = ("none", "equalize", "clahe")


@dataclass(frozen=True)
class CropParams:
    """How a face box becomes a ``FACE_SIZE`` x ``FACE_SIZE`` image.

    margin : grow the box by this fraction of its width on every side (negative shrinks);
        the Haar box stops at the brows and chin, a little context helps the classifier.
    normalization : photometric normalisation of the crop: ``"none"``, ``"equalize"``
        (global histogram equalisation) or ``"clahe"`` (contrast-limited, local).
    align_eyes : rotate and scale the crop so the eyes land on fixed points, where the eye
        cascade finds them (see :mod:`facegender.eyes`); the box crop otherwise.
    eye_height, eye_span : where an aligned crop puts the eyes: height of the eye line and
        distance between the eyes, as fractions of the frame's side. The defaults are their
        average place in the frontal-face cascade's box (measured on 465 training faces), so
        an aligned crop frames a face like the plain box crop on average.
    clahe_clip, clahe_tiles : ``cv2.createCLAHE(clipLimit, (tiles, tiles))`` for ``"clahe"``.
    """

    margin: float = 0.0
    normalization: str = "none"
    align_eyes: bool = False
    eye_height: float = 0.364
    eye_span: float = 0.397
    clahe_clip: float = 2.0
    clahe_tiles: int = 4

    def __post_init__(self):
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"normalization must be one of {', '.join(NORMALIZATIONS)}; "
                f"got {self.normalization!r}"
            )

    def to_dict(self) -> dict:
        return asdict(self)


def crop_face(gray: np.ndarray, box: Box, params: CropParams = CropParams(),
              eyes: Eyes | None = None) -> np.ndarray:
    """Cut one face out of a grayscale image and make it a model input.

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    box : Box
        In ``gray``'s pixel coordinates.
    params : CropParams
    eyes : Eyes, optional
        When given, the crop is rotated and scaled so the eyes sit level at
        ``params.eye_height``, ``params.eye_span`` apart (of the box grown by the margin);
        without them the crop is the box grown by the margin.

    Returns
    -------
    ndarray of shape (FACE_SIZE, FACE_SIZE), dtype float32
        Values in [0, 1]. Where the frame leaves the image, edge pixels are repeated.
    """
    x, y, w, h = box
    height, width = gray.shape[:2]
    if w <= 0 or h <= 0 or x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise ValueError(f"The box {tuple(box)} lies outside the {width}x{height} image")
    if eyes:
        face = _eye_aligned(gray, box, eyes, params)
    else:
        face = _box_crop(gray, box, params.margin)
    if params.normalization == "equalize":
        face = cv2.equalizeHist(face)
    elif params.normalization == "clahe":
        tiles = (params.clahe_tiles, params.clahe_tiles)
        face = cv2.createCLAHE(clipLimit=params.clahe_clip, tileGridSize=tiles).apply(face)
    return from_grey_levels(face)


def from_grey_levels(face: np.ndarray) -> np.ndarray:
    """8-bit grey levels as a model input: float32 in [0, 1], the exact values
    :func:`crop_face` gives, so a crop sent back as its PNG is the same input again."""
    return np.asarray(face, dtype=np.uint8).astype(np.float32) / np.float32(255.0)


def _box_crop(gray: np.ndarray, box: Box, margin: float) -> np.ndarray:
    x, y, w, h = box
    grow_x, grow_y = round(w * margin), round(h * margin)
    x0, y0, x1, y1 = x - grow_x, y - grow_y, x + w + grow_x, y + h + grow_y
    height, width = gray.shape[:2]
    patch = gray[max(0, y0):min(height, y1), max(0, x0):min(width, x1)]
    if (x0, y0, x1, y1) != (max(0, x0), max(0, y0), min(width, x1), min(height, y1)):
        patch = cv2.copyMakeBorder(
            patch, max(0, -y0), max(0, y1 - height), max(0, -x0), max(0, x1 - width),
            cv2.BORDER_REPLICATE,
        )
    shrinking = patch.shape[0] > FACE_SIZE
    return cv2.resize(
        patch, (FACE_SIZE, FACE_SIZE),
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC,
    )


def _eye_aligned(gray: np.ndarray, box: Box, eyes: Eyes, params: CropParams) -> np.ndarray:
    (lx, ly), (rx, ry) = eyes
    margin = params.margin
    frame = 1 + 2 * margin
    target_span = FACE_SIZE * params.eye_span / frame
    target_height = FACE_SIZE * (params.eye_height + margin) / frame
    scale = target_span / max(math.hypot(rx - lx, ry - ly), 1e-6)
    angle = math.degrees(math.atan2(ry - ly, rx - lx))
    centre = ((lx + rx) / 2, (ly + ry) / 2)
    source = gray
    if scale < 1:
        # Shrink the face's neighbourhood with area averaging first, as the box crop does:
        # warpAffine alone would sample every few pixels and alias.
        x, y, w, h = box
        reach = math.ceil(w * (1 + margin))
        x0, y0 = max(0, x - reach), max(0, y - reach)
        region = gray[y0:y + h + reach, x0:x + w + reach]
        size = (max(1, round(region.shape[1] * scale)), max(1, round(region.shape[0] * scale)))
        source = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
        fx, fy = size[0] / region.shape[1], size[1] / region.shape[0]
        centre = ((centre[0] - x0) * fx, (centre[1] - y0) * fy)
        scale /= fx
    matrix = turn_about(centre, angle, scale, onto=(FACE_SIZE / 2, target_height))
    return cv2.warpAffine(
        source, matrix, (FACE_SIZE, FACE_SIZE),
        flags=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def mirror(face: np.ndarray) -> np.ndarray:
    """The face flipped left to right (for augmentation and test-time averaging)."""
    return np.ascontiguousarray(face[..., ::-1])


def to_png_gray(face: np.ndarray) -> bytes:
    """Encode a [0, 1] float image as an 8-bit grayscale PNG."""
    pixels = np.clip(np.rint(np.asarray(face) * 255.0), 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".png", pixels)
    if not ok:  # pragma: no cover - OpenCV only fails here on an empty array
        raise ValueError("Cannot encode the face as PNG")
    return encoded.tobytes()

