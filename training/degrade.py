"""Degraded copies of a photo, made before detection: the stress test of who the model fails.

A model that leans on how a photo was retouched, lit or compressed rather than on the face
loses one group's recall when the photo is worse than the training photos. Each degradation
here is a pure, seeded function of the decoded grayscale photo and the width of its face (found
on the clean photo), so the training report, the grouped-CV probes that set the threshold and
the accuracy floor's degraded cases all make the same copies.

| name | what it does |
|---|---|
| ``small`` | downscaled (area) until the face is about :data:`SMALL_FACE` px wide |
| ``jpeg30`` | encoded as JPEG at quality 30 and decoded |
| ``noise`` | Gaussian sensor noise, sigma :data:`NOISE_SIGMA` grey levels |
| ``gamma0.7``, ``gamma1.4`` | ``255 * (v / 255) ** gamma``: brighter, darker |
| ``blur`` | Gaussian blur, sigma :data:`BLUR_FRACTION` of the face's width |
"""

from __future__ import annotations

import zlib
from typing import Callable

import cv2
import numpy as np

#: The face width, in pixels, that ``small`` scales the photo to.
SMALL_FACE = 50
#: Standard deviation of the ``noise`` degradation, in grey levels.
NOISE_SIGMA = 12.0
#: The ``blur`` degradation's sigma as a fraction of the face's width (2.4 px on 120 px).
BLUR_FRACTION = 0.02
JPEG_QUALITY = 30


def _small(gray: np.ndarray, face_width: float, seed: int) -> np.ndarray:
    scale = SMALL_FACE / face_width
    if scale >= 1.0:
        return gray
    size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _jpeg(gray: np.ndarray, face_width: float, seed: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    assert ok
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)


def _noise(gray: np.ndarray, face_width: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noisy = gray.astype(np.float32) + rng.normal(0.0, NOISE_SIGMA, gray.shape).astype(np.float32)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def _gamma(value: float):
    table = np.rint(255.0 * (np.arange(256) / 255.0) ** value).astype(np.uint8)

    def apply(gray: np.ndarray, face_width: float, seed: int) -> np.ndarray:
        return cv2.LUT(gray, table)
    return apply


def _blur(gray: np.ndarray, face_width: float, seed: int) -> np.ndarray:
    return cv2.GaussianBlur(gray, (0, 0), sigmaX=max(0.5, BLUR_FRACTION * face_width))


#: Every degradation by name, in the order the report lists them.
DEGRADATIONS: dict[str, Callable[[np.ndarray, float, int], np.ndarray]] = {
    "small": _small,
    "jpeg30": _jpeg,
    "noise": _noise,
    "gamma0.7": _gamma(0.7),
    "gamma1.4": _gamma(1.4),
    "blur": _blur,
}


def degrade(gray: np.ndarray, name: str, face_width: float, key: str) -> np.ndarray:
    """A degraded copy of a grayscale photo (uint8, shape (h, w)).

    Parameters
    ----------
    gray : ndarray of shape (h, w), dtype uint8
    name : str
        A key of :data:`DEGRADATIONS`.
    face_width : float
        Width in pixels of the photo's face as found on the clean photo.
    key : str
        Names the photo (its file name): seeds the noise, so a copy is the same every time.
    """
    if name not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {name!r}; choose from {', '.join(DEGRADATIONS)}")
    seed = zlib.crc32(f"{name}:{key}".encode())
    return np.ascontiguousarray(DEGRADATIONS[name](gray, float(face_width), seed))


def degraded_png(gray: np.ndarray, name: str, face_width: float, key: str) -> bytes:
    """:func:`degrade`'s copy as lossless PNG bytes: what a test sends the service."""
    ok, encoded = cv2.imencode(".png", degrade(gray, name, face_width, key))
    assert ok
    return encoded.tobytes()
