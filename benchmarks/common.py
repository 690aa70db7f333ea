"""Helpers shared by the benchmarks: timing, test photos, the report table."""

from __future__ import annotations

import statistics

import numpy as np
from facegender.telemetry import stage

from tests.support.images import encode


def timed(fn, repeat: int, warmup: int = 2) -> list[float]:
    """Run ``fn`` ``warmup`` + ``repeat`` times; the last ``repeat`` durations in ms."""
    for _ in range(warmup):
        fn()
    out, timings = [], {}
    for _ in range(repeat):
        with stage("run", timings):
            fn()
        out.append(timings["run"])
    return out


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def median(values) -> float:
    return float(statistics.median(values))


def astronaut_rgb() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    return encode(rgb, "JPEG", quality=quality)


def photo_640x480() -> bytes:
    """The astronaut portrait on a 640x480 canvas: one face, a typical webcam-sized photo."""
    canvas = np.full((480, 640, 3), 90, np.uint8)
    canvas[:, 64:576] = astronaut_rgb()[16:496]
    return jpeg(canvas)


def photo_12mp() -> bytes:
    """A 4000x3000 phone-sized JPEG with one face (the astronaut, upscaled)."""
    import cv2

    canvas = np.full((3000, 4000, 3), 90, np.uint8)
    canvas[:, 500:3500] = cv2.resize(astronaut_rgb(), (3000, 3000), interpolation=cv2.INTER_CUBIC)
    return jpeg(canvas, quality=88)


def table(rows: list[tuple]) -> str:
    width = max(len(str(r[0])) for r in rows)
    return "\n".join(f"  {str(name):<{width}}  {value}" for name, value in rows)
