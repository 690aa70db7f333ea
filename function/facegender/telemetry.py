"""Observability hooks: the app and service report to one of these; nothing here by default.

The Lambda entry point plugs in Powertools (metrics, tracing, logs); the local server and the
tests use :class:`Telemetry` itself, which records nothing. No hook ever receives image data.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext


class Telemetry:
    """Does nothing; subclasses send the figures somewhere."""

    def stage(self, name: str) -> AbstractContextManager:
        """A span around one pipeline stage (``decode``, ``detect``, ``classify``)."""
        return nullcontext()

    def record_prediction(self, reply: dict) -> None:
        """Called with each successful reply (faces, timings; never the image)."""

    def record_error(self, code: str) -> None:
        """Called with the error code of each failed request."""
