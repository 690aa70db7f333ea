"""Plain geometry shared by detection, the eye search and the crop: boxes and turns."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np


class Box(NamedTuple):
    """A face box in pixels: top-left corner and size, clipped to the image."""

    x: int
    y: int
    width: int
    height: int

    def scaled(self, factor: float) -> "Box":
        return Box(*(int(round(v * factor)) for v in self))

    @property
    def area(self) -> int:
        return self.width * self.height


def clip_box(box: tuple, factor: float, width: int, height: int) -> Box:
    """``box`` (x, y, w, h, any numbers) times ``factor``, rounded and clipped to a
    ``width`` x ``height`` image."""
    x, y, w, h = (float(v) * factor for v in box)
    x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
    x1, y1 = min(width, int(round(x + w))), min(height, int(round(y + h)))
    return Box(x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def turn_about(centre: tuple[float, float], angle: float, scale: float = 1.0, *,
               onto: tuple[float, float] | None = None) -> np.ndarray:
    """The 2x3 affine matrix turning points counter-clockwise by ``angle`` degrees about
    ``centre`` and scaling them by ``scale`` (``cv2.getRotationMatrix2D``), then moving
    ``centre`` to ``onto`` when given (the middle of the canvas the turned copy is drawn on).

    ``cv2.warpAffine(image, turn_about(...), size)`` draws the turned copy; the inverse
    (:func:`cv2.invertAffineTransform`) maps its points back.
    """
    matrix = cv2.getRotationMatrix2D(centre, angle, scale)
    if onto is not None:
        matrix[:, 2] += (onto[0] - centre[0], onto[1] - centre[1])
    return matrix


def largest_first(boxes: list[Box]) -> list[Box]:
    """Non-empty boxes, largest first, without the ones lying mostly inside a larger one."""
    # Ties broken by position: OpenCV returns equal-size boxes in a varying order.
    return _drop_nested(sorted((b for b in boxes if b.area > 0),
                               key=lambda b: (-b.area, b.y, b.x)))


def _drop_nested(boxes: list[Box]) -> list[Box]:
    """Drop a box that lies mostly inside a larger one (a cheek or an eye found as a face)."""
    kept: list[Box] = []
    for box in boxes:
        if all(_overlap(box, big) < 0.5 * box.area for big in kept):
            kept.append(box)
    return kept


def _overlap(a: Box, b: Box) -> int:
    w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    return max(0, w) * max(0, h)
