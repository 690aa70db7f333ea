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


@pytest.mark.parametrize("value", [0, -1, 101])
def test_explained_faces_are_bounded(value):
    """A negative count would slice off the last faces instead of keeping the first."""
    with pytest.raises(ValueError, match="FACEGENDER_MAX_EXPLAINED_FACES"):
        Settings(max_explained_faces=value)


def test_explained_faces_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("FACEGENDER_MAX_EXPLAINED_FACES", "2")
    assert Settings.from_env().max_explained_faces == 2
