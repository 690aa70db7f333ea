"""Observability hooks: the app and service report to one of these; nothing here by default.

The Lambda entry point plugs in Powertools (metrics, tracing, logs); the local server and the
tests use :class:`Telemetry` itself, which records nothing. No hook ever receives image data.

:func:`stage` is the one stage timer: the service's timings, the benchmarks' and training's go
through it.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Callable, Iterator


@contextmanager
def stage(name: str, timings: dict[str, float],
          span: Callable[[str], AbstractContextManager] | None = None) -> Iterator[None]:
    """Time the ``with`` block: ``timings[name]`` is its wall time in milliseconds (unrounded),
    set when the block ends without an error; ``span(name)`` (e.g. :meth:`Telemetry.stage`)
    is open around it."""
    with span(name) if span is not None else nullcontext():
        start = time.perf_counter()
        yield
        timings[name] = (time.perf_counter() - start) * 1000.0


class Telemetry:
    """Does nothing; subclasses send the figures somewhere."""

    def stage(self, name: str) -> AbstractContextManager:
        """A span around one pipeline stage (``decode``, ``detect``, ``classify``)."""
        return nullcontext()

    def record_prediction(self, reply: dict) -> None:
        """Called with each successful reply (faces, timings; never the image)."""

    def record_error(self, code: str) -> None:
        """Called with the error code of each failed request."""
