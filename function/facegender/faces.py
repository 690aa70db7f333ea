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
from .detection import (
    Box, Cascades, DetectorParams, TurnedFace, detection_copy, profile_faces, shared_cascades,
    turned_faces, upright_faces,
)
from .eyes import Eyes, EyeSearch, find_eyes
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

    Upright faces first (:func:`facegender.detection.upright_faces`). Only when there are
    none: the copies turned by each of the detector's ``rotations`` in turn, up to the first in
    which the frontal cascade fires; its faces are kept when the eye cascade finds a plausible
    pair in them or the second frontal cascade agrees. The frontal cascade alone fires on
    textures in turned copies, and confirmations sought at further angles confirmed textures
    too (measured on photos without faces), so the first angle decides. Then, if still nothing,
    the profile cascade.

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    preprocessing : Preprocessing
        The model's: detector, eye search and crop settings.
    max_faces : int, optional
        Keep the largest this many (the eye search and the crop run only for those).
    cascades : Cascades, optional
        Lent by :func:`facegender.detection.shared_cascades` by default.

    Returns
    -------
    list of FoundFace
        No face is an empty list.
    """
    if cascades is None:
        with shared_cascades() as cascades:
            return find_faces(gray, preprocessing, max_faces=max_faces, cascades=cascades)
    detector, crop = preprocessing.detector, preprocessing.crop
    copy = detection_copy(gray, detector)
    boxes = upright_faces(copy, detector, cascades)
    if not boxes:
        for angle in detector.rotations:
            candidates = turned_faces(copy, detector, angle, cascades)
            if candidates:
                found = _confirmed(gray, copy, preprocessing, candidates, cascades)
                if found:
                    return found[:max_faces]
                break
        boxes = profile_faces(copy, detector, cascades)
    found = []
    for box in boxes[:max_faces]:
        eyes = (find_eyes(gray, box, preprocessing.eye_search, cascade=cascades.eye)
                if crop.align_eyes else None)
        found.append(FoundFace(box, eyes, crop_face(gray, box, crop, eyes)))
    return found


def _confirmed(gray, copy, preprocessing: Preprocessing, candidates: list[TurnedFace],
               cascades: Cascades) -> list[FoundFace]:
    """The turned faces that the eyes or the second cascade confirm.

    A confirmed face's crop is aligned on its eyes: the ones found, or where the crop expects
    them in a box turned with the face when only the second cascade confirmed it (which makes
    the crop the face box, turned upright).
    """
    found = []
    for face in candidates:
        eyes = _eyes_of_turned_face(gray, face, preprocessing.eye_search, cascades.eye)
        box = face.box(copy.width, copy.height)
        if (eyes is None and not face.agreed) or box.area == 0:
            continue
        eyes = eyes or _expected_eyes(face, preprocessing.crop)
        found.append(FoundFace(box, eyes, crop_face(gray, box, preprocessing.crop, eyes)))
    return found


def _turn_about(centre, angle: float, to_upright: bool) -> np.ndarray:
    """The 2x3 affine matrix turning points about ``centre`` (counter-clockwise by ``angle``
    degrees when ``to_upright``, back otherwise), as ``cv2.getRotationMatrix2D``."""
    return cv2.getRotationMatrix2D(centre, angle if to_upright else -angle, 1.0)


def _eyes_of_turned_face(gray, face: TurnedFace, search: EyeSearch, cascade) -> Eyes | None:
    """The eye search on the face turned upright, with the eyes mapped back to ``gray``."""
    side = face.side
    size = int(round(2 * side))
    matrix = _turn_about(face.centre, face.angle, to_upright=True)
    matrix[:, 2] += (size / 2 - face.centre[0], size / 2 - face.centre[1])
    patch = cv2.warpAffine(gray, matrix, (size, size), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    start = int(round(size / 2 - side / 2))
    eyes = find_eyes(patch, Box(start, start, int(round(side)), int(round(side))), search,
                     cascade=cascade)
    if eyes is None:
        return None
    back = cv2.invertAffineTransform(matrix)
    return Eyes(*(tuple(float(v) for v in back @ (x, y, 1.0)) for x, y in eyes))


def _expected_eyes(face: TurnedFace, crop: CropParams) -> Eyes:
    """Where an upright face's eyes sit in its box (the crop's targets), turned with the face."""
    half = crop.eye_span * face.side / 2
    y = face.centre[1] + (crop.eye_height - 0.5) * face.side
    back = _turn_about(face.centre, face.angle, to_upright=False)
    return Eyes(*(tuple(float(v) for v in back @ (x, y, 1.0))
                  for x in (face.centre[0] - half, face.centre[0] + half)))
