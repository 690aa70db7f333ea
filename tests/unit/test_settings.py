"""Settings: defaults that always validate, and the environment read once."""

from __future__ import annotations

import pytest
from facegender import settings
from facegender.settings import Settings


@pytest.mark.parametrize("cpus, expected", [(None, 1), (2, 2), (64, 64), (65, 64), (192, 64)])
def test_default_concurrency_follows_the_cpus_up_to_64(monkeypatch, cpus, expected):
    monkeypatch.setattr(settings.os, "cpu_count", lambda: cpus)
    assert Settings().max_concurrent == expected


def test_concurrency_above_64_is_refused_when_asked_for(monkeypatch):
    monkeypatch.setenv("FACEGENDER_MAX_CONCURRENT", "65")
    with pytest.raises(ValueError, match="FACEGENDER_MAX_CONCURRENT"):
        Settings.from_env()
