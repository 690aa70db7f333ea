"""The S3 batch client: start the stack's BatchStateMachine over an S3 prefix, follow it, fetch.

Command line (also ``python -m facegender batch ...`` and ``make batch``)::

    python -m infra.batch s3://bucket/input/photos/ [--output results.jsonl] [--no-wait]
    python -m infra.batch --status <execution ARN>
    python -m infra.batch --fetch <execution ARN> [--output results.jsonl]

Progress comes from the map run's item counts (the local batch's bar, ``facegender.progress``);
the merged file has the local batch's lines and the same summary. Exit code: 0 when the run
succeeded and no photo became an error line, 1 otherwise, 2 for a usage or set-up error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import boto3

from facegender.progress import Progress
from facegender.records import Tally
from infra.stack import BATCH_OUTPUT_KEYS, StackError, errors_as_one_line, stack_outputs
RESULTS_PREFIX = "results/"  # facegender.batch_handler.RESULTS_PREFIX, without its imports
DONE = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


class BatchError(Exception):
    """A prefix the batch may not read, or an execution that is not this stack's."""


def parse_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise BatchError(f"expected s3://bucket/prefix, got {uri!r}")
    bucket, _, prefix = uri[5:].partition("/")
    if not bucket:
        raise BatchError(f"expected s3://bucket/prefix, got {uri!r}")
    return bucket, prefix


def start(sfn, outputs: dict, uri: str) -> str:
    """Start an execution over ``uri``; its ARN. Refuses a prefix the batch may not read."""
    bucket, prefix = parse_s3_uri(uri)
    allowed = f"s3://{outputs['BatchInputBucket']}/{outputs['BatchInputPrefix']}"
    if bucket != outputs["BatchInputBucket"] or not prefix.startswith(
            outputs["BatchInputPrefix"]):
        raise BatchError(f"the batch may read only under {allowed} (template parameters "
                         "BatchInputBucketName and BatchInputPrefix); upload the photos there")
    reply = sfn.start_execution(stateMachineArn=outputs["BatchStateMachineArn"],
                                input=json.dumps({"bucket": bucket, "prefix": prefix}))
    return reply["executionArn"]


def status(sfn, execution_arn: str) -> dict:
    """The execution's status and its map run's item counts (empty until the map starts)."""
    execution = sfn.describe_execution(executionArn=execution_arn)
    counts: dict = {}
    runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    if runs:
        counts = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"]).get("itemCounts", {})
    return {"status": execution["status"], "items": counts}


def follow(sfn, execution_arn: str, *, poll: float = 5.0, stream=None) -> dict:
    """Show progress from the map run's counts until the execution ends; its last status."""
    progress = None
    while True:
        now = status(sfn, execution_arn)
        items = now["items"]
        if items and progress is None:
            progress = Progress(items.get("total", 0), stream=stream, interval=poll * 2)
        if progress is not None and items:
            progress.total = items.get("total", progress.total)
            failed = items.get("failed", 0) + items.get("timedOut", 0) + items.get("aborted", 0)
            progress.update(items.get("succeeded", 0) + failed, failed=failed)
        if now["status"] in DONE:
            if progress is not None:
                progress.close()
            return now
        time.sleep(poll)


def fetch(s3, results_bucket: str, execution_arn: str, output: Path) -> Tally:
    """Merge every results object of the execution into ``output`` (JSONL); their tally."""
    name = execution_arn.rsplit(":", 1)[-1]
    tally = Tally()
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=results_bucket, Prefix=f"{RESULTS_PREFIX}{name}/")
    with output.open("wb") as out:
        for page in pages:
            for item in page.get("Contents", []):
                if not item["Key"].endswith(".jsonl"):
                    continue
                body = s3.get_object(Bucket=results_bucket, Key=item["Key"])["Body"].read()
                for line in body.splitlines(keepends=True):
                    tally.add(json.loads(line))
                    out.write(line if line.endswith(b"\n") else line + b"\n")
    return tally


@errors_as_one_line((StackError, BatchError), code=2)
def main(argv: list[str] | None = None, *, session=None) -> int:
    args = _parser().parse_args(argv)
    if sum(map(bool, (args.uri, args.status, args.fetch))) != 1:
        print("error: give one of s3://bucket/prefix, --status ARN or --fetch ARN",
              file=sys.stderr)
        return 2
    session = session or boto3.session.Session(region_name=args.region)
    sfn, s3 = session.client("stepfunctions"), session.client("s3")
    began = time.monotonic()
    outputs = stack_outputs(args.stack_name, cloudformation=session.client("cloudformation"),
                            required=BATCH_OUTPUT_KEYS)
    if args.status:
        print(json.dumps(status(sfn, args.status)))
        return 0
    arn = args.fetch or start(sfn, outputs, args.uri)
    succeeded = True
    if args.uri:
        print(arn, flush=True)
        if args.no_wait:
            return 0
        final = follow(sfn, arn, poll=args.poll)
        succeeded = final["status"] == "SUCCEEDED"
        if not succeeded:
            print(f"execution ended {final['status']}: --status {arn} says more; "
                  "--fetch gets what was written", file=sys.stderr)
    tally = fetch(s3, outputs["BatchBucket"], arn, args.output)
    print(f"{args.output}: " + tally.summary(time.monotonic() - began), file=sys.stderr)
    return int(tally.failed > 0 or not succeeded)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m facegender batch",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("uri", nargs="?", help="s3://bucket/prefix of the photos to classify")
    parser.add_argument("--status", metavar="ARN", help="print an execution's state and counts")
    parser.add_argument("--fetch", metavar="ARN", help="merge an execution's results")
    parser.add_argument("--no-wait", action="store_true", help="print the ARN and return")
    parser.add_argument("--output", "-o", type=Path, default=Path("results.jsonl"),
                        help="the merged JSONL (default: %(default)s)")
    parser.add_argument("--stack-name", default="facegender")
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's)")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between status calls")
    return parser


if __name__ == "__main__":
    sys.exit(main())
