"""Eye location inside a face box, with OpenCV's eye Haar cascade, to align face crops.

The frontal-face cascade's box is a loose frame: across training faces the eye centres wander
by about 3.5% of the box width around their mean position inside it, and the box ignores
in-plane tilt. Eigenfaces compare faces pixel by pixel, so a crop framed on the eyes is a
better model input (+1 point of grouped cross-validated accuracy, measured with
``python -m training.ablation``). The eye cascade finds a plausible pair in about 80% of faces;
for the rest the crop falls back to the face box.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .detection import Box, load_cascade

EYE_CASCADE_FILE = "haarcascade_eye.xml"

# The search: the band of the face box where eyes lie, resized so the face is SEARCH_WIDTH
# pixels wide (eyes then span about 20-30 px, just above the cascade's 20 px window).
_BAND_TOP, _BAND_BOTTOM = 0.15, 0.6
_SEARCH_WIDTH = 120
_SCALE_FACTOR, _MIN_NEIGHBORS = 1.15, 2
_MIN_EYE, _MAX_EYE = 14, 48
# A pair is plausible when the eyes are this far apart (fraction of the box width) and
# nearly level; among plausible pairs the one nearest the typical position wins.
_MIN_SPAN, _MAX_SPAN, _MAX_SLOPE = 0.25, 0.6, 0.2
_TYPICAL_SPAN, _TYPICAL_HEIGHT = 0.4, 0.38


class Eyes(NamedTuple):
    """Eye centres in image pixels: ``left`` is the one on the image's left."""

    left: tuple[float, float]
    right: tuple[float, float]


def find_eyes(gray: np.ndarray, box: Box) -> Eyes | None:
    """Find the pair of eyes inside a face box.

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    box : Box
        A face box in ``gray``'s pixel coordinates.

    Returns
    -------
    Eyes or None
        ``None`` when no plausible pair is found (closed eyes, glasses glare, a turned head).
    """
    x, y, w, h = box
    top = y + int(_BAND_TOP * h)
    band = gray[top:y + int(_BAND_BOTTOM * h), x:x + w]
    if band.size == 0 or w < 8:
        return None
    scale = _SEARCH_WIDTH / w
    band = cv2.resize(band, None, fx=scale, fy=scale,
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    found = load_cascade(EYE_CASCADE_FILE).detectMultiScale(
        band, _SCALE_FACTOR, _MIN_NEIGHBORS,
        minSize=(_MIN_EYE, _MIN_EYE), maxSize=(_MAX_EYE, _MAX_EYE),
    )
    centres = [(float(x + (ex + ew / 2) / scale), float(top + (ey + eh / 2) / scale))
               for ex, ey, ew, eh in np.reshape(found, (-1, 4))]
    middle = x + w / 2
    best, best_score = None, float("inf")
    for left in (c for c in centres if c[0] < middle):
        for right in (c for c in centres if c[0] >= middle):
            dx, dy = right[0] - left[0], right[1] - left[1]
            if not (_MIN_SPAN * w < dx < _MAX_SPAN * w and abs(dy) < _MAX_SLOPE * dx):
                continue
            score = (abs(dx - _TYPICAL_SPAN * w)
                     + abs((left[1] + right[1]) / 2 - (y + _TYPICAL_HEIGHT * h)))
            if score < best_score:
                best, best_score = Eyes(left, right), score
    return best
