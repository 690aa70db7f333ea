"""Face detection with OpenCV's Haar cascades.

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
* Tilted heads: :func:`turned_faces` searches a copy turned by a given angle; the caller
  (:func:`facegender.faces.find_faces`) keeps a face found there only when it is confirmed.
* Turned heads: :func:`profile_faces` runs the profile cascade on the photo and on its
  mirror image (the cascade knows one side), then on a padded copy.

The extra passes run only when the ones before found nothing, so they cannot add false faces
to a photo that has real ones, and a photo with an upright face never pays for them.

Every knob lives in :class:`DetectorParams`, and the model artifact records the values it was
trained with, so training and serving detect the same way.
"""

from __future__ import annotations

import queue
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from typing import Iterator, NamedTuple

import cv2
import numpy as np

CASCADE_FILE = "haarcascade_frontalface_default.xml"
ALT_CASCADE_FILE = "haarcascade_frontalface_alt2.xml"
PROFILE_CASCADE_FILE = "haarcascade_profileface.xml"
EYE_CASCADE_FILE = "haarcascade_eye.xml"


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


@dataclass(frozen=True)
class DetectorParams:
    """Haar cascade settings, in one place.

    scale_factor : step between the scales searched; smaller finds more faces, slower.
    min_neighbors : overlapping hits needed to keep a face; higher means fewer false faces.
    min_size : smallest face searched, in pixels of the (downscaled) detection image.
    max_side : the detection image's longer side; larger finds smaller faces, slower.
    pad_fraction : padding added on each side for the second pass, as a fraction of the side.
    min_weight : cascade confidence (the last stage's level weight) a face needs in the
        first pass; drops the weakest extra hits in group photos.
    fallback_min_neighbors : neighbour count of the looser passes on a padded copy.
    upscale_below : images whose longer side is shorter are also searched at twice the size.
    alt_min_neighbors : neighbour count of the second frontal cascade on the padded copy, the
        last upright pass; 0 skips it.
    rotations : angles (degrees, counter-clockwise) of the turned copies searched, in order,
        when no upright pass found a face; see :func:`turned_faces`.
    turned_min_fraction : smallest face searched in a turned copy, as a fraction of the
        photo's shorter side. Turned copies are searched only when no upright face was found,
        which is a portrait's situation rather than a group photo's; small hits there were
        textures (measured on photos without faces).
    profile_min_neighbors, profile_min_weight : the profile cascade's neighbour count and
        confidence, for its passes after the turned ones; a neighbour count of 0 skips them.
    profile_fallback_min_neighbors, profile_min_fraction : the profile cascade's last pass,
        on a padded copy, when the others found nothing (see :func:`profile_faces`): its
        neighbour count (0 skips it) and its smallest face, as a fraction of the shorter side.
    """

    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_size: int = 24
    max_side: int = 640
    pad_fraction: float = 0.3
    min_weight: float = 1.5
    fallback_min_neighbors: int = 3
    upscale_below: int = 400
    alt_min_neighbors: int = 3
    rotations: tuple[float, ...] = (10.0, -10.0, 20.0, -20.0, 30.0, -30.0)
    turned_min_fraction: float = 0.08
    profile_min_neighbors: int = 5
    profile_min_weight: float = 1.5
    profile_fallback_min_neighbors: int = 3
    profile_min_fraction: float = 0.15

    def __post_init__(self):
        # A card read back from JSON gives a list.
        object.__setattr__(self, "rotations", tuple(float(a) for a in self.rotations))

    def to_dict(self) -> dict:
        return asdict(self)


class Cascades(NamedTuple):
    """The Haar cascades one search uses: frontal, second frontal, profile, eyes.

    ``CascadeClassifier`` keeps scratch state inside the object, so two searches running at
    the same time must not share one.
    """

    face: cv2.CascadeClassifier
    alt: cv2.CascadeClassifier
    profile: cv2.CascadeClassifier
    eye: cv2.CascadeClassifier


