"""infra/ against moto: stack outputs by key, website publishing, emptying the bucket."""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra import batch, destroy, publish_site, stack
from infra.publish_site import IMMUTABLE, NO_CACHE, SHORT

from tests.support.paths import REPO_ROOT

REGION = "us-east-1"
STACK = "facegender-test"
API_URL = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


@pytest.fixture
def deployed(aws):
    """A stack with the outputs of template.yaml, a (moto) bucket and distribution behind them."""
    cloudfront = aws.client("cloudfront")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "website",
            "Enabled": True,
            "DefaultRootObject": "index.html",
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "website-bucket",
                        "DomainName": "site.s3.us-east-1.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "website-bucket",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]
    body = {
        "Resources": {"WebsiteBucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {
            "ApiUrl": {"Value": API_URL},
            "PredictUrl": {"Value": f"https://{distribution['DomainName']}/v1/predict"},
            "WebsiteUrl": {"Value": f"https://{distribution['DomainName']}"},
            "WebsiteBucket": {"Value": {"Ref": "WebsiteBucket"}},
            "DistributionId": {"Value": distribution["Id"]},
            "FunctionName": {"Value": "facegender-FaceGenderFunction-abc"},
        },
    }
    aws.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(body))
    outputs = stack.stack_outputs(STACK, cloudformation=aws.client("cloudformation"))
    return {"session": aws, "outputs": outputs}


@pytest.fixture
def site(tmp_path) -> Path:
    """A small site with every kind of file the publisher distinguishes."""
    files = {
        "index.html": "<!doctype html><script type=module src=app.js></script>",
        "about/index.html": "<!doctype html>",
        "app.js": "import './api.js';",
        "api.js": "export {};",
        "vendor.3f9a2c1d.js": "/* hashed */",
        "styles.css": "body{}",
        "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "photo.webp": "RIFF",
        "manifest.webmanifest": "{}",
        ".DS_Store": "junk",
        ".git/HEAD": "ref",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def publish(deployed, site_dir: Path) -> publish_site.PublishResult:
    session = deployed["session"]
    return publish_site.publish_stack_site(
        STACK,
        site_dir=site_dir,
        cloudformation=session.client("cloudformation"),
        s3=session.client("s3"),
        cloudfront=session.client("cloudfront"),
    )


def head(deployed, key: str) -> dict:
    return (
        deployed["session"]
        .client("s3")
        .head_object(Bucket=deployed["outputs"]["WebsiteBucket"], Key=key)
    )


def body(deployed, key: str) -> str:
    s3 = deployed["session"].client("s3")
    return (
        s3.get_object(Bucket=deployed["outputs"]["WebsiteBucket"], Key=key)["Body"].read().decode()
    )


def invalidations(deployed) -> list[dict]:
    cloudfront = deployed["session"].client("cloudfront")
    listing = cloudfront.list_invalidations(DistributionId=deployed["outputs"]["DistributionId"])
    return listing["InvalidationList"].get("Items", [])


# ---------------------------------------------------------------- publishing


def test_publish_uploads_every_file_but_hidden_ones(deployed, site):
    result = publish(deployed, site)
    assert sorted(result.uploaded) == sorted(
        [
            "index.html",
            "about/index.html",
            "app.js",
            "api.js",
            "vendor.3f9a2c1d.js",
            "styles.css",
            "logo.svg",
            "photo.webp",
            "manifest.webmanifest",
        ]
    )
    assert result.bucket == deployed["outputs"]["WebsiteBucket"]


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("about/index.html", "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("styles.css", "text/css; charset=utf-8"),
        ("logo.svg", "image/svg+xml"),
        ("photo.webp", "image/webp"),
        ("manifest.webmanifest", "application/manifest+json"),
    ],
)
def test_publish_stores_the_content_type(deployed, site, key, content_type):
    publish(deployed, site)
    assert head(deployed, key)["ContentType"] == content_type


@pytest.mark.parametrize(
    ("key", "cache_control"),
    [
        ("index.html", NO_CACHE),
        ("about/index.html", NO_CACHE),
        ("vendor.3f9a2c1d.js", IMMUTABLE),
        ("app.js", NO_CACHE),
        ("api.js", NO_CACHE),
        ("styles.css", NO_CACHE),
        ("logo.svg", SHORT),
        ("photo.webp", SHORT),
    ],
)
def test_publish_stores_the_cache_control(deployed, site, key, cache_control):
    publish(deployed, site)
    assert head(deployed, key)["CacheControl"] == cache_control


def test_cache_lifetimes_are_no_cache_for_entry_files_and_a_year_for_hashed_names():
    assert NO_CACHE == "no-cache"
    assert "max-age=31536000" in IMMUTABLE and "immutable" in IMMUTABLE
    assert re.search(r"max-age=(\d+)", SHORT) and int(re.search(r"max-age=(\d+)", SHORT)[1]) <= 3600


def test_publish_uploads_the_files_as_they_are(deployed, site):
    """Nothing is written at publish time: the page calls the API on its own origin."""
    result = publish(deployed, site)
    for key in result.uploaded:
        assert body(deployed, key) == (site / key).read_text(), key


def test_every_module_of_the_page_is_revalidated_against_its_etag(deployed):
    """Old and new ES modules never mix: each load asks whether each module changed."""
    frontend = REPO_ROOT / "frontend"
    publish(deployed, frontend)
    code = [p.relative_to(frontend).as_posix() for p in frontend.rglob("*")
            if p.suffix in (".js", ".mjs", ".html", ".css")]
    assert any(key.endswith(".js") for key in code)
    for key in code:
        stored = head(deployed, key)
        assert stored["CacheControl"] == NO_CACHE, key
        assert stored["ETag"].strip('"'), key


