"""The Haar cascade passes, each on its own: :mod:`facegender.detection` decides their order.

Every pass searches a :class:`DetectionCopy` (the photo shrunk to ``max_side`` and equalised)
and returns boxes in the photo's pixels. The knobs are
:class:`~facegender.detection.DetectorParams`'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, NamedTuple

import cv2
import numpy as np

from .cascades import Cascades
from .geometry import Box, clip_box, largest_first, turn_about

if TYPE_CHECKING:  # detection imports this module
    from .detection import DetectorParams


@dataclass(frozen=True)
class DetectionCopy:
    """The equalised copy of a photo the cascades search, at most ``max_side`` pixels.

    ``scale`` is its size over the photo's; ``width`` and ``height`` are the photo's.
    """

    image: np.ndarray
    scale: float
    width: int
    height: int

    def to_photo(self, box) -> Box:
        """A box of this copy in the photo's pixels, clipped to the photo."""
        return clip_box(box, 1.0 / self.scale, self.width, self.height)


def detection_copy(gray: np.ndarray, params: DetectorParams) -> DetectionCopy:
    """Shrink (area averaging) and equalise ``gray`` for the cascades."""
    height, width = gray.shape[:2]
    scale = min(1.0, params.max_side / max(height, width))
    small = gray if scale == 1.0 else _shrink(
        gray, (max(1, round(width * scale)), max(1, round(height * scale)))
    )
    return DetectionCopy(cv2.equalizeHist(small), scale, width, height)


def upright_passes(copy: DetectionCopy, params: DetectorParams,
                   cascades: Cascades) -> Iterator[tuple[str, list[Box]]]:
    """The upright passes in order, each run when the caller asks for the next: the frontal
    cascade, then (on a padded copy) the same, with the looser neighbour count, at twice the
    size for small images, and the second frontal cascade.

    Yields each pass's name and its boxes in the photo's pixels (see :func:`first_found`).
    """
    small = copy.image
    smallest = (max(params.min_size, int(params.min_fraction * min(small.shape)))
                if params.min_fraction > 0 else None)
    yield "frontal", _in_photo(copy, _detect(small, cascades.face, params, params.min_neighbors,
                                             params.min_weight, min_size=smallest))
    if params.pad_fraction <= 0:
        return
    passes = [(cascades.face, 1, params.min_neighbors, "frontal, padded"),
              (cascades.face, 1, params.fallback_min_neighbors, "frontal, padded, looser")]
    if max(small.shape) < params.upscale_below:
        passes.append((cascades.face, 2, params.fallback_min_neighbors, "frontal, padded, 2x"))
    if params.alt_min_neighbors:
        passes.append((cascades.alt, 1, params.alt_min_neighbors, "second frontal, padded"))
    if params.padded_min_fraction > 0:
        smallest = max(smallest or 0, int(params.padded_min_fraction * min(small.shape)))
    for cascade, zoom, neighbors, name in passes:
        yield name, _in_photo(copy, _padded_search(small, cascade, zoom, neighbors, params,
                                                   min_size=smallest))


def upright_faces(copy: DetectionCopy, params: DetectorParams, cascades: Cascades) -> list[Box]:
    """The boxes of the first upright pass that finds a face (see :func:`upright_passes`)."""
    return first_found(upright_passes(copy, params, cascades))[1]


class TurnedFace(NamedTuple):
    """A face found in a turned copy: centre and side in the photo's pixels, and the angle
    (degrees, counter-clockwise) the photo was turned to make it upright.

    ``agreed`` says whether the second frontal cascade finds it there too.
    """

    centre: tuple[float, float]
    side: float
    angle: float
    agreed: bool

    def box(self, width: int, height: int) -> Box:
        """The upright square of the same centre and side, clipped to the photo."""
        half = self.side / 2
        return clip_box((self.centre[0] - half, self.centre[1] - half, self.side, self.side),
                        1.0, width, height)