#: The cascade files :class:`Cascades` loads, in its order (the Lambda package keeps these).
CASCADE_FILES = (CASCADE_FILE, ALT_CASCADE_FILE, PROFILE_CASCADE_FILE, EYE_CASCADE_FILE)

def load_cascade(name: str = CASCADE_FILE) -> cv2.CascadeClassifier:
    """A new Haar cascade that ships with OpenCV (``cv2.data.haarcascades``)."""
    path = cv2.data.haarcascades + name
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(f"Cannot load the Haar cascade from {path}")
    return cascade


def load_cascades() -> Cascades:
    """A new set of the cascades one search uses (about 15 ms: build them once, then reuse)."""
    return Cascades(*(load_cascade(name) for name in CASCADE_FILES))


class CascadePool:
    """Sets of cascades built up front, each lent to one search at a time.

    A service builds one set per request it runs at once, at load, so no request builds a
    cascade and the pool is also the limit on concurrent searches: :meth:`checkout` waits while
    every set is lent. With ``grow``, it builds another set instead of waiting (for library
    callers that pass no cascades: one set per thread that searches at the same time).
    """

    def __init__(self, size: int, *, grow: bool = False):
        self._free: queue.SimpleQueue[Cascades] = queue.SimpleQueue()
        self._grow = grow
        for _ in range(size):
            self._free.put(load_cascades())

    @contextmanager
    def checkout(self) -> Iterator[Cascades]:
        """A set of cascades for the duration of the ``with`` block."""
        if self._grow:
            try:
                cascades = self._free.get_nowait()
            except queue.Empty:
                cascades = load_cascades()
        else:
            cascades = self._free.get()
        try:
            yield cascades
        finally:
            self._free.put(cascades)


#: Lends cascades to callers that pass none (training, notebooks, tests).
_shared = CascadePool(0, grow=True)


def shared_cascades() -> AbstractContextManager[Cascades]:
    """A set of cascades from the process-wide pool, for callers that keep none of their own."""
    return _shared.checkout()


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
        return _clip(box, 1.0 / self.scale, self.width, self.height)


def detection_copy(gray: np.ndarray, params: DetectorParams) -> DetectionCopy:
    """Shrink (area averaging) and equalise ``gray`` for the cascades."""
    height, width = gray.shape[:2]
    scale = min(1.0, params.max_side / max(height, width))
    small = gray if scale == 1.0 else _shrink(
        gray, (max(1, round(width * scale)), max(1, round(height * scale)))
    )
    return DetectionCopy(cv2.equalizeHist(small), scale, width, height)


def detect_faces(
    gray: np.ndarray,
    params: DetectorParams = DetectorParams(),
    *,
    cascades: Cascades | None = None,
) -> list[Box]:
    """Find upright faces in a grayscale image.

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    params : DetectorParams
    cascades : Cascades, optional
        Lent by :func:`shared_cascades` by default.

    Returns
    -------
    list of Box
        Boxes in ``gray``'s pixel coordinates, clipped to the image, largest first.
        No face is an empty list.
    """
    if cascades is None:
        with shared_cascades() as cascades:
            return detect_faces(gray, params, cascades=cascades)
    return upright_faces(detection_copy(gray, params), params, cascades)


def upright_faces(copy: DetectionCopy, params: DetectorParams, cascades: Cascades) -> list[Box]:
    """The upright passes of :func:`detect_faces` on a prepared detection copy."""
    small = copy.image
    boxes = _detect(small, cascades.face, params, params.min_neighbors, params.min_weight)
    if not boxes and params.pad_fraction > 0:
        passes = [(cascades.face, 1, params.min_neighbors),
                  (cascades.face, 1, params.fallback_min_neighbors)]
        if max(small.shape) < params.upscale_below:
            passes.append((cascades.face, 2, params.fallback_min_neighbors))
        if params.alt_min_neighbors:
            passes.append((cascades.alt, 1, params.alt_min_neighbors))
        for cascade, zoom, neighbors in passes:
            boxes = _padded_search(small, cascade, zoom, neighbors, params)
            if boxes:
                break
    return _largest_first([copy.to_photo(box) for box in boxes])


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
        return _clip((self.centre[0] - half, self.centre[1] - half, self.side, self.side),
                     1.0, width, height)


