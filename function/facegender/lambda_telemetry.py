"""Powertools telemetry for Lambda: EMF metrics, X-Ray subsegments, one log line a request."""

from __future__ import annotations

import os
from contextlib import nullcontext
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

from .telemetry import Telemetry

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer


def tracing_enabled() -> bool:
    """Whether Powertools' Tracer would trace here: Powertools' own rule, read the same way.

    Off when ``POWERTOOLS_TRACE_DISABLED`` is true (the template sets it unless the function
    runs with active tracing), outside Lambda (no ``LAMBDA_TASK_ROOT``: tests, the local
    server) and under ``sam local`` or Chalice's local mode.
    """
    if resolve_truthy_env_var_choice(env=os.getenv(constants.TRACER_DISABLED_ENV, "false")):
        return False
    in_lambda = bool(os.getenv(constants.LAMBDA_TASK_ROOT_ENV))
    emulated = os.getenv(constants.SAM_LOCAL_ENV) or os.getenv(constants.CHALICE_LOCAL_ENV)
    return in_lambda and not emulated


def tracer_or_none() -> Tracer | None:
    """A Powertools Tracer when tracing is on, else None.

    A disabled ``Tracer()`` still imports the X-Ray SDK (its recorder is the provider even
    then), which is most of this function's init; when tracing is off nothing imports it.
    """
    if not tracing_enabled():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer()


class PowertoolsTelemetry(Telemetry):
    """Faces per request, no-face requests, errors by code and stage latencies, as EMF; each
    stage an X-Ray subsegment when there is a tracer."""

    def __init__(self, logger: Logger, metrics: Metrics, tracer: Tracer | None = None):
        self.logger, self.metrics, self.tracer = logger, metrics, tracer

    def stage(self, name: str):
        if self.tracer is None:
            return nullcontext()
        return self.tracer.provider.in_subsegment(f"## {name}")

    def record_prediction(self, reply: dict) -> None:
        faces = len(reply["faces"])
        self.metrics.add_metric(name="Faces", unit=MetricUnit.Count, value=faces)
        self.metrics.add_metric(name="NoFaceRequests", unit=MetricUnit.Count,
                                value=int(faces == 0))
        for stage, ms in reply["timings_ms"].items():
            self.metrics.add_metric(name=f"Latency_{stage}", unit=MetricUnit.Milliseconds,
                                    value=ms)
        self.logger.info("prediction", extra={
            "faces": faces,
            "image": reply["image"],
            "timings_ms": reply["timings_ms"],
        })

    def record_error(self, code: str) -> None:
        # One metric per code keeps the EMF dimension set fixed (dimensions are per flush).
        self.metrics.add_metric(name=f"Error_{code}", unit=MetricUnit.Count, value=1)
        self.logger.info("request refused", extra={"error_code": code})
