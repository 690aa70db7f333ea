"""template.yaml says what the issue asks, read from the template itself (no AWS, no SAM CLI)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from infra.stack import OUTPUT_KEYS, origin_of

REPO_ROOT = Path(__file__).resolve().parents[2]
INTRINSIC_SUB = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def of_type(resources: dict, kind: str) -> dict:
    return {name: body for name, body in resources.items() if body["Type"] == kind}


def only(resources: dict, kind: str) -> tuple[str, dict]:
    found = of_type(resources, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def references(node) -> set[str]:
    """Logical ids and parameters that ``node`` refers to (Ref, GetAtt, Sub, DependsOn)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
                found |= {name for name in INTRINSIC_SUB.findall(text) if name not in variables}
                found |= references(variables)
            elif key == "DependsOn":
                found |= {value} if isinstance(value, str) else set(value)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def top_level_names(source: str) -> set[str]:
    """Names a module binds at top level (assignments and function definitions)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
    return names


def csp_of(resources: dict) -> tuple[str, dict]:
    _, policy = only(resources, "AWS::CloudFront::ResponseHeadersPolicy")
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "ContentSecurityPolicy"
    ]
    assert csp["Override"] is True
    text, variables = csp["ContentSecurityPolicy"]["Fn::Sub"]
    directives = {}
    for directive in text.split(";"):
        name, *sources = directive.split()
        directives[name] = sources
    return directives, variables


# ---------------------------------------------------------------- website


def test_website_bucket_blocks_all_public_access(resources):
    _, bucket = only(resources, "AWS::S3::Bucket")
    block = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in bucket["Properties"], (
        "the bucket must not be an S3 website endpoint"
    )
    rules = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}


def test_bucket_policy_allows_only_this_distribution_and_denies_plain_http(resources):
    _, policy = only(resources, "AWS::S3::BucketPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows, "CloudFront needs an Allow"
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert set(statement["Action"]) <= {"s3:GetObject", "s3:ListBucket"}
        source_arn = statement["Condition"]["StringEquals"]["AWS:SourceArn"]
        assert "WebsiteDistribution" in references(source_arn)
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert any(
        s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Action"] == "s3:*"
        for s in denies
    )


def test_distribution_reads_the_bucket_through_origin_access_control(resources):
    oac_name, oac = only(resources, "AWS::CloudFront::OriginAccessControl")
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert config["OriginAccessControlOriginType"] == "s3"
    assert config["SigningBehavior"] == "always"
    assert config["SigningProtocol"] == "sigv4"

    _, distribution = only(resources, "AWS::CloudFront::Distribution")
    (origin,) = distribution["Properties"]["DistributionConfig"]["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_name, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}, "no legacy OAI next to OAC"
    assert origin["DomainName"] == {"Fn::GetAtt": ["WebsiteBucket", "RegionalDomainName"]}


def test_distribution_serves_index_over_https_compressed(resources):
    _, distribution = only(resources, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["Compress"] is True
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": "WebsiteSecurityHeaders"}


def test_security_headers_policy_sets_hsts_nosniff_and_frame_denial(resources):
    _, policy = only(resources, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["Override"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"Override": True, "FrameOption": "DENY"}


def test_csp_allows_only_self_and_the_api_origin(resources):
    directives, variables = csp_of(resources)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    # The model view loads the mean face and eigenfaces as images from the API.
    assert directives["img-src"] == ["'self'", "data:", "blob:", "${ApiOrigin}"]
    assert directives["media-src"] == ["'self'", "blob:"], "the webcam preview plays a blob: stream"
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["connect-src"] == ["'self'", "${ApiOrigin}"]
    # The API origin: exactly the deployed API once make deploy pinned it, else this region's
    # execute-api endpoints (a direct reference to the API would be circular, see template.yaml).
    condition, pinned, fallback = variables["ApiOrigin"]["Fn::If"]
    assert condition == "HasCspApiOrigin"
    assert pinned == {"Ref": "CspApiOrigin"}
    assert fallback == {"Fn::Sub": "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}"}


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("", True),
        ("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", True),
        ("https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn", True),
        ("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1", False),
        ("https://evil.example.com", False),
        ("https://a.execute-api.eu-west-1.amazonaws.com; script-src *", False),
        ("*", False),
    ],
)
def test_csp_api_origin_parameter_accepts_only_an_execute_api_origin(template, value, accepted):
    pattern = template["Parameters"]["CspApiOrigin"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is accepted


def test_published_csp_origin_matches_the_api_url_output(template):
    api_url = template["Outputs"]["ApiUrl"]["Value"]["Fn::Sub"]
    sample = api_url.replace("${HttpApi}", "a1b2c3d4e5").replace("${AWS::Region}", "eu-west-1")
    sample = sample.replace("${AWS::URLSuffix}", "amazonaws.com")
    assert re.fullmatch(template["Parameters"]["CspApiOrigin"]["AllowedPattern"], origin_of(sample))


# ---------------------------------------------------------------- API


def test_cors_allows_the_distribution_origin_plus_extra_origins(resources):
    _, api = only(resources, "AWS::Serverless::HttpApi")
    cors = api["Properties"]["CorsConfiguration"]
    condition, with_extra, without_extra = cors["AllowOrigins"]["Fn::If"]
    assert condition == "HasExtraCorsOrigins"
    assert without_extra == [{"Fn::Sub": "https://${WebsiteDistribution.DomainName}"}]
    separator, joined = with_extra["Fn::Split"]
    assert separator == ","
    assert joined == {"Fn::Sub": "https://${WebsiteDistribution.DomainName},${ExtraCorsOrigins}"}
    assert "POST" in cors["AllowMethods"] and "content-type" in [
        h.lower() for h in cors["AllowHeaders"]
    ]


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("", True),
        ("http://localhost:8000", True),
        ("http://localhost:8000,https://example.org", True),
        ("http://localhost:8000, https://example.org", False),
        ("localhost:8000", False),
        ("https://example.org/path", False),
    ],
)
def test_extra_cors_origins_parameter_takes_a_comma_list_of_origins(template, value, accepted):
    pattern = template["Parameters"]["ExtraCorsOrigins"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is accepted


def test_api_has_route_throttling_and_access_logs_with_retention(template, resources):
    _, api = only(resources, "AWS::Serverless::HttpApi")
    props = api["Properties"]
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
    }
    for parameter in ("ApiThrottlingBurstLimit", "ApiThrottlingRateLimit"):
        assert template["Parameters"][parameter]["Type"] == "Number"
    log_group = props["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert resources[log_group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert "$context.requestId" in props["AccessLogSettings"]["Format"]


def test_api_routes_go_to_the_functions_published_alias(resources):
    function = resources["FaceGenderFunction"]["Properties"]
    assert function["AutoPublishAlias"] == "live", "HttpApi events then integrate with the alias"
    events = function["Events"]
    assert {event["Type"] for event in events.values()} == {"HttpApi"}
    assert all(event["Properties"]["ApiId"] == {"Ref": "HttpApi"} for event in events.values())
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()}
    assert ("ANY", "/v1/{proxy+}") in routes and ("GET", "/health") in routes


# ---------------------------------------------------------------- function


def test_runtime_is_python_312_or_newer(template, resources):
    runtime = (
        resources["FaceGenderFunction"]["Properties"].get("Runtime")
        or template["Globals"]["Function"]["Runtime"]
    )
    match = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    assert match, runtime
    assert (int(match[1]), int(match[2])) >= (3, 12)


def test_runtime_matches_the_python_the_package_is_built_for(template):
    runtime = template["Globals"]["Function"]["Runtime"]
    makefile = (REPO_ROOT / "function" / "Makefile").read_text()
    assert f"LAMBDA_PYTHON ?= {runtime.removeprefix('python')}" in makefile


def test_handler_path_exists_in_the_function_folder(resources):
    function = resources["FaceGenderFunction"]["Properties"]
    module, _, attribute = function["Handler"].rpartition(".")
    path = REPO_ROOT / function["CodeUri"] / (module.replace(".", "/") + ".py")
    assert path == REPO_ROOT / "function" / "facegender" / "handler.py"
    assert path.is_file(), f"{path.relative_to(REPO_ROOT)} (the Lambda entry point) does not exist"
    names = top_level_names(path.read_text())
    assert attribute in names, f"{path.name} defines no top-level {attribute!r}"


def test_function_is_a_zip_package_built_from_the_function_folder(resources):
    function = resources["FaceGenderFunction"]
    assert function["Properties"]["CodeUri"] == "function/"
    assert function["Properties"].get("PackageType", "Zip") == "Zip"
    assert function["Metadata"]["BuildMethod"] == "makefile"
    assert "build-FaceGenderFunction:" in (REPO_ROOT / "function" / "Makefile").read_text()


def test_snapstart_applies_to_published_versions_unless_turned_off(template, resources):
    function = resources["FaceGenderFunction"]["Properties"]
    assert function["SnapStart"] == {
        "ApplyOn": {"Fn::If": ["SnapStartEnabled", "PublishedVersions", "None"]}
    }
    assert template["Conditions"]["SnapStartEnabled"] == {
        "Fn::Equals": [{"Ref": "SnapStart"}, "Enabled"]
    }
    assert template["Parameters"]["SnapStart"]["Default"] == "Enabled"
    assert set(template["Parameters"]["SnapStart"]["AllowedValues"]) == {"Enabled", "Disabled"}


def test_memory_timeout_and_reserved_concurrency_are_parameters(template, resources):
    function = template["Globals"]["Function"]
    assert function["MemorySize"] == {"Ref": "FunctionMemorySize"}
    assert function["Timeout"] == {"Ref": "FunctionTimeout"}
    parameters = template["Parameters"]
    assert parameters["FunctionTimeout"]["MaxValue"] < 30, "the HTTP API gives up after 30 s"
    reserved = resources["FaceGenderFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == {
        "Fn::If": [
            "HasReservedConcurrency",
            {"Ref": "ReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert parameters["ReservedConcurrency"]["Default"] == -1


def test_powertools_environment_and_xray_tracing(template):
    function = template["Globals"]["Function"]
    variables = function["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "facegender"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"]
    assert variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}


def test_tracing_is_opt_in_and_the_function_knows_when_it_is_off(template):
    """The handler imports the X-Ray SDK (0.15 s of init) only when POWERTOOLS_TRACE_DISABLED
    is false, which takes Tracing=Active."""
    function = template["Globals"]["Function"]
    assert function["Tracing"] == {"Ref": "Tracing"}
    assert template["Parameters"]["Tracing"]["Default"] == "PassThrough"
    assert template["Parameters"]["Tracing"]["AllowedValues"] == ["Active", "PassThrough"]
    assert template["Conditions"]["TracingActive"] == {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]}
    assert function["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == {
        "Fn::If": ["TracingActive", "false", "true"]}


def test_the_function_builds_one_cascade_set_as_lambda_sends_one_request_at_a_time(resources):
    variables = resources["FaceGenderFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["FACEGENDER_MAX_CONCURRENT"] == "1"


def test_function_role_grants_only_its_log_group_and_xray(resources):
    function = resources["FaceGenderFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    assert "Policies" not in function, "SAM policy templates would widen the explicit role"
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogGroup"}
    role = resources["FunctionRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    granted = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            assert "*" not in action, action
            granted[action] = statement["Resource"]
    assert granted == {
        "logs:CreateLogStream": {"Fn::GetAtt": ["FunctionLogGroup", "Arn"]},
        "logs:PutLogEvents": {"Fn::GetAtt": ["FunctionLogGroup", "Arn"]},
        "xray:PutTraceSegments": "*",  # X-Ray has no resource-level permissions
        "xray:PutTelemetryRecords": "*",
    }
    assert resources["FunctionLogGroup"]["Properties"]["RetentionInDays"] == {
        "Ref": "LogRetentionDays"
    }


# ---------------------------------------------------------------- alarms, outputs, graph


def test_alarms_exist_only_when_enabled(template, resources):
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    assert all(alarm.get("Condition") == "CreateAlarms" for alarm in alarms.values())
    assert template["Parameters"]["EnableAlarms"]["Default"] == "false"
    metrics = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"]): a["Properties"]
        for a in alarms.values()
    }
    assert ("AWS/ApiGateway", "5xx") in metrics
    assert ("AWS/Lambda", "Throttles") in metrics
    assert metrics[("AWS/Lambda", "Duration")]["ExtendedStatistic"] == "p95"


def test_outputs_are_the_keys_infra_reads(template):
    outputs = template["Outputs"]
    assert set(OUTPUT_KEYS) <= set(outputs)
    assert outputs["WebsiteUrl"]["Value"] == {
        "Fn::Sub": "https://${WebsiteDistribution.DomainName}"
    }
    assert outputs["WebsiteBucket"]["Value"] == {"Ref": "WebsiteBucket"}
    assert outputs["DistributionId"]["Value"] == {"Ref": "WebsiteDistribution"}
    assert outputs["FunctionName"]["Value"] == {"Ref": "FaceGenderFunction"}
    assert outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }


def test_resources_form_no_dependency_cycle(resources):
    graph = {name: references(body) & set(resources) for name, body in resources.items()}
    visiting, done = set(), set()

    def visit(node, path):
        if node in done:
            return
        assert node not in visiting, "circular dependency: " + " -> ".join(path + [node])
        visiting.add(node)
        for target in graph[node]:
            visit(target, path + [node])
        visiting.discard(node)
        done.add(node)

    for name in graph:
        visit(name, [])
    # The two cross-links the website needs, in the one direction that is possible:
    assert "WebsiteDistribution" in graph["HttpApi"]  # CORS names the distribution
    assert "HttpApi" not in references(
        resources["WebsiteSecurityHeaders"]
    )  # CSP does not name the API
