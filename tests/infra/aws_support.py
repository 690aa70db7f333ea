"""Paths and helpers shared by the AWS tests (a plain module: `conftest` names collide)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

TEMPLATE = REPO_ROOT / "template.yaml"
SAM = REPO_ROOT / ".venv-sam" / "bin" / "sam"
FUNCTION_ID = "FaceGenderFunction"
# Lambda counts MB as MiB: its 250 MB limit is 262,144,000 bytes.
MB = 1024 * 1024
SIZE_BUDGET_MB = 200


def sam_env() -> dict[str, str]:
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    # SAM's own resolution of the template's pseudo parameters wants a region.
    env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION", "us-east-1"))
    return env


def require_sam() -> Path:
    """The SAM CLI of `make sam-venv`, or a loud skip naming the target that creates it."""
    if not SAM.exists():
        pytest.skip(f"!!! SAM CLI missing at {SAM}: run `make sam-venv` (make test does it)")
    return SAM


def run_sam(*args: str, timeout: float) -> subprocess.CompletedProcess:
    """Run the SAM CLI (skipping when it is missing) from the repository, output captured."""
    return subprocess.run(
        [str(require_sam()), *args],
        check=False,
        cwd=REPO_ROOT,
        env=sam_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def cfn_lint_executable() -> str:
    """cfn-lint from the venv running the tests (requirements.txt), else from PATH."""
    candidate = Path(sys.executable).parent / "cfn-lint"
    found = str(candidate) if candidate.exists() else shutil.which("cfn-lint")
    if not found:
        pytest.fail("cfn-lint is not installed in the test environment (it is in requirements.txt)")
    return found
