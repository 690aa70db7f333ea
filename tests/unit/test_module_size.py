"""No Python module of the service or of training is over 300 lines (issue 19's rule: a module a
newcomer reads in one sitting, each concern with one owner)."""

from __future__ import annotations

import pytest

from tests.support.paths import REPO_ROOT

LIMIT = 300
MODULES = sorted(path for folder in ("function", "training")
                 for path in (REPO_ROOT / folder).rglob("*.py") if ".aws-sam" not in path.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_module_is_at_most_300_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{path.relative_to(REPO_ROOT)} has {lines} lines; split it by concern"
