"""Face detection with OpenCV's Haar cascades: :func:`detect_faces` runs every pass, in order.

The frontal-face cascade (``haarcascade_frontalface_default``) finds most faces. Several
situations defeat a plain ``detectMultiScale`` call, and all are common in this product:

* Large photos: the cascade's cost grows with the pixel count, so detection runs on a copy
  whose longer side is at most ``max_side`` and the boxes are mapped back.
* Faces that fill the frame (tight crops, profile pictures): the detector's window needs some
  context around the face, so when the first pass finds nothing the image is padded on every
  side (edge pixels replicated) and searched again, then with a lower neighbour count, then
  (small images only) at twice the size, then with OpenCV's second frontal cascade
  (``haarcascade_frontalface_alt2``, trained differently: it finds a third of the faces the
  first one misses).
* Tilted heads: copies turned by each of ``rotations`` in turn, up to the first in which the
  frontal cascade fires. Its faces are kept when the eye cascade finds a plausible pair in
  them or the second frontal cascade agrees: the frontal cascade alone fires on textures in
  turned copies, and confirmations sought at further angles confirmed textures too (measured
  on photos without faces), so the first angle decides.
* Turned heads: the profile cascade on the photo and on its mirror image (the cascade knows
  one side), then on a padded copy.

The extra passes run only when the ones before found nothing, so they cannot add false faces
to a photo that has real ones, and a photo with an upright face never pays for them. The
passes themselves are in :mod:`facegender.haar`, the cascades in :mod:`facegender.cascades`.

Every knob lives in :class:`DetectorParams`, and the model artifact records the values it was
trained with, so training and serving detect the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import cv2
import numpy as np

from .artifact import strict_dataclass
from .cascades import Cascades, shared_cascades
from .eyes import Eyes, EyeSearch, find_eyes
from .geometry import Box, turn_about
from .haar import (  # noqa: F401 (upright_faces, profile_faces: for training.detection_ablation)
    DetectionCopy, TurnedFace, detection_copy, first_found, profile_faces, profile_passes,
    turned_faces, upright_faces, upright_passes,
)


@dataclass(frozen=True)
class DetectorParams:
    """Haar cascade settings, in one place.

    scale_factor : step between the scales searched; smaller finds more faces, slower.
    min_neighbors : overlapping hits needed to keep a face; higher means fewer false faces.
    min_size : smallest face searched, in pixels of the (downscaled) detection image.
    min_fraction : smallest face the upright passes search, as a fraction of the detection
        image's shorter side (when larger than ``min_size``); 0 keeps ``min_size`` alone. Most
        of a pass's time goes to the smallest faces (the image is searched at every scale from
        the smallest face up), so 0.2 makes the first pass on a 250 px photo about 4x cheaper,
        and misses every face smaller than that: see ``python -m benchmarks.detection``.
    max_side : the detection image's longer side; larger finds smaller faces, slower.
    pad_fraction : padding added on each side for the second pass, as a fraction of the side.
    padded_min_fraction : smallest face the upright passes on a padded copy search, as a
        fraction of the detection image's shorter side; 0 keeps ``min_size``. Those passes
        are for faces that fill the frame, and the padded copy has 2.6 times the pixels.
    min_weight : cascade confidence (the last stage's level weight) a face needs in the
        first pass; drops the weakest extra hits in group photos.
    fallback_min_neighbors : neighbour count of the looser passes on a padded copy.
    upscale_below : images whose longer side is shorter are also searched at twice the size.
    alt_min_neighbors : neighbour count of the second frontal cascade on the padded copy, the
        last upright pass; 0 skips it.
    rotations : angles (degrees, counter-clockwise) of the turned copies searched, in order,
        when no upright pass found a face.
    turned_min_fraction : smallest face searched in a turned copy, as a fraction of the
        photo's shorter side. Turned copies are searched only when no upright face was found,
        which is a portrait's situation rather than a group photo's; small hits there were
        textures (measured on photos without faces).
    agree_margin, agree_min_side, agree_max_side : how the second frontal cascade confirms a
        face of a turned copy: it searches the face's box grown by ``agree_margin`` of its
        width on every side, for faces from ``agree_min_side`` to ``agree_max_side`` times
        its width.
    profile_min_neighbors, profile_min_weight : the profile cascade's neighbour count and
        confidence, for its passes after the turned ones; a neighbour count of 0 skips them.
    profile_fallback_min_neighbors, profile_min_fraction : the profile cascade's last pass,
        on a padded copy, when the others found nothing: its neighbour count (0 skips it) and
        its smallest face, as a fraction of the shorter side.
    """

    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_size: int = 24
    min_fraction: float = 0.0
    max_side: int = 640
    pad_fraction: float = 0.3
    padded_min_fraction: float = 0.0
    min_weight: float = 1.5
    fallback_min_neighbors: int = 3
    upscale_below: int = 400
    alt_min_neighbors: int = 3
    rotations: tuple[float, ...] = (10.0, -10.0, 20.0, -20.0, 30.0, -30.0)
    turned_min_fraction: float = 0.08
    agree_margin: float = 0.3
    agree_min_side: float = 0.6
    agree_max_side: float = 1.6
    profile_min_neighbors: int = 5
    profile_min_weight: float = 1.5
    profile_fallback_min_neighbors: int = 3
    profile_min_fraction: float = 0.15

    def __post_init__(self):
        # A card read back from JSON gives a list.
        object.__setattr__(self, "rotations", tuple(float(a) for a in self.rotations))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DetectorParams":
        """The detector a model card records. Cards written before a knob existed are read
        with the value the code had then (:data:`KNOBS_ADDED_LATER`); any other missing or
        unknown value is an error."""
        return strict_dataclass(cls, {**KNOBS_ADDED_LATER, **data})


#: Knobs that older model cards lack, with the constant the code used before each was a knob.
KNOBS_ADDED_LATER = {"agree_margin": 0.3, "agree_min_side": 0.6, "agree_max_side": 1.6,
                     "min_fraction": 0.0, "padded_min_fraction": 0.0}


class Detection(NamedTuple):
    """One face :func:`detect_faces` found.

    box : Box
        In the photo's pixels, clipped to it: for a tilted face, the upright square of the
        same centre and side.
    angle : float
        Degrees (counter-clockwise) the photo was turned to find the face; 0 when upright.
    confirmed_by : str
        The pass that found it (``"frontal"``, ``"frontal, padded"``, ``"frontal, padded,
        looser"``, ``"frontal, padded, 2x"``, ``"second frontal, padded"``, ``"profile"``,
        ``"profile, padded"``) or, for a tilted face, what confirmed it: ``"eyes"`` (the eye
        cascade found a plausible pair in the face turned upright) or ``"second frontal"``.
    eyes : Eyes or None
        The eyes that confirmed a tilted face, in the photo's pixels.
    centre, side : the tilted face's square before clipping, in the photo's pixels.
    """

    box: Box
    angle: float = 0.0
    confirmed_by: str = "frontal"
    eyes: Eyes | None = None
    centre: tuple[float, float] | None = None
    side: float | None = None


def detect_faces(
    gray: np.ndarray,
    params: DetectorParams = DetectorParams(),
    *,
    eye_search: EyeSearch = EyeSearch(),
    cascades: Cascades | None = None,
) -> list[Detection]:
    """Find the faces in a grayscale image: upright passes, their fallbacks, turned copies,
    then the profile cascade, each only when the ones before found nothing.

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    params : DetectorParams
    eye_search : EyeSearch
        How the eyes that confirm a tilted face are searched (the model's).
    cascades : Cascades, optional
        Lent by :func:`facegender.cascades.shared_cascades` by default.

    Returns
    -------
    list of Detection
        Largest first (tilted faces: by side). No face is an empty list.
    """
    if cascades is None:
        with shared_cascades() as cascades:
            return detect_faces(gray, params, eye_search=eye_search, cascades=cascades)
    copy = detection_copy(gray, params)
    how, boxes = first_found(upright_passes(copy, params, cascades))
    if boxes:
        return [Detection(box, 0.0, how) for box in boxes]
    for angle in params.rotations:
        candidates = turned_faces(copy, params, angle, cascades)
        if candidates:
            found = confirmed(gray, copy, candidates, eye_search, cascades)
            if found:
                return found
            break
    how, boxes = first_found(profile_passes(copy, params, cascades))
    return [Detection(box, 0.0, how) for box in boxes]


def confirmed(gray: np.ndarray, copy: DetectionCopy, candidates: list[TurnedFace],
              eye_search: EyeSearch, cascades: Cascades) -> list[Detection]:
    """The candidates of a turned copy that the eyes or the second frontal cascade confirm,
    in their order."""
    found = []
    for face in candidates:
        eyes = _eyes_of_turned_face(gray, face, eye_search, cascades.eye)
        box = face.box(copy.width, copy.height)
        if (eyes is None and not face.agreed) or box.area == 0:
            continue
        found.append(Detection(box, face.angle, "eyes" if eyes else "second frontal", eyes,
                               face.centre, face.side))
    return found


def _eyes_of_turned_face(gray, face: TurnedFace, search: EyeSearch, cascade) -> Eyes | None:
    """The eye search on the face turned upright, with the eyes mapped back to ``gray``."""
    side = face.side
    size = int(round(2 * side))
    matrix = turn_about(face.centre, face.angle, onto=(size / 2, size / 2))
    patch = cv2.warpAffine(gray, matrix, (size, size), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    start = int(round(size / 2 - side / 2))
    eyes = find_eyes(patch, Box(start, start, int(round(side)), int(round(side))), search,
                     cascade=cascade)
    if eyes is None:
        return None
    back = cv2.invertAffineTransform(matrix)
    return Eyes(*(tuple(float(v) for v in back @ (x, y, 1.0)) for x, y in eyes))
