"""Empty the stack's website bucket so CloudFormation can delete it (``make destroy``).

    python -m infra.destroy --stack-name facegender [--region eu-west-1]

A stack that does not exist, or whose bucket is already gone, is not an error.
"""

from __future__ import annotations

import argparse
import sys

import boto3
from botocore.exceptions import ClientError

from .stack import describe_stack, errors_as_one_line


def empty_bucket(bucket: str, *, s3=None) -> int:
    """Delete every object, version and delete marker in ``bucket``; return how many."""
    s3 = s3 or boto3.client("s3")
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        items = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(items), 1000):
            chunk = items[start : start + 1000]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            deleted += len(chunk)
    return deleted


def empty_stack_bucket(stack_name: str, *, cloudformation=None, s3=None) -> int:
    """Empty the WebsiteBucket of ``stack_name``; 0 when the stack or its bucket does not exist."""
    stack = describe_stack(stack_name, cloudformation=cloudformation)
    if stack is None:
        return 0
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
    if "WebsiteBucket" not in outputs:
        return 0
    try:
        return empty_bucket(outputs["WebsiteBucket"], s3=s3)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return 0
        raise


@errors_as_one_line()
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.destroy", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's)")
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    count = empty_stack_bucket(
        args.stack_name, cloudformation=session.client("cloudformation"), s3=session.client("s3")
    )
    print(f"deleted {count} objects from the website bucket of {args.stack_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
