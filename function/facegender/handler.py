"""AWS Lambda entry point: the FastAPI app through Mangum, under Powertools.

The model and the cascades load here, once, during the Lambda init phase (and so into the
SnapStart snapshot). Logs are JSON with the request's correlation id and never the body. The
X-Ray SDK (about 0.27 s of imports, botocore among them) loads only when tracing is on: see
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


@metrics.log_metrics(capture_cold_start_metric=True)
def _invoke(event, context):
    return _asgi(event, context)


if tracer is not None:
    _invoke = tracer.capture_lambda_handler(capture_response=False)(_invoke)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
                              log_event=False)
def handler(event, context):
    return _invoke(event, context)
