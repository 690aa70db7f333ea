"""Eye location inside a face box, with OpenCV's eye Haar cascade, to align face crops.

The frontal-face cascade's box is a loose frame: across training faces the eye centres wander
by about 3.5% of the box width around their mean position inside it, and the box ignores
in-plane tilt. Eigenfaces compare faces pixel by pixel, so a crop framed on the eyes is a
better model input (+1.2 points of grouped cross-validated accuracy, +3.6 on UTKFace faces over
13, measured with ``python -m training.ablation``). The eye cascade finds a plausible pair in
about 80% of faces; for the rest the crop falls back to the face box.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import cv2
import numpy as np

from .cascades import shared_cascades
from .geometry import Box


@dataclass(frozen=True)
class EyeSearch:
    """Where and how the eye cascade looks; the model's crops depend on every value.

    band_top, band_bottom : the band of the face box searched, as fractions of its height.
    search_width : the face box is resized to this width first, so eyes span about 20-30 px,
        just above the cascade's 20 px window.
    scale_factor, min_neighbors, min_eye, max_eye : the ``detectMultiScale`` settings.
    min_span, max_span, max_slope : a pair is plausible when the eyes are this far apart
        (fractions of the box width) and nearly level (|dy| < max_slope * dx).
    typical_span, typical_height : among plausible pairs, the one nearest this span and eye-line
        height (fractions of the box) wins.
    """

    band_top: float = 0.15
    band_bottom: float = 0.6
    search_width: int = 120
    scale_factor: float = 1.15
    min_neighbors: int = 2
    min_eye: int = 14
    max_eye: int = 48
    min_span: float = 0.25
    max_span: float = 0.6
    max_slope: float = 0.2
    typical_span: float = 0.4
    typical_height: float = 0.38

    def to_dict(self) -> dict:
        return asdict(self)


class Eyes(NamedTuple):
    """Eye centres in image pixels: ``left`` is the one on the image's left."""

    left: tuple[float, float]
    right: tuple[float, float]


def find_eyes(gray: np.ndarray, box: Box, search: EyeSearch = EyeSearch(), *,
              cascade: cv2.CascadeClassifier | None = None) -> Eyes | None:
    """Find the pair of eyes inside a face box.

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    box : Box
        A face box in ``gray``'s pixel coordinates.
    search : EyeSearch
    cascade : cv2.CascadeClassifier, optional
        The eye cascade; lent by :func:`facegender.cascades.shared_cascades` by default.

    Returns
    -------
    Eyes or None
        ``None`` when no plausible pair is found (closed eyes, glasses glare, a turned head).
    """
    if cascade is None:
        with shared_cascades() as cascades:
            return find_eyes(gray, box, search, cascade=cascades.eye)
    x, y, w, h = box
    top = y + int(search.band_top * h)
    band = gray[top:y + int(search.band_bottom * h), x:x + w]
    if band.size == 0 or w < 8:
        return None
    scale = search.search_width / w
    band = cv2.resize(band, None, fx=scale, fy=scale,
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    found = cascade.detectMultiScale(
        band, search.scale_factor, search.min_neighbors,
        minSize=(search.min_eye, search.min_eye), maxSize=(search.max_eye, search.max_eye),
    )
    # Sorted, so that ties between equally plausible pairs do not depend on the cascade's
    # output order (which can change with OpenCV's thread count).
    centres = sorted((float(x + (ex + ew / 2) / scale), float(top + (ey + eh / 2) / scale))
                     for ex, ey, ew, eh in np.reshape(found, (-1, 4)))
    middle = x + w / 2
    best, best_score = None, float("inf")
    for left in (c for c in centres if c[0] < middle):
        for right in (c for c in centres if c[0] >= middle):
            dx, dy = right[0] - left[0], right[1] - left[1]
            if not (search.min_span * w < dx < search.max_span * w
                    and abs(dy) < search.max_slope * dx):
                continue
            score = (abs(dx - search.typical_span * w)
                     + abs((left[1] + right[1]) / 2 - (y + search.typical_height * h)))
            if score < best_score:
                best, best_score = Eyes(left, right), score
    return best
