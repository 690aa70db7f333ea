"""Publish frontend/ to the stack's bucket as it is, and invalidate CloudFront.

Reads the bucket and distribution from the stack outputs by key, so nothing is hard-coded, and
writes nothing of its own: the page calls the API on its own origin::

    python -m infra.publish_site --stack-name facegender [--region eu-west-1] [--site-dir frontend]

Upload order keeps visitors consistent during a publish: assets first, then the HTML that
references them; objects no longer in frontend/ are deleted last, and one invalidation of
``/*`` follows.
"""

from __future__ import annotations

import argparse
import mimetypes
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from .stack import StackError, errors_as_one_line, stack_outputs

# The page beside this folder (deploy tooling: it imports nothing from the tests or training).
SITE_DIR = Path(__file__).resolve().parent.parent / "frontend"

# Revalidated on every load (a 304 against the ETag S3 keeps for each object): the page and
# the code it runs. ES modules import each other by fixed names, so caching one for minutes
# could run an old module beside new ones after a deploy.
NO_CACHE = "no-cache"
REVALIDATED_SUFFIXES = (".html", ".htm", ".js", ".mjs", ".css")
# Names that carry a content hash (app.3f9a2c1d.js) never change: cache for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
# Anything else (pictures, fonts) keeps its name across releases but does not run; five
# minutes bounds how long an old one shows.
SHORT = "public, max-age=300"

_HASHED_NAME = re.compile(r"[.-][0-9a-f]{8,}\.[A-Za-z0-9]+$")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}


@dataclass
class PublishResult:
    """What a publish changed."""

    bucket: str
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    invalidation_id: str | None = None


def content_type_for(key: str) -> str:
    """The Content-Type to store with ``key`` (explicit table first: the OS's mime.types varies)."""
    suffix = Path(key).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(key)
    return guessed or "application/octet-stream"


def cache_control_for(key: str) -> str:
    """The Cache-Control for ``key``: a year for hashed names, no-cache for pages and code."""
    name = Path(key).name
    if _HASHED_NAME.search(name):
        return IMMUTABLE
    if name.lower().endswith(REVALIDATED_SUFFIXES):
        return NO_CACHE
    return SHORT


def site_files(site_dir: Path) -> dict[str, Path]:
    """``{key: path}`` to publish: all files under ``site_dir`` but hidden ones and caches."""
    files = {}
    for path in sorted(site_dir.rglob("*")):
        relative = path.relative_to(site_dir)
        if not path.is_file() or any(
            part.startswith(".") or part == "__pycache__" for part in relative.parts
        ):
            continue
        files[relative.as_posix()] = path
    if "index.html" not in files:
        raise FileNotFoundError(f"{site_dir} has no index.html")
    return files


def _upload_order(key: str) -> int:
    return 1 if key.endswith((".html", ".htm")) else 0


def publish(
    *,
    bucket: str,
    distribution_id: str,
    site_dir: Path = SITE_DIR,
    delete_stale: bool = True,
    s3=None,
    cloudfront=None,
) -> PublishResult:
    """Upload ``site_dir`` to ``bucket`` as it is; invalidate the distribution once."""
    s3 = s3 or boto3.client("s3")
    cloudfront = cloudfront or boto3.client("cloudfront")
    result = PublishResult(bucket=bucket)

    files = site_files(site_dir)
    for key in sorted(files, key=lambda k: (_upload_order(k), k)):
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=files[key].read_bytes(),
            ContentType=content_type_for(key),
            CacheControl=cache_control_for(key),
        )
        result.uploaded.append(key)

    if delete_stale:
        stale = [key for key in _list_keys(s3, bucket) if key not in files]
        for start in range(0, len(stale), 1000):
            chunk = stale[start : start + 1000]
            s3.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True}
            )
        result.deleted = stale

    invalidation = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"publish-site-{time.time_ns()}-{uuid.uuid4().hex[:8]}",
        },
    )
    result.invalidation_id = invalidation["Invalidation"]["Id"]
    return result


def publish_stack_site(
    stack_name: str,
    *,
    site_dir: Path = SITE_DIR,
    region: str | None = None,
    session=None,
    **clients,
) -> PublishResult:
    """``publish`` with the bucket and distribution read from the stack's outputs."""
    session = session or boto3.session.Session(region_name=region)
    cloudformation = clients.get("cloudformation") or session.client("cloudformation")
    outputs = stack_outputs(
        stack_name,
        cloudformation=cloudformation,
        required=("WebsiteBucket", "DistributionId"),
    )
    return publish(
        bucket=outputs["WebsiteBucket"],
        distribution_id=outputs["DistributionId"],
        site_dir=site_dir,
        s3=clients.get("s3") or session.client("s3"),
        cloudfront=clients.get("cloudfront") or session.client("cloudfront"),
    )


def _list_keys(s3, bucket: str) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


@errors_as_one_line((StackError, FileNotFoundError), code=1)
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.publish_site", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's)")
    parser.add_argument("--site-dir", type=Path, default=SITE_DIR)
    args = parser.parse_args(argv)
    result = publish_stack_site(args.stack_name, site_dir=args.site_dir, region=args.region)
    print(
        f"published {len(result.uploaded)} files to s3://{result.bucket}"
        f" (deleted {len(result.deleted)} stale), CloudFront invalidation {result.invalidation_id}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