def test_publish_invalidates_cloudfront_exactly_once(deployed, site):
    result = publish(deployed, site)
    items = invalidations(deployed)
    assert len(items) == 1
    assert items[0]["Id"] == result.invalidation_id
    cloudfront = deployed["session"].client("cloudfront")
    detail = cloudfront.get_invalidation(
        DistributionId=deployed["outputs"]["DistributionId"], Id=result.invalidation_id
    )
    assert detail["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


def test_publish_deletes_files_no_longer_in_the_site(deployed, site):
    s3 = deployed["session"].client("s3")
    s3.put_object(Bucket=deployed["outputs"]["WebsiteBucket"], Key="old.7d1e2f3a.js", Body=b"old")
    result = publish(deployed, site)
    assert result.deleted == ["old.7d1e2f3a.js"]
    keys = {
        item["Key"]
        for item in s3.list_objects_v2(Bucket=deployed["outputs"]["WebsiteBucket"])["Contents"]
    }
    assert "old.7d1e2f3a.js" not in keys and "index.html" in keys


def test_publish_uploads_html_last(deployed, site):
    order = publish(deployed, site).uploaded
    html = [i for i, key in enumerate(order) if key.endswith(".html")]
    assert min(html) > max(i for i, key in enumerate(order) if not key.endswith(".html"))


def test_publish_of_the_real_frontend(deployed):
    result = publish(deployed, REPO_ROOT / "frontend")
    assert "index.html" in result.uploaded and "app.js" in result.uploaded
    for key in result.uploaded:
        assert head(deployed, key)["ContentType"] != "application/octet-stream", key
    assert len(invalidations(deployed)) == 1


def test_publish_refuses_a_site_without_index_html(deployed, tmp_path):
    (tmp_path / "app.js").write_text("")
    with pytest.raises(FileNotFoundError, match="index.html"):
        publish(deployed, tmp_path)
    assert invalidations(deployed) == []


def test_publish_command_line(deployed, site, capsys):
    assert (
        publish_site.main(["--stack-name", STACK, "--region", REGION, "--site-dir", str(site)]) == 0
    )
    assert "published 9 files" in capsys.readouterr().out
    assert len(invalidations(deployed)) == 1


# ---------------------------------------------------------------- stack outputs


def test_outputs_are_read_by_key(deployed):
    outputs = deployed["outputs"]
    assert outputs["ApiUrl"] == API_URL
    assert set(stack.OUTPUT_KEYS) <= set(outputs)


def test_missing_stack_is_reported_with_the_fix(aws):
    with pytest.raises(stack.StackError, match="not found: deploy it first"):
        stack.stack_outputs("nope", cloudformation=aws.client("cloudformation"))


def test_missing_output_is_named(aws):
    template = {
        "Resources": {"B": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {"ApiUrl": {"Value": API_URL}},
    }
    aws.client("cloudformation").create_stack(
        StackName="partial", TemplateBody=json.dumps(template)
    )
    with pytest.raises(
        stack.StackError,
        match="no output PredictUrl, WebsiteUrl, WebsiteBucket, DistributionId, FunctionName",
    ):
        stack.stack_outputs("partial", cloudformation=aws.client("cloudformation"))


def test_stack_command_line_prints_one_output(deployed, capsys):
    assert stack.main(["--stack-name", STACK, "--region", REGION, "output", "ApiUrl"]) == 0
    assert capsys.readouterr().out.strip() == API_URL
    assert stack.main(["--stack-name", "absent", "--region", REGION, "output", "ApiUrl"]) == 1


@pytest.mark.parametrize("command", [stack.main, publish_site.main, destroy.main, batch.main])
def test_command_lines_say_how_to_configure_aws_instead_of_a_traceback(
    monkeypatch, capsys, command
):
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    argv = ["--stack-name", "facegender"] + {
        stack.main: ["output", "ApiUrl"], batch.main: ["--status", "arn:aws:states:x"]
    }.get(command, [])
    assert command(argv) == 2
    assert "configure AWS credentials and a region" in capsys.readouterr().err


# ---------------------------------------------------------------- destroy


def test_empty_bucket_removes_objects_versions_and_delete_markers(deployed, site):
    publish(deployed, site)
    s3 = deployed["session"].client("s3")
    bucket = deployed["outputs"]["WebsiteBucket"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"v2")
    s3.delete_object(Bucket=bucket, Key="app.js")

    assert (
        destroy.empty_stack_bucket(
            STACK, cloudformation=deployed["session"].client("cloudformation"), s3=s3
        )
        > 0
    )
    listing = s3.list_object_versions(Bucket=bucket)
    assert not listing.get("Versions") and not listing.get("DeleteMarkers")
    s3.delete_bucket(
        Bucket=bucket
    )  # what CloudFormation does next: it succeeds only on an empty bucket


def test_destroy_without_a_stack_or_bucket_is_not_an_error(aws, deployed):
    assert destroy.empty_stack_bucket("absent", cloudformation=aws.client("cloudformation")) == 0
    s3 = aws.client("s3")
    s3.delete_bucket(Bucket=deployed["outputs"]["WebsiteBucket"])
    assert (
        destroy.empty_stack_bucket(STACK, cloudformation=aws.client("cloudformation"), s3=s3) == 0
    )
