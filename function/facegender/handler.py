"""AWS Lambda entry point: the FastAPI app through Mangum, under Powertools.

The model and the cascades load here, once, during the Lambda init phase (and so into the
SnapStart snapshot). Logs are JSON with the request's correlation id and never the body. The
X-Ray SDK and the botocore it brings (about 0.15 s of init) load only when tracing is on: see
:func:`facegender.lambda_telemetry.tracer_or_none`.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from .api import create_app
from .lambda_telemetry import PowertoolsTelemetry, tracer_or_none

logger = Logger()
metrics = Metrics()
tracer = tracer_or_none()
app = create_app(telemetry=PowertoolsTelemetry(logger, metrics, tracer))
_asgi = Mangum(app, lifespan="off")


def _traced(function):
    """Powertools' handler subsegment (``## handler``) when tracing is on; else the function."""
    if tracer is None:
        return function
    return tracer.capture_lambda_handler(function, capture_response=False)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
                              log_event=False)
@_traced
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event, context):
    return _asgi(event, context)
