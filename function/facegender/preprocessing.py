"""Face preprocessing: the one function that turns a detected box into a model input.

Training and serving both call :func:`crop_face` with the parameters recorded in the model
artifact, so a face is framed, resized and normalised the same way in both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from .detection import Box

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
    """

    margin: float = 0.0
    normalization: str = "none"

    def __post_init__(self):
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"normalization must be one of {', '.join(NORMALIZATIONS)}; "
                f"got {self.normalization!r}"
            )

    def to_dict(self) -> dict:
        return asdict(self)


def crop_face(gray: np.ndarray, box: Box, params: CropParams = CropParams()) -> np.ndarray:
    """Cut one face out of a grayscale image and make it a model input.

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    box : Box
        In ``gray``'s pixel coordinates.
    params : CropParams

    Returns
    -------
    ndarray of shape (FACE_SIZE, FACE_SIZE), dtype float32
        Values in [0, 1]. Where the framed box leaves the image, edge pixels are repeated.
    """
    x, y, w, h = box
    grow_x, grow_y = round(w * params.margin), round(h * params.margin)
    x0, y0, x1, y1 = x - grow_x, y - grow_y, x + w + grow_x, y + h + grow_y
    height, width = gray.shape[:2]
    patch = gray[max(0, y0):min(height, y1), max(0, x0):min(width, x1)]
    if patch.size == 0:
        raise ValueError(f"The box {tuple(box)} lies outside the {width}x{height} image")
    if (x0, y0, x1, y1) != (max(0, x0), max(0, y0), min(width, x1), min(height, y1)):
        patch = cv2.copyMakeBorder(
            patch, max(0, -y0), max(0, y1 - height), max(0, -x0), max(0, x1 - width),
            cv2.BORDER_REPLICATE,
        )
    shrinking = patch.shape[0] > FACE_SIZE
    face = cv2.resize(
        patch, (FACE_SIZE, FACE_SIZE),
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC,
    )
    if params.normalization == "equalize":
        face = cv2.equalizeHist(face)
    elif params.normalization == "clahe":
        face = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4)).apply(face)
    return face.astype(np.float32) / np.float32(255.0)


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

