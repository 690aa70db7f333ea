"""AWS Lambda entry point of the S3 batch: one child of the Step Functions Distributed Map.

The map's ``ItemReader`` lists the input prefix and its ``ItemBatcher`` hands each child a batch::

    {"Items": [{"Key": "input/a.jpg", "Size": 52311, "Etag": "\"...\"", "LastModified": ...}, ...],
     "BatchInput": {"bucket": "<input bucket>", "execution": "<execution name>"}}

Each object is classified through the same service code path as ``POST /v1/predict`` and the
local batch (:func:`facegender.records.classify_record`): its listed size is checked against the
API's byte limit before any request, the ``GetObject`` reply's length again before the body is
read, then the same decode and pixel limits. The lines (the local batch's records, with ``path``
the object's ``s3://`` URI) go to ``results/<execution>/<batch id>.jsonl`` in one ``PutObject``.
The batch id is a hash of the batch's keys, so a retried batch overwrites its own object: every
object is answered once. A bad object is an error line; only a failure to reach S3 at all (not a
refused object) fails the batch, which the state machine retries.

A separate function from the API's (``handler.py``) on the same package and model: it imports no
FastAPI, Mangum or pydantic (a smaller cold start, paid once per batch of dozens of photos), has
its own timeout (a batch takes tens of seconds; the API's is capped at 29 s) and its own
concurrency (``MaxConcurrency`` of the map), so a large batch never takes the API's reserved
instances. Logs carry counts and keys, never image bytes.
"""

from __future__ import annotations

import hashlib
import os

from .records import UNREADABLE_OBJECT, Tally, Unreadable, classify_record, dumps
from .imaging import check_byte_count

RESULTS_PREFIX = "results/"


def process_batch(event: dict, *, s3, service, results_bucket: str) -> dict:
    """Classify one Distributed Map batch and write its lines; a short summary out."""
    batch_input = event["BatchInput"]
    bucket, execution = batch_input["bucket"], batch_input["execution"]
    if not execution or "/" in execution or execution in (".", ".."):
        raise ValueError(f"execution must be a plain name, got {execution!r}")
    # "Folders" made in the S3 console are empty objects named .../: not photos.
    items = [item for item in event["Items"]
             if not (item["Key"].endswith("/") and int(item.get("Size", 0)) == 0)]
    tally, lines = Tally(), []
    for item in items:
        record = _object_record(s3, service, bucket, item)
        tally.add(record)
        lines.append(dumps(record))
    batch_id = hashlib.sha256("\n".join(sorted(i["Key"] for i in items)).encode()).hexdigest()
    key = f"{RESULTS_PREFIX}{execution}/{batch_id[:24]}.jsonl"
    s3.put_object(Bucket=results_bucket, Key=key, Body="".join(lines).encode(),
                  ContentType="application/x-ndjson")
    return {"results": f"s3://{results_bucket}/{key}", "images": tally.images,
            "faces": tally.faces, "errors": dict(tally.errors)}


def _object_record(s3, service, bucket: str, item: dict) -> dict:
    from botocore.exceptions import ClientError

    key = item["Key"]

    def read(limit: int) -> bytes:
        try:
            reply = s3.get_object(Bucket=bucket, Key=key)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise Unreadable(f"The object cannot be read ({code}).",
                             code=UNREADABLE_OBJECT) from None
        body = reply["Body"]
        try:
            # It may have changed since the listing: its length again, before the body.
            check_byte_count(int(reply["ContentLength"]), limit - 1)
            return body.read(limit)
        finally:
            body.close()

    return classify_record(service, f"s3://{bucket}/{key}", int(item.get("Size", 0)), read)


def _init():
    import boto3
    from aws_lambda_powertools import Logger

    from .service import FaceService
    from .settings import ENV_RESULTS_BUCKET

    return Logger(), boto3.client("s3"), FaceService.load(), os.environ.get(ENV_RESULTS_BUCKET)


# Lambda's init phase: the model, the cascades and the S3 client, once per instance.
logger, _s3, _service, _results_bucket = _init()


@logger.inject_lambda_context(log_event=False)
def handler(event, context):
    if not _results_bucket:
        raise RuntimeError("FACEGENDER_RESULTS_BUCKET is not set (template.yaml sets it)")
    summary = process_batch(event, s3=_s3, service=_service, results_bucket=_results_bucket)
    logger.info("batch done", extra=summary)
    return summary
