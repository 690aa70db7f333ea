"""`make deploy` is one `sam deploy` plus the site upload, read from its dry run (`make -n`).

`make -n` prints every command the target would run and runs none (recursive `$(MAKE)` lines
print theirs too), so this needs neither AWS credentials nor the SAM CLI.
"""

from __future__ import annotations

import os
import re
import subprocess

from aws_support import REPO_ROOT

SAM_DEPLOY = re.compile(r"\bsam deploy\b")
PUBLISH = re.compile(r"-m infra\.publish_site\b")


def dry_run(*variables: str) -> list[str]:
    completed = subprocess.run(
        ["make", "-n", "deploy", "STACK_NAME=facegender-dry-run", *variables],
        cwd=REPO_ROOT, env={**os.environ, "MAKEFLAGS": ""}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.splitlines()


def test_deploy_is_one_sam_deploy_then_the_site_upload():
    lines = dry_run()
    # Counted per occurrence: one shell line may hold several commands.
    deploys = [i for i, line in enumerate(lines) for _ in SAM_DEPLOY.finditer(line)]
    publishes = [i for i, line in enumerate(lines) for _ in PUBLISH.finditer(line)]
    assert len(deploys) == 1, "\n".join(lines)
    assert len(publishes) == 1, "\n".join(lines)
    builds = [i for i, line in enumerate(lines) if re.search(r"\bsam build\b", line)]
    assert builds and builds[0] < deploys[0] < publishes[0]
    assert "--stack-name facegender-dry-run" in lines[deploys[0]]


def test_deploy_needs_no_stack_lookup_or_generated_origin_first():
    text = "\n".join(dry_run())
    assert "CspApiOrigin" not in text
    assert "infra.stack" not in text.split("sam deploy")[0], "nothing is read before deploying"


def test_deploy_passes_params_as_parameter_overrides():
    (line,) = [
        line
        for line in dry_run("PARAMS=ReservedConcurrency=50 EnableWaf=true")
        if SAM_DEPLOY.search(line)
    ]
    assert '--parameter-overrides "ReservedConcurrency=50 EnableWaf=true"' in line
    (plain,) = [line for line in dry_run() if SAM_DEPLOY.search(line)]
    assert "--parameter-overrides" not in plain, "no overrides: the template's defaults"
