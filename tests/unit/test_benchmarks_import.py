"""Every benchmark module imports, and ``python -m benchmarks`` names each one: a benchmark must
not die on its first line (three did, after tests/support took over the shared paths, and no
test noticed)."""

from __future__ import annotations

import importlib

import pytest

from benchmarks.__main__ import ALL, ON_REQUEST
from tests.support.paths import REPO_ROOT

HELPERS = {"__init__", "__main__", "common"}
MODULES = sorted(path.stem for path in (REPO_ROOT / "benchmarks").glob("*.py")
                 if path.stem not in HELPERS)


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_module_imports_and_is_named_by_the_runner(name):
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(module.main)
    assert name in ALL + ON_REQUEST
