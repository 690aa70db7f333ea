"""Powertools telemetry for Lambda: EMF metrics, X-Ray subsegments, one log line a request."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from .telemetry import Telemetry


class PowertoolsTelemetry(Telemetry):
    """Faces per request, no-face requests, errors by code and stage latencies, as EMF."""

    def __init__(self, logger: Logger, metrics: Metrics, tracer: Tracer):
        self.logger, self.metrics, self.tracer = logger, metrics, tracer

    def stage(self, name: str):
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
