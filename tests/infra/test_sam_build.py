"""`sam build` works on this machine (no container, no local python3.13) and the package stays small."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from aws_support import MB, SIZE_BUDGET_MB

pytestmark = [pytest.mark.slow, pytest.mark.sam]


def tree_size(root: Path) -> int:
    """Bytes of the regular files under ``root`` (what Lambda counts as unzipped size)."""
    return sum(path.lstat().st_size for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def test_built_function_fits_the_size_budget(built_function):
    size = tree_size(built_function)
    print(f"built function: {size / MB:.1f} MiB ({size / 1e6:.1f} MB) unzipped")
    assert size <= SIZE_BUDGET_MB * MB, f"{size / MB:.1f} MiB > {SIZE_BUDGET_MB} MiB"


def test_built_function_holds_the_code_the_model_and_the_runtime_dependencies(built_function):
    source = Path(__file__).resolve().parents[2] / "function"
    for module in (source / "facegender").glob("*.py"):
        assert (built_function / "facegender" / module.name).is_file(), module.name
    for artifact in (source / "model").iterdir():
        if artifact.is_file():
            assert (built_function / "model" / artifact.name).is_file(), artifact.name
    for package in ("numpy", "cv2", "PIL", "fastapi", "mangum", "aws_lambda_powertools", "aws_xray_sdk"):
        assert (built_function / package / "__init__.py").is_file(), package
    # Wheels for the Lambda runtime's CPython, not this machine's.
    assert list((built_function / "numpy" / "_core").glob("_multiarray_umath.cpython-313-x86_64-linux-gnu.so"))


def test_built_function_leaves_out_what_the_function_never_loads(built_function):
    leftovers = [
        path.relative_to(built_function)
        for path in built_function.rglob("*")
        if path.name in {"__pycache__", "tests"} or path.suffix in {".pyc", ".pyi"}
    ]
    assert not leftovers, leftovers[:20]
    for training_only in ("sklearn", "scipy", "joblib", "matplotlib", "skimage", "pytest", "boto3", "botocore"):
        assert not (built_function / training_only).exists(), training_only
    assert sorted(p.name for p in (built_function / "cv2" / "data").glob("*.xml")) == [
        "haarcascade_frontalface_default.xml"
    ]


def test_opencv_blas_is_a_stub_exporting_what_cv2_imports(built_function):
    libs = built_function / "opencv_python_headless.libs"
    (blas,) = libs.glob("libopenblas*.so*")
    assert blas.stat().st_size < 1 * MB, "the 38 MB OpenBLAS should be replaced by the stub"
    assert b"which this Lambda package leaves out" in blas.read_bytes()
    assert not list(libs.glob("libgfortran*")), "only OpenBLAS needed the Fortran runtime"
    # Every library cv2 links against is present (the loader would refuse to import cv2 otherwise).
    needed = _needed(built_function / "cv2" / "cv2.abi3.so")
    bundled = {path.name for path in libs.iterdir()}
    # auditwheel renames the libraries it bundles with a hash: libpng16-c770ec27.so.16
    assert {name for name in needed if re.search(r"-[0-9a-f]{8}\.", name)} <= bundled


def _needed(elf: Path) -> set[str]:
    """DT_NEEDED entries of an ELF shared object (via readelf, which binutils provides)."""
    if not os.access("/usr/bin/readelf", os.X_OK):
        pytest.skip("readelf not installed")
    out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True, check=True).stdout
    return {line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line}