def turned_faces(copy: DetectionCopy, params: DetectorParams, angle: float,
                 cascades: Cascades) -> list[TurnedFace]:
    """Candidate faces in the detection copy turned by ``angle`` degrees.

    The copy is turned on a canvas large enough to keep its corners, padded like the upright
    fallback passes, and searched with the looser neighbour count. The frontal cascade fires
    on textures far more often in turned copies (it was trained on upright faces only), so
    these are candidates: :func:`facegender.faces.find_faces` keeps one only when the eye
    cascade finds a plausible pair in it or the second frontal cascade agrees.
    """
    small = copy.image
    height, width = small.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    pad = int(round(max(width, height) * params.pad_fraction))
    size = (int(width * cos + height * sin) + 2 * pad, int(height * cos + width * sin) + 2 * pad)
    matrix[:, 2] += (size[0] / 2 - width / 2, size[1] / 2 - height / 2)
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


def profile_faces(copy: DetectionCopy, params: DetectorParams, cascades: Cascades) -> list[Box]:
    """Faces seen from the side: the profile cascade on the copy and on its mirror image (the
    cascade knows one side).

    When that finds nothing, the same on a padded copy (twice the size for small images), as
    the upright fallback passes do, with ``profile_fallback_min_neighbors`` and faces of at
    least ``profile_min_fraction`` of the shorter side: a profile that fills a portrait's
    frame has no context for the detector's window, and small hits there were textures.
    """
    if not params.profile_min_neighbors:
        return []
    small = copy.image
    width = small.shape[1]
    boxes = _detect(small, cascades.profile, params, params.profile_min_neighbors,
                    params.profile_min_weight)
    boxes += [(width - x - w, y, w, h) for x, y, w, h in _detect(
        np.ascontiguousarray(small[:, ::-1]), cascades.profile, params,
        params.profile_min_neighbors, params.profile_min_weight)]
    if not boxes and params.profile_fallback_min_neighbors and params.pad_fraction > 0:
        zoom = 2 if max(small.shape) < params.upscale_below else 1
        smallest = int(params.profile_min_fraction * min(small.shape))
        for mirrored in (False, True):
            boxes += _padded_search(small, cascades.profile, zoom,
                                    params.profile_fallback_min_neighbors, params,
                                    min_size=smallest, mirrored=mirrored)
    return _largest_first([copy.to_photo(box) for box in boxes])


def _agrees(image: np.ndarray, box, cascade, params: DetectorParams) -> bool:
    """Whether ``cascade`` finds a face of about the same size around ``box``."""
    x, y, w, h = (int(v) for v in box)
    margin = int(0.3 * w)
    patch = image[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
    low, high = max(params.min_size, int(0.6 * w)), int(1.6 * w)
    return len(np.reshape(cascade.detectMultiScale(
        patch, params.scale_factor, params.fallback_min_neighbors,
        minSize=(low, low), maxSize=(high, high)), (-1, 4))) > 0


def _largest_first(boxes: list[Box]) -> list[Box]:
    # Ties broken by position: OpenCV returns equal-size boxes in a varying order.
    return _drop_nested(sorted((b for b in boxes if b.area > 0),
                               key=lambda b: (-b.area, b.y, b.x)))


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


def _clip(box: tuple, factor: float, width: int, height: int) -> Box:
    x, y, w, h = (float(v) * factor for v in box)
    x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
    x1, y1 = min(width, int(round(x + w))), min(height, int(round(y + h)))
    return Box(x0, y0, max(0, x1 - x0), max(0, y1 - y0))


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
