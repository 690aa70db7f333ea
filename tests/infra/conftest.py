"""Fixtures for the AWS tests: the parsed template and one `sam build` per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_support import FUNCTION_ID, TEMPLATE, run_sam


@pytest.fixture(scope="session")
def template() -> dict:
    """template.yaml with its CloudFormation tags decoded to JSON form (``{"Ref": ...}``)."""
    from cfnlint.decode import cfn_yaml

    return cfn_yaml.load(str(TEMPLATE))


@pytest.fixture(scope="session")
def resources(template) -> dict:
    return template["Resources"]


@pytest.fixture(scope="session")
def built_function(tmp_path_factory) -> Path:
    """One real `sam build` (no cache, no container) per session: the built function folder.

    The built template is ``<folder>/../template.yaml``, for `sam local`.
    """
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    completed = run_sam("build", "--template-file", str(TEMPLATE), "--build-dir", str(build_dir),
                        "--no-cached", timeout=900)
    if completed.returncode != 0:
        pytest.fail(
            f"sam build failed ({completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )
    return build_dir / FUNCTION_ID
