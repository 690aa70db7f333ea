"""The repository root and the dataset folder, for tests and benchmarks.

Both are ``training.data``'s (the one place the ``FACEGENDER_DATA`` fallback is written); a test
that needs a dataset asks :func:`need`, which skips it with the reason when the folder is absent.
"""

from __future__ import annotations

from pathlib import Path

from training.data import REPO_ROOT, data_root

__all__ = ["DATA", "REPO_ROOT", "SAMPLES", "need"]

DATA = data_root()
SAMPLES = DATA / "samples"


def need(path: Path) -> Path:
    """``path``, or skip the test saying which dataset folder is missing and how to point to it."""
    import pytest

    if not path.exists():
        pytest.skip(f"dataset not found at {path} (set FACEGENDER_DATA to the shared data folder)")
    return path
