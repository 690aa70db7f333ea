"""function/slim_libs.py on a package built here: stubs keep what their users import, and
bundled libraries nothing links to are dropped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "function" / "slim_libs.py"
pytestmark = pytest.mark.skipif(not (shutil.which("cc") and shutil.which("readelf")),
                                reason="needs a C compiler and readelf (binutils)")


def compile_library(path: Path, source: str, *link: str) -> None:
    c_file = path.with_suffix(".c")
    c_file.write_text(source)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(path), str(c_file),
                    f"-Wl,-soname,{path.name}", *link], check=True)
    c_file.unlink()


def defined(path: Path) -> set[str]:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import slim_libs
    finally:
        sys.path.pop(0)
    return {name for name, _, _, _, here in slim_libs.symbols(path) if here}


@pytest.fixture
def package(tmp_path) -> Path:
    """pkg/ext.so (an extension module) links pkg.libs/libbig.so.1; pkg.libs/libunused.so.1 is
    linked by nothing."""
    libs = tmp_path / "pkg.libs"
    libs.mkdir()
    compile_library(libs / "libbig.so.1", "int used(void) { return 1; }\n"
                                          "int unused(void) { return 2; }\n")
    compile_library(libs / "libunused.so.1", "int lonely(void) { return 3; }\n")
    (tmp_path / "pkg").mkdir()
    compile_library(tmp_path / "pkg" / "ext.so",
                    "int used(void);\nint call(void) { return used(); }\n",
                    f"-L{libs}", "-l:libbig.so.1")
    return tmp_path


def test_a_stub_defines_what_its_users_import_and_nothing_else(package):
    big = package / "pkg.libs" / "libbig.so.1"
    assert {"used", "unused"} <= defined(big)
    subprocess.run([sys.executable, str(SCRIPT), "libbig"], cwd=package, check=True,
                   capture_output=True, env={**os.environ, "CC": "cc"})
    assert "used" in defined(big)
    assert "unused" not in defined(big)
    assert not list(package.glob(".stub.*")), "the stub's source is removed"


def test_bundled_libraries_nothing_links_are_dropped(package):
    done = subprocess.run([sys.executable, str(SCRIPT)], cwd=package, check=True,
                          capture_output=True, text=True)
    assert not (package / "pkg.libs" / "libunused.so.1").exists()
    assert (package / "pkg.libs" / "libbig.so.1").exists()
    assert "dropping" in done.stdout
