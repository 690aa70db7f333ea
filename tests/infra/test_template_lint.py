"""The template passes cfn-lint and `sam validate --lint`."""

from __future__ import annotations

import subprocess

import pytest
from aws_support import REPO_ROOT, TEMPLATE, cfn_lint_executable, run_sam


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
    completed = run_sam("validate", "--lint", "--template-file", str(TEMPLATE), timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "is a valid SAM Template" in completed.stdout + completed.stderr