def turned_faces(copy: DetectionCopy, params: DetectorParams, angle: float,
                 cascades: Cascades) -> list[TurnedFace]:
    """Candidate faces in the detection copy turned by ``angle`` degrees, largest first.

    The copy is turned on a canvas large enough to keep its corners, padded like the upright
    fallback passes, and searched with the looser neighbour count. The frontal cascade fires
    on textures far more often in turned copies (it was trained on upright faces only), so
    these are candidates, which :func:`facegender.detection.detect_faces` keeps only when
    confirmed.
    """
    small = copy.image
    height, width = small.shape
    rotation = turn_about((width / 2, height / 2), angle)
    cos, sin = abs(rotation[0, 0]), abs(rotation[0, 1])
    pad = int(round(max(width, height) * params.pad_fraction))
    size = (int(width * cos + height * sin) + 2 * pad, int(height * cos + width * sin) + 2 * pad)
    matrix = turn_about((width / 2, height / 2), angle, onto=(size[0] / 2, size[1] / 2))
    turned = cv2.warpAffine(small, matrix, size, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
    back = cv2.invertAffineTransform(matrix)
    smallest = max(params.min_size, int(params.turned_min_fraction * min(width, height)))
    found = []
    for x, y, w, h in _detect(turned, cascades.face, params, params.fallback_min_neighbors,
                              float("-inf"), min_size=smallest):
        cx, cy = back @ (x + w / 2, y + h / 2, 1.0)
        found.append(TurnedFace((cx / copy.scale, cy / copy.scale), w / copy.scale, angle,
                                _agrees(turned, (x, y, w, h), cascades.alt, params)))
    return sorted(found, key=lambda f: (-f.side, f.centre[1], f.centre[0]))


def profile_passes(copy: DetectionCopy, params: DetectorParams,
                   cascades: Cascades) -> Iterator[tuple[str, list[Box]]]:
    """Faces seen from the side: the profile cascade on the copy and on its mirror image (the
    cascade knows one side); then the same on a padded copy (twice the size for small
    images), as the upright fallback passes do, with ``profile_fallback_min_neighbors`` and
    faces of at least ``profile_min_fraction`` of the shorter side: a profile that fills a
    portrait's frame has no context for the detector's window, and small hits there were
    textures.

    Yields each pass's name and its boxes, as :func:`upright_passes` does.
    """
    if not params.profile_min_neighbors:
        return
    small = copy.image
    width = small.shape[1]
    boxes = _detect(small, cascades.profile, params, params.profile_min_neighbors,
                    params.profile_min_weight)
    boxes += [(width - x - w, y, w, h) for x, y, w, h in _detect(
        np.ascontiguousarray(small[:, ::-1]), cascades.profile, params,
        params.profile_min_neighbors, params.profile_min_weight)]
    yield "profile", _in_photo(copy, boxes)
    if params.profile_fallback_min_neighbors and params.pad_fraction > 0:
        zoom = 2 if max(small.shape) < params.upscale_below else 1
        smallest = int(params.profile_min_fraction * min(small.shape))
        boxes = []
        for mirrored in (False, True):
            boxes += _padded_search(small, cascades.profile, zoom,
                                    params.profile_fallback_min_neighbors, params,
                                    min_size=smallest, mirrored=mirrored)
        yield "profile, padded", _in_photo(copy, boxes)


def profile_faces(copy: DetectionCopy, params: DetectorParams, cascades: Cascades) -> list[Box]:
    """The boxes of the first profile pass that finds a face (see :func:`profile_passes`)."""
    return first_found(profile_passes(copy, params, cascades))[1]


def first_found(passes: Iterator[tuple[str, list[Box]]]) -> tuple[str, list[Box]]:
    """The name and boxes (largest first, empty ones dropped) of the first of ``passes`` with
    any hit; ``("", [])`` when none has one.

    A hit that lies wholly in a padded copy's border still ends the search, as it always did:
    the training crops depend on it.
    """
    for name, boxes in passes:
        if boxes:
            return name, largest_first(boxes)
    return "", []


def _in_photo(copy: DetectionCopy, boxes: list[tuple]) -> list[Box]:
    return [copy.to_photo(box) for box in boxes]


def _padded_search(small: np.ndarray, cascade, zoom: int, neighbors: int,
                   params: DetectorParams, *, min_size: int | None = None,
                   mirrored: bool = False) -> list[tuple]:
    """``cascade`` on ``small`` zoomed by ``zoom`` and padded on every side (edge pixels
    repeated, ``params.pad_fraction`` of the longer side), with no confidence threshold.

    The detector's window needs some context around a face, which a face filling the frame
    lacks. ``mirrored`` searches the mirror image. ``min_size`` is in ``small``'s pixels.
    Returns the boxes (x, y, w, h) in ``small``'s pixels.
    """
    image = small if zoom == 1 else cv2.resize(
        small, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC
    )
    pad = int(round(max(image.shape) * params.pad_fraction))
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    if mirrored:
        padded = np.ascontiguousarray(padded[:, ::-1])
    side = None if min_size is None else max(params.min_size, min_size * zoom)
    width = padded.shape[1]
    boxes = []
    for x, y, w, h in _detect(padded, cascade, params, neighbors, float("-inf"), min_size=side):
        left = width - x - w if mirrored else x
        boxes.append(((left - pad) / zoom, (y - pad) / zoom, w / zoom, h / zoom))
    return boxes


def _agrees(image: np.ndarray, box, cascade, params: DetectorParams) -> bool:
    """Whether ``cascade`` finds a face of about the same size around ``box``: in the box
    grown by ``agree_margin`` of its width, from ``agree_min_side`` to ``agree_max_side``
    of its width."""
    x, y, w, h = (int(v) for v in box)
    margin = int(params.agree_margin * w)
    patch = image[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
    low = max(params.min_size, int(params.agree_min_side * w))
    high = int(params.agree_max_side * w)
    return len(np.reshape(cascade.detectMultiScale(
        patch, params.scale_factor, params.fallback_min_neighbors,
        minSize=(low, low), maxSize=(high, high)), (-1, 4))) > 0


def _shrink(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-average ``gray`` down to ``size`` (width, height).

    Halving first while the image is at least twice the target: OpenCV's area resampling has a
    fast path for an exact factor of 2, which makes a 12 MP photo's detection copy 1.8 ms
    cheaper (3.0 -> 1.3 ms) for the same average (mean difference 0.4 grey levels).
    """
    while gray.shape[1] >= 2 * size[0] and gray.shape[0] >= 2 * size[1]:
        gray = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2),
                          interpolation=cv2.INTER_AREA)
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _detect(image, cascade, params: DetectorParams, neighbors: int, min_weight: float, *,
            min_size: int | None = None):
    side = min_size or params.min_size
    found, _, weights = cascade.detectMultiScale3(
        image,
        scaleFactor=params.scale_factor,
        minNeighbors=neighbors,
        minSize=(side, side),
        outputRejectLevels=True,
    )
    return [
        tuple(box)
        for box, weight in zip(np.asarray(found).reshape(-1, 4), np.ravel(weights))
        if weight >= min_weight
    ]
