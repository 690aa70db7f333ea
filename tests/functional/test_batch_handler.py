"""The S3 batch handler (a Distributed Map child) against moto S3 holding real photos and bad
objects, driven with the event an S3 ``ItemReader`` + ``ItemBatcher`` gives a child."""

from __future__ import annotations

import base64
import importlib
import json

import boto3
import numpy as np
import pytest
from moto import mock_aws

from tests.support.images import encode, png_header_only

from tests.support.lambda_events import FakeLambdaContext

REGION = "eu-west-1"
INPUT, RESULTS = "photos-in", "facegender-batch"
EXECUTION = "run-2026-12-04"


@pytest.fixture
def s3(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
                        "FACEGENDER_RESULTS_BUCKET": RESULTS}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        for bucket in (INPUT, RESULTS):
            client.create_bucket(Bucket=bucket,
                                 CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


@pytest.fixture
def photos(s3, astronaut_rgb, astronaut_jpeg):
    """Keys -> the code each answer must have (None: classified)."""
    objects = {
        "input/astronaut.jpg": (astronaut_jpeg, None),
        "input/sub/astronaut.png": (encode(astronaut_rgb, "PNG"), None),
        "input/grey.jpg": (encode(np.full((120, 160, 3), 128, np.uint8), "JPEG"), None),
        "input/notes.txt": (b"not a photo", "not_an_image"),
        "input/truncated.jpg": (astronaut_jpeg[:5000], "corrupt_image"),
        "input/bomb.png": (png_header_only(30_000, 30_000), "image_too_large"),
        "input/huge.jpg": (b"\xff\xd8\xff" + bytes(4_500_000), "payload_too_large"),
        "input/folder/": (b"", "skipped"),
    }
    for key, (data, _) in objects.items():
        s3.put_object(Bucket=INPUT, Key=key, Body=data)
    return {key: code for key, (_, code) in objects.items()}


def item_reader_items(s3) -> list[dict]:
    """The items an S3 ``ItemReader`` (``s3:listObjectsV2``) gives, field for field."""
    listed = s3.list_objects_v2(Bucket=INPUT, Prefix="input/")["Contents"]
    return [{"Etag": o["ETag"], "Key": o["Key"], "LastModified": int(o["LastModified"].timestamp()),
             "Size": o["Size"], "StorageClass": o.get("StorageClass", "STANDARD")} for o in listed]


def event(items) -> dict:
    return {"Items": items, "BatchInput": {"bucket": INPUT, "execution": EXECUTION}}


def written(s3) -> dict[str, bytes]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=RESULTS).get("Contents", [])]
    return {key: s3.get_object(Bucket=RESULTS, Key=key)["Body"].read() for key in keys}


@pytest.fixture
def batch_handler(s3):
    import facegender.batch_handler as module

    return importlib.reload(module)  # its init phase under moto, with this test's environment


def test_a_batch_answers_every_object_once_in_one_results_object(s3, photos, batch_handler,
                                                                 caplog):
    items = item_reader_items(s3)
    items.append({"Key": "input/deleted-since-listing.jpg", "Size": 1000, "Etag": '"x"',
                  "LastModified": 0, "StorageClass": "STANDARD"})
    reply = batch_handler.handler(event(items), FakeLambdaContext())

    results = written(s3)
    assert len(results) == 1, "one object per batch, nothing else in the results bucket"
    [(key, body)] = results.items()
    assert key.startswith(f"results/{EXECUTION}/") and key.endswith(".jsonl")
    assert reply["results"] == f"s3://{RESULTS}/{key}"
    lines = [json.loads(line) for line in body.decode().splitlines()]
    by_key = {line["path"].removeprefix(f"s3://{INPUT}/"): line for line in lines}
    assert len(by_key) == len(lines)
    expected = {k: c for k, c in photos.items() if c != "skipped"}
    expected["input/deleted-since-listing.jpg"] = "unreadable_object"
    assert set(by_key) == set(expected)
    for key, code in expected.items():
        if code is None:
            assert "faces" in by_key[key] and "timings_ms" in by_key[key], by_key[key]
        else:
            assert by_key[key]["error"]["code"] == code, by_key[key]
    assert len(by_key["input/astronaut.jpg"]["faces"]) == 1
    assert by_key["input/grey.jpg"]["faces"] == []
    assert reply["images"] == 8 and reply["faces"] == 2 and sum(reply["errors"].values()) == 5
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=INPUT)["Contents"]} == set(photos), \
        "nothing written to the input bucket"

    logs = repr([record.__dict__ for record in caplog.records])  # every field of every line
    jpeg_b64 = base64.b64encode((s3.get_object(Bucket=INPUT, Key="input/astronaut.jpg")
                                 ["Body"].read())[:30]).decode()[:32]
    assert "batch done" in logs and jpeg_b64 not in logs and "crop_png" not in logs


def test_a_retried_batch_overwrites_its_own_results(s3, photos, batch_handler):
    items = item_reader_items(s3)[:3]
    first = batch_handler.handler(event(items), FakeLambdaContext())
    again = batch_handler.handler(event(list(reversed(items))), FakeLambdaContext())
    assert first["results"] == again["results"]
    assert len(written(s3)) == 1


def test_an_oversize_object_is_refused_from_its_listed_size_without_a_get(s3, photos,
                                                                         batch_handler):
    calls = []
    batch_handler._s3.meta.events.register("before-call.s3.GetObject",
                            lambda **_: calls.append(1))
    huge = [i for i in item_reader_items(s3) if i["Key"] == "input/huge.jpg"]
    batch_handler.handler(event(huge), FakeLambdaContext())
    assert calls == []
