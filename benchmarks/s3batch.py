"""The S3 batch handler over 1,000 objects under moto (issue 18): 950 dev-test photos and 50 bad
objects (text, truncated JPEGs, decompression bombs, oversize files, keys deleted after the
listing), listed as the Distributed Map's ItemReader lists them and cut into batches of 40 as its
ItemBatcher does, each through ``facegender.batch_handler.process_batch``.

Goal: every object answered exactly once, bad ones as error lines, nothing else written.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter

from tests.support.paths import DATA

GOOD, BAD, PER_BATCH = 950, 50, 40
REGION, INPUT, RESULTS = "eu-west-1", "photos-in", "batch-results"


def _bad_objects(jpeg: bytes) -> dict[str, tuple[bytes, str]]:
    from tests.support.images import png_header_only

    kinds = [(b"not a photo", "not_an_image"), (jpeg[:len(jpeg) // 3], "corrupt_image"),
             (png_header_only(30_000, 30_000), "image_too_large"),
             (b"\xff\xd8\xff" + bytes(4_500_000), "payload_too_large"),
             (jpeg, "unreadable_object")]  # deleted after the listing
    return {f"input/bad/{i:03d}.jpg": kinds[i % len(kinds)] for i in range(BAD)}


def main() -> dict:
    photos = sorted((DATA / "faces" / "test").glob("*/*.jpg"))[:GOOD]
    if len(photos) < GOOD:
        print(f"s3batch: skipped, fewer than {GOOD} photos under {DATA / 'faces' / 'test'}")
        return {"skipped": "no dataset"}
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        os.environ.setdefault(name, value)
    import boto3
    from moto import mock_aws

    from facegender.batch_handler import process_batch
    from facegender.service import FaceService

    service = FaceService.load()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (INPUT, RESULTS):
            s3.create_bucket(Bucket=bucket,
                             CreateBucketConfiguration={"LocationConstraint": REGION})
        for photo in photos:
            s3.put_object(Bucket=INPUT, Key=f"input/{photo.parent.name}/{photo.name}",
                          Body=photo.read_bytes())
        bad = _bad_objects(photos[0].read_bytes())
        for key, (data, _) in bad.items():
            s3.put_object(Bucket=INPUT, Key=key, Body=data)
        items = [{"Key": o["Key"], "Size": o["Size"], "Etag": o["ETag"], "LastModified": 0}
                 for page in s3.get_paginator("list_objects_v2").paginate(Bucket=INPUT)
                 for o in page["Contents"]]
        for key, (_, code) in bad.items():
            if code == "unreadable_object":
                s3.delete_object(Bucket=INPUT, Key=key)
        start = time.perf_counter()
        for i in range(0, len(items), PER_BATCH):
            process_batch({"Items": items[i:i + PER_BATCH],
                           "BatchInput": {"bucket": INPUT, "execution": "bench"}},
                          s3=s3, service=service, results_bucket=RESULTS)
        seconds = time.perf_counter() - start
        written = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=RESULTS) for o in page.get("Contents", [])]
        lines = [json.loads(line) for key in written
                 for line in s3.get_object(Bucket=RESULTS, Key=key)["Body"].read().splitlines()]
    answered = Counter(line["path"] for line in lines)
    expected = {f"s3://{INPUT}/{item['Key']}" for item in items}
    errors = {line["path"].rsplit("/", 2)[-2] + "/" + line["path"].rsplit("/", 1)[-1]:
              line["error"]["code"] for line in lines if "error" in line}
    wrong = [k for k, (_, code) in bad.items() if errors.get(k.removeprefix("input/")) != code]
    result = {
        "objects": len(items), "batches": len(written), "seconds": round(seconds, 1),
        "objects_per_s": round(len(items) / seconds, 2),
        "answered_once": set(answered) == expected and max(answered.values()) == 1,
        "error_lines": len(errors), "bad_objects_with_wrong_code": wrong,
        "written_outside_results": [k for k in written if not k.startswith("results/bench/")],
        "faces": sum(len(line.get("faces", [])) for line in lines),
    }
    print(f"s3batch: {result['objects']} objects in {result['batches']} batches, "
          f"{result['seconds']} s ({result['objects_per_s']} objects/s, one process); every "
          f"object answered once: {result['answered_once']}; {result['error_lines']} error "
          f"lines, wrong codes: {wrong or 'none'}")
    return result


if __name__ == "__main__":
    main()
