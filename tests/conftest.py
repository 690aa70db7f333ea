"""Shared fixtures: dataset paths (skipped with a reason when absent) and real face photos."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from tests.support import encode  # noqa: F401  (re-exported for the unit tests)

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("FACEGENDER_DATA") or REPO_ROOT.parent / "shared" / "data")
SAMPLES = DATA / "samples"


def need(path: Path) -> Path:
    """``path``, or skip the test saying which dataset folder is missing and how to point to it."""
    if not path.exists():
        pytest.skip(f"dataset not found at {path} (set FACEGENDER_DATA to the shared data folder)")
    return path


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
