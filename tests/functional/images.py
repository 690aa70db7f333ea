"""Test images made at test time: the public-domain astronaut portrait, its variants, and
pictures without faces. Nothing here is read from, or derived from, ``../shared``."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tests.support.images import (  # noqa: F401  (re-exported for the API tests)
    encode,
    jpeg_with_orientation,
    malformed_exif,
    png_header_only,
)


def astronaut() -> np.ndarray:
    """NASA's portrait of Eileen Collins as scikit-image ships it: 512x512 RGB, one face."""
    from skimage import data

    return data.astronaut()




def portrait() -> np.ndarray:
    """The astronaut on a 512x640 (portrait) canvas, so a missed rotation shows in the size."""
    canvas = np.full((640, 512, 3), 90, np.uint8)
    canvas[64:576] = astronaut()
    return canvas




def stored_for_orientation(upright: np.ndarray, orientation: int) -> np.ndarray:
    """The pixels a camera stores so that EXIF ``orientation`` turns them back into ``upright``."""
    turns = {1: 0, 3: 2, 6: 1, 8: -1}[orientation]
    return np.ascontiguousarray(np.rot90(upright, turns))


def png_16_bit_gray(rgb: np.ndarray) -> bytes:
    gray = (rgb.astype(np.float64).mean(axis=2) * 257).astype(np.uint16)
    image = Image.fromarray(gray)
    assert image.mode.startswith("I;16")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def rgba_with_transparent_border(rgb: np.ndarray) -> np.ndarray:
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, :40] = 0
    alpha[:40, :] = 0
    return np.dstack([rgb, alpha])




def no_face_images() -> dict[str, bytes]:
    """Pictures with nothing face-like in them: flat, a gradient, seeded noise, stripes."""
    rng = np.random.default_rng(7)
    gradient = np.tile(np.linspace(0, 255, 400, dtype=np.uint8), (300, 1))
    stripes = np.zeros((240, 320, 3), np.uint8)
    stripes[:, ::16] = 255
    return {
        "flat-gray": encode(np.full((300, 400, 3), 128, np.uint8), "JPEG"),
        "gradient": encode(gradient, "PNG"),
        "noise": encode(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8), "JPEG"),
        "stripes": encode(stripes, "WEBP", quality=80),
    }


def astronaut_variants() -> dict[str, bytes]:
    """Different crops, flips, sizes and formats of the astronaut, each with the face whole."""
    import cv2

    rgb = astronaut()
    return {
        "original": encode(rgb, "JPEG", quality=92),
        "mirrored": encode(np.ascontiguousarray(rgb[:, ::-1]), "JPEG", quality=92),
        "top-crop": encode(np.ascontiguousarray(rgb[:320, 96:448]), "JPEG", quality=90),
        "upscaled": encode(cv2.resize(rgb, (900, 900), interpolation=cv2.INTER_CUBIC), "JPEG"),
        "downscaled": encode(cv2.resize(rgb, (384, 384), interpolation=cv2.INTER_AREA), "PNG"),
        "on-wide-canvas": encode(_on_canvas(rgb, 1024, 600, x=420, y=40), "JPEG", quality=88),
        "portrait": encode(portrait(), "WEBP", quality=90),
        "gray": encode(np.ascontiguousarray(rgb.mean(axis=2).astype(np.uint8)), "BMP"),
    }


def _on_canvas(rgb: np.ndarray, width: int, height: int, *, x: int, y: int) -> np.ndarray:
    canvas = np.full((height, width, 3), 60, np.uint8)
    h = min(rgb.shape[0], height - y)
    canvas[y:y + h, x:x + rgb.shape[1]] = rgb[:h]
    return canvas


def iou(a: dict, b: dict) -> float:
    """Intersection over union of two ``{"x", "y", "width", "height"}`` boxes."""
    w = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    inter = max(0, w) * max(0, h)
    union = a["width"] * a["height"] + b["width"] * b["height"] - inter
    return inter / union if union else 0.0


def extra_astronaut_variants() -> dict[str, bytes]:
    """More one-face pictures, to make up 16 distinct images when ``../shared`` is absent."""
    import cv2

    rgb = astronaut()
    small = cv2.resize(rgb, (256, 256), interpolation=cv2.INTER_AREA)
    return {
        "exif-rotated": jpeg_with_orientation(stored_for_orientation(portrait(), 6), 6),
        "small-on-canvas": encode(_on_canvas(small, 480, 360, x=20, y=60), "JPEG", quality=85),
        "mirrored-webp": encode(np.ascontiguousarray(rgb[:, ::-1]), "WEBP", quality=85),
        "left-crop-png": encode(np.ascontiguousarray(rgb[:400, 60:460]), "PNG"),
    }
