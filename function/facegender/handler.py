"""AWS Lambda entry point: the FastAPI app through Mangum, under Powertools.

The model and the cascade load here, once, during the Lambda init phase (and so into the
SnapStart snapshot). Logs are JSON with the request's correlation id and never the body.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from .api import create_app
from .lambda_telemetry import PowertoolsTelemetry

logger = Logger()
metrics = Metrics()
tracer = Tracer()
app = create_app(telemetry=PowertoolsTelemetry(logger, metrics, tracer))
_asgi = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
                              log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event, context):
    return _asgi(event, context)
