"""Shared fixtures: the sample photos (skipped with a reason when absent) and the astronaut.

Helpers that tests and benchmarks import live in ``tests/support``, not here."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from tests.support.images import encode
from tests.support.paths import SAMPLES, need

@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return need(SAMPLES)


@pytest.fixture(scope="session")
def sample_manifest(samples_dir) -> list[dict]:
    with (samples_dir / "manifest.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def astronaut_rgb() -> np.ndarray:
    """NASA's public-domain portrait of Eileen Collins, as scikit-image ships it (512x512 RGB)."""
    from skimage import data

    return data.astronaut()

@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut_rgb) -> bytes:
    return encode(astronaut_rgb, "JPEG", quality=92)
