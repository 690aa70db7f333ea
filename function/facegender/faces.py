"""From a grayscale photo to model inputs: detect, find the eyes, crop. Written once.

The service, training and the tests all call :func:`find_faces` with the
:class:`Preprocessing` a model was trained with (read back from its card), so a face is found,
framed and normalised the same way everywhere. Detection, every pass of it, is
:func:`facegender.detection.detect_faces`; this module only finds the eyes and crops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .artifact import strict_dataclass
from .cascades import Cascades, shared_cascades
from .detection import Detection, DetectorParams, detect_faces
from .eyes import Eyes, EyeSearch, find_eyes
from .geometry import Box, turn_about
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
        """Every value must be present: a code default never changes a trained model (the
        detector's knobs added after a card was written excepted: see
        :meth:`DetectorParams.from_dict`)."""
        return cls(DetectorParams.from_dict(data["detector"]),
                   strict_dataclass(EyeSearch, data["eye_search"]),
                   strict_dataclass(CropParams, data["crop"]))


class FoundFace(NamedTuple):
    """One face: its box in the photo, the eyes its crop is aligned on, and the crop.

    ``crop`` has shape (FACE_SIZE, FACE_SIZE), dtype float32, values in [0, 1].
    """

    box: Box
    eyes: Eyes | None
    crop: np.ndarray


def find_faces(gray: np.ndarray, preprocessing: Preprocessing, *,
               max_faces: int | None = None, cascades: Cascades | None = None) -> list[FoundFace]:
    """Every face in a grayscale photo, in :func:`facegender.detection.detect_faces`'s order,
    ready for the model.

    An upright face's crop is aligned on the eyes the eye cascade finds in its box (when the
    crop aligns eyes). A tilted face's crop is always aligned: on the eyes that confirmed it,
    or where the crop expects them in a box turned with the face when the second cascade
    confirmed it (which makes the crop the face box, turned upright).

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    preprocessing : Preprocessing
        The model's: detector, eye search and crop settings.
    max_faces : int, optional
        Keep the first this many (the eye search and the crop run only for those).
    cascades : Cascades, optional
        Lent by :func:`facegender.cascades.shared_cascades` by default.

    Returns
    -------
    list of FoundFace
        No face is an empty list.
    """
    if cascades is None:
        with shared_cascades() as cascades:
            return find_faces(gray, preprocessing, max_faces=max_faces, cascades=cascades)
    crop = preprocessing.crop
    detections = detect_faces(gray, preprocessing.detector, eye_search=preprocessing.eye_search,
                              cascades=cascades)
    found = []
    for detection in detections[:max_faces]:
        if detection.angle:
            eyes = detection.eyes or _expected_eyes(detection, crop)
        elif crop.align_eyes:
            eyes = find_eyes(gray, detection.box, preprocessing.eye_search, cascade=cascades.eye)
        else:
            eyes = None
        found.append(FoundFace(detection.box, eyes, crop_face(gray, detection.box, crop, eyes)))
    return found


def _expected_eyes(face: Detection, crop: CropParams) -> Eyes:
    """Where an upright face's eyes sit in its square (the crop's targets), turned with a
    tilted face."""
    half = crop.eye_span * face.side / 2
    y = face.centre[1] + (crop.eye_height - 0.5) * face.side
    back = turn_about(face.centre, -face.angle)
    return Eyes(*(tuple(float(v) for v in back @ (x, y, 1.0))
                  for x in (face.centre[0] - half, face.centre[0] + half)))
