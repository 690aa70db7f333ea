"""Every benchmark module imports: ``python -m benchmarks NAME`` must not die on its first line
(three did, after tests/support took over the shared paths, and no test noticed)."""

from __future__ import annotations

import importlib

import pytest

from benchmarks.__main__ import ALL, ON_REQUEST


@pytest.mark.parametrize("name", ALL + ON_REQUEST)
def test_benchmark_module_imports(name):
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(module.main)
