"""The template passes cfn-lint and `sam validate --lint`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from aws_support import TEMPLATE, cfn_lint_executable, require_sam, sam_env

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_cfn_lint_passes():
    completed = subprocess.run(
        [cfn_lint_executable(), str(TEMPLATE)],
        check=False,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.sam
def test_sam_validate_lint_passes():
    sam = require_sam()
    completed = subprocess.run(
        [str(sam), "validate", "--lint", "--template-file", str(TEMPLATE)],
        check=False,
        cwd=REPO_ROOT,
        env=sam_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "is a valid SAM Template" in completed.stdout + completed.stderr
