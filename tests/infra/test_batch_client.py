"""``python -m facegender batch``: start, status and fetch against moto (Step Functions, S3,
CloudFormation for the stack outputs).

moto answers ListMapRuns with nothing and DescribeMapRun with ``{}`` and never runs a
Distributed Map over Lambda, so exactly those two calls are faked, at the boto3 boundary
(:class:`MapRunFake` wraps the moto-backed client and passes every other call through). The map
itself is played by the test: the real batch handler over the real listed objects, then moto's
execution is marked SUCCEEDED in moto's own backend.
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.stepfunctions.models import stepfunctions_backends

from facegender.batch_handler import process_batch
from facegender.service import FaceService
from infra import batch

REGION = "eu-west-1"
BUCKET = "facegender-batch-bucket"
STACK = "facegender"


class MapRunFake:
    """The moto Step Functions client with ListMapRuns/DescribeMapRun answered from ``counts``."""

    def __init__(self, client):
        self.client, self.counts = client, []

    def __getattr__(self, name):
        return getattr(self.client, name)

    def list_map_runs(self, executionArn):
        return {"mapRuns": [{"mapRunArn": executionArn.replace(":execution:", ":mapRun:")
                             + "/ClassifyPhotos:1", "executionArn": executionArn}]
                if self.counts else []}

    def describe_map_run(self, mapRunArn):
        return {"itemCounts": self.counts.pop(0) if len(self.counts) > 1 else self.counts[0]}


class Session:
    """A boto3 session whose Step Functions client is the fake above."""

    def __init__(self, sfn):
        self.sfn, self.session = sfn, boto3.session.Session(region_name=REGION)

    def client(self, name):
        return self.sfn if name == "stepfunctions" else self.session.client(name)


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


@pytest.fixture
def stack(aws, astronaut_jpeg):
    """A state machine, the batch bucket with photos under input/, and the stack's outputs."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="input/set/a.jpg", Body=astronaut_jpeg)
    s3.put_object(Bucket=BUCKET, Key="input/set/b.jpg", Body=astronaut_jpeg)
    s3.put_object(Bucket=BUCKET, Key="input/set/notes.txt", Body=b"not a photo")
    machine = aws.client("stepfunctions").create_state_machine(
        name=f"{STACK}-batch", definition=json.dumps({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "End": True}}}),
        roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/batch")["stateMachineArn"]
    outputs = {"BatchStateMachineArn": machine, "BatchBucket": BUCKET,
               "BatchInputBucket": BUCKET, "BatchInputPrefix": "input/"}
    template = {"Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {k: {"Value": v} for k, v in outputs.items()}}
    aws.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    return MapRunFake(aws.client("stepfunctions"))


def play_the_map(aws, execution_arn: str) -> None:
    """What the Distributed Map does: list the input, run the handler on a batch, succeed."""
    s3 = aws.client("s3")
    execution = json.loads(aws.client("stepfunctions").describe_execution(
        executionArn=execution_arn)["input"])
    listed = s3.list_objects_v2(Bucket=execution["bucket"], Prefix=execution["prefix"])
    items = [{"Key": o["Key"], "Size": o["Size"], "Etag": o["ETag"], "LastModified": 0}
             for o in listed["Contents"]]
    process_batch({"Items": items, "BatchInput": {"bucket": execution["bucket"],
                                                  "execution": execution_arn.split(":")[-1]}},
                  s3=s3, service=FaceService.load(), results_bucket=BUCKET)
    stepfunctions_backends[DEFAULT_ACCOUNT_ID][REGION].describe_execution(
        execution_arn).status = "SUCCEEDED"


def test_no_wait_starts_an_execution_over_the_prefix_and_prints_its_arn(aws, stack, capsys):
    code = batch.main(["s3://" + BUCKET + "/input/set/", "--no-wait"], session=Session(stack))
    arn = capsys.readouterr().out.strip()
    assert code == 0 and ":execution:facegender-batch:" in arn
    described = aws.client("stepfunctions").describe_execution(executionArn=arn)
    assert json.loads(described["input"]) == {"bucket": BUCKET, "prefix": "input/set/"}
    assert described["status"] == "RUNNING"


def test_a_prefix_outside_the_readable_one_is_refused_before_starting(aws, stack, capsys):
    code = batch.main(["s3://" + BUCKET + "/elsewhere/", "--no-wait"], session=Session(stack))
    assert code == 2 and "only under s3://" + BUCKET + "/input/" in capsys.readouterr().err
    machine = aws.client("stepfunctions").list_state_machines()["stateMachines"][0]
    assert aws.client("stepfunctions").list_executions(
        stateMachineArn=machine["stateMachineArn"])["executions"] == []


def test_status_then_fetch_merges_every_line_and_prints_the_summary(aws, stack, capsys,
                                                                    tmp_path):
    batch.main(["s3://" + BUCKET + "/input/set/", "--no-wait"], session=Session(stack))
    arn = capsys.readouterr().out.strip()
    stack.counts = [{"total": 3, "succeeded": 1, "failed": 0, "running": 2}]
    assert batch.main(["--status", arn], session=Session(stack)) == 0
    assert json.loads(capsys.readouterr().out) == {
        "status": "RUNNING", "items": {"total": 3, "succeeded": 1, "failed": 0, "running": 2}}

    play_the_map(aws, arn)
    out = tmp_path / "merged.jsonl"
    code = batch.main(["--fetch", arn, "--output", str(out)], session=Session(stack))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(line["path"] for line in lines) == [
        f"s3://{BUCKET}/input/set/{name}" for name in ("a.jpg", "b.jpg", "notes.txt")]
    assert code == 1, "a photo became an error line"
    summary = capsys.readouterr().err
    assert "3 images, 2 faces (" in summary and "1 errors (not_an_image: 1)" in summary


def test_waiting_follows_the_map_runs_counts_then_merges(aws, stack, capsys, tmp_path,
                                                         monkeypatch):
    def sleep(_):  # each poll, the map moves on; the second finishes it
        if len(stack.counts) == 1 and stack.counts[0]["succeeded"] == 0:
            stack.counts = [{"total": 3, "succeeded": 3, "failed": 0}]
            arn = aws.client("stepfunctions").list_executions(
                stateMachineArn=stack_machine(aws))["executions"][0]["executionArn"]
            play_the_map(aws, arn)

    stack.counts = [{"total": 3, "succeeded": 0, "failed": 0}]
    monkeypatch.setattr(batch.time, "sleep", sleep)
    out = tmp_path / "results.jsonl"
    code = batch.main(["s3://" + BUCKET + "/input/set/", "--output", str(out), "--poll", "0"],
                      session=Session(stack))
    err = capsys.readouterr().err
    assert code == 1 and len(out.read_text().splitlines()) == 3
    assert "0/3 images" in err and "3/3 images" in err, "the bar's non-terminal lines"
    assert err.strip().splitlines()[-1].startswith(f"{out}: 3 images, 2 faces")


def stack_machine(aws) -> str:
    return aws.client("stepfunctions").list_state_machines()["stateMachines"][0][
        "stateMachineArn"]
