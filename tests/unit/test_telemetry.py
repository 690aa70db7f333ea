"""telemetry.stage: the one stage timer (the service's timings, the benchmarks')."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from facegender.telemetry import stage


def test_stage_records_milliseconds_inside_the_span():
    opened, timings = [], {}

    @contextmanager
    def span(name):
        opened.append(("open", name))
        yield
        opened.append(("close", name))

    with stage("decode", timings, span):
        time.sleep(0.02)
        assert opened == [("open", "decode")]
    assert opened == [("open", "decode"), ("close", "decode")]
    assert 15 <= timings["decode"] < 2000


def test_a_stage_that_fails_records_nothing():
    timings = {}
    with pytest.raises(ValueError), stage("detect", timings):
        raise ValueError("boom")
    assert timings == {}
