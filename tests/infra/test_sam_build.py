"""`sam build` works here (no container, no local python3.13) and the package stays small."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from aws_support import MB, SIZE_BUDGET_MB

pytestmark = [pytest.mark.slow, pytest.mark.sam]


def tree_size(root: Path) -> int:
    """Bytes of the regular files under ``root`` (what Lambda counts as unzipped size)."""
    return sum(
        path.lstat().st_size for path in root.rglob("*") if path.is_file() and not path.is_symlink()
    )


def test_built_function_fits_the_size_budget(built_function):
    size = tree_size(built_function)
    print(f"built function: {size / MB:.1f} MiB ({size / 1e6:.1f} MB) unzipped")
    assert size <= SIZE_BUDGET_MB * MB, f"{size / MB:.1f} MiB > {SIZE_BUDGET_MB} MiB"


def test_the_batch_function_is_the_same_build_and_fits_the_size_budget(built_function):
    batch = built_function.parent / "BatchFunction"
    assert (batch / "facegender" / "batch_handler.py").is_file()
    for artifact in ("model/model.npz", "model/model.json", "cv2/__init__.py"):
        assert (batch / artifact).is_file(), artifact
    size = tree_size(batch)
    print(f"built batch function: {size / MB:.1f} MiB unzipped")
    assert size <= SIZE_BUDGET_MB * MB, f"{size / MB:.1f} MiB > {SIZE_BUDGET_MB} MiB"


def test_built_function_holds_the_code_the_model_and_the_runtime_dependencies(built_function):
    source = Path(__file__).resolve().parents[2] / "function"
    for module in (source / "facegender").glob("*.py"):
        assert (built_function / "facegender" / module.name).is_file(), module.name
    for artifact in (source / "model").iterdir():
        if artifact.is_file():
            assert (built_function / "model" / artifact.name).is_file(), artifact.name
    for package in (
        "numpy",
        "cv2",
        "PIL",
        "fastapi",
        "mangum",
        "aws_lambda_powertools",
        "aws_xray_sdk",
    ):
        assert (built_function / package / "__init__.py").is_file(), package
    # Wheels for the Lambda runtime's CPython, not this machine's.
    assert list(
        (built_function / "numpy" / "_core").glob(
            "_multiarray_umath.cpython-313-x86_64-linux-gnu.so"
        )
    )


def test_built_function_leaves_out_what_the_function_never_loads(built_function):
    leftovers = [
        path.relative_to(built_function)
        for path in built_function.rglob("*")
        if path.name in {"__pycache__", "tests"} or path.suffix in {".pyc", ".pyi"}
    ]
    assert not leftovers, leftovers[:20]
    for training_only in (
        "sklearn",
        "scipy",
        "joblib",
        "matplotlib",
        "skimage",
        "pytest",
        "boto3",
        "botocore",
    ):
        assert not (built_function / training_only).exists(), training_only
    # Exactly the cascades the service loads: a pruned one would fail every cold start.
    from facegender.cascades import CASCADE_FILES

    assert sorted(p.name for p in (built_function / "cv2" / "data").glob("*.xml")) == sorted(
        CASCADE_FILES
    )


STUBBED = ("libopenblas", "libaom", "libdav1d", "libvpx", "libssl", "libcrypto")
STUB_MARKER = b"was left out of this Lambda package"


def test_unused_opencv_libraries_are_stubs_that_define_what_their_users_import(built_function):
    libs = built_function / "opencv_python_headless.libs"
    elves = [
        p for p in built_function.rglob("*.so*") if p.is_file() and p.read_bytes()[:4] == b"\x7fELF"
    ]
    for prefix in STUBBED:
        (stub,) = libs.glob(prefix + "*.so*")
        assert stub.stat().st_size < 200_000 and STUB_MARKER in stub.read_bytes(), (
            f"{stub.name} is not a stub"
        )
        defined = {name for name, defined_here in _dynamic_symbols(stub) if defined_here}
        users = [p for p in elves if stub.name in _needed(p)]
        assert users, f"nothing links to {stub.name}: it should have been dropped"
        for user in users:
            # The stub was generated from what its users import; that every such symbol binds is
            # proven by importing the package with LD_BIND_NOW (test_sam_local.py).
            imported = {name for name, defined_here in _dynamic_symbols(user) if not defined_here}
            assert imported & defined, f"{user.name} imports nothing from {stub.name}"
    assert not list(libs.glob("libgfortran*")), "only OpenBLAS needed the Fortran runtime"


def test_every_bundled_library_a_module_links_to_is_present(built_function):
    bundled = {p.name for p in built_function.glob("*.libs/*")}
    for module in built_function.rglob("*.so"):
        if module.parent.name.endswith(".libs"):
            continue
        for name in _needed(module):
            # auditwheel renames the libraries it bundles with a hash: libpng16-c770ec27.so.16
            if re.search(r"-[0-9a-f]{8}\.", name):
                assert name in bundled, f"{module.relative_to(built_function)} needs {name}"


def _readelf(*args: str) -> str:
    if not shutil.which("readelf"):
        pytest.skip("readelf (binutils) not installed")
    return subprocess.run(
        ["readelf", "-W", *args], capture_output=True, text=True, check=True
    ).stdout


def _needed(elf: Path) -> set[str]:
    """DT_NEEDED entries of an ELF shared object."""
    return set(re.findall(r"\(NEEDED\).*\[(.+)\]", _readelf("-d", str(elf))))


def _dynamic_symbols(elf: Path) -> set[tuple[str, bool]]:
    """(name, defined here) of the functions and objects in the dynamic symbol table."""
    found = set()
    for line in _readelf("--dyn-syms", str(elf)).splitlines():
        fields = line.split()
        if (
            len(fields) >= 8
            and fields[0].endswith(":")
            and fields[3] in {"FUNC", "OBJECT", "IFUNC"}
        ):
            found.add((fields[7].split("@")[0], fields[6] != "UND"))
    return found
