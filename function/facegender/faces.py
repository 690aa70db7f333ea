"""From a grayscale photo to model inputs: detect, find the eyes, crop. Written once.

The service, training and the tests all call :func:`find_faces` with the
:class:`Preprocessing` a model was trained with (read back from its card), so a face is found,
framed and normalised the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from .artifact import strict_dataclass
from .detection import Box, DetectorParams, detect_faces, load_cascade
from .eyes import EYE_CASCADE_FILE, Eyes, EyeSearch, find_eyes
from .preprocessing import CropParams, crop_face


@dataclass(frozen=True)
class Preprocessing:
    """Everything between the decoded photo and a model input, as the model card records it."""

    detector: DetectorParams = DetectorParams()
    eye_search: EyeSearch = EyeSearch()
    crop: CropParams = CropParams()

    def to_dict(self) -> dict:
        return {"detector": self.detector.to_dict(), "eye_search": self.eye_search.to_dict(),
                "crop": self.crop.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessing":
        """Every value must be present: a code default never changes a trained model."""
        return cls(strict_dataclass(DetectorParams, data["detector"]),
                   strict_dataclass(EyeSearch, data["eye_search"]),
                   strict_dataclass(CropParams, data["crop"]))


class Cascades(NamedTuple):
    """The Haar cascades one search uses. ``CascadeClassifier`` keeps scratch state inside the
    object, so two searches running at the same time must not share one."""

    face: cv2.CascadeClassifier
    eye: cv2.CascadeClassifier


def load_cascades() -> Cascades:
    """This thread's cascades (see :func:`facegender.detection.load_cascade`)."""
    return Cascades(load_cascade(), load_cascade(EYE_CASCADE_FILE))


class FoundFace(NamedTuple):
    """One face: its box in the photo, the eyes its crop is aligned on, and the crop.

    ``crop`` has shape (FACE_SIZE, FACE_SIZE), dtype float32, values in [0, 1].
    """

    box: Box
    eyes: Eyes | None
    crop: np.ndarray


def find_faces(gray: np.ndarray, preprocessing: Preprocessing, *,
               max_faces: int | None = None, cascades: Cascades | None = None) -> list[FoundFace]:
    """Every face in a grayscale photo, largest first, ready for the model.

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    preprocessing : Preprocessing
        The model's: detector, eye search and crop settings.
    max_faces : int, optional
        Keep the largest this many (the eye search and the crop run only for those).
    cascades : Cascades, optional
        Defaults to this thread's.

    Returns
    -------
    list of FoundFace
        No face is an empty list.
    """
    cascades = cascades or load_cascades()
    boxes = detect_faces(gray, preprocessing.detector, cascade=cascades.face)[:max_faces]
    found = []
    for box in boxes:
        eyes = (find_eyes(gray, box, preprocessing.eye_search, cascade=cascades.eye)
                if preprocessing.crop.align_eyes else None)
        found.append(FoundFace(box, eyes, crop_face(gray, box, preprocessing.crop, eyes)))
    return found
