"""template.yaml says what the issue asks, read from the template itself (no AWS, no SAM CLI)."""

from __future__ import annotations

import ast
import fnmatch
import json
import re

import pytest

from infra.stack import OUTPUT_KEYS

from tests.support.paths import REPO_ROOT

# CloudFront's managed policies (the same IDs in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
# API Gateway stops waiting for an HTTP API integration after 30 s.
HTTP_API_INTEGRATION_TIMEOUT_S = 30
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


def csp_of(resources: dict) -> dict[str, list[str]]:
    _, policy = only(resources, "AWS::CloudFront::ResponseHeadersPolicy")
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "ContentSecurityPolicy"
    ]
    assert csp["Override"] is True
    text = csp["ContentSecurityPolicy"]
    assert isinstance(text, str), "the CSP names no generated domain, so it is a plain string"
    directives = {}
    for directive in text.split(";"):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


def distribution_config(resources: dict) -> dict:
    _, distribution = only(resources, "AWS::CloudFront::Distribution")
    return distribution["Properties"]["DistributionConfig"]


def origin(resources: dict, origin_id: str) -> dict:
    (found,) = [o for o in distribution_config(resources)["Origins"] if o["Id"] == origin_id]
    return found


def behaviour_for(resources: dict, path: str) -> dict:
    """The cache behaviour CloudFront picks for ``path``: the first pattern that matches."""
    for behaviour in distribution_config(resources).get("CacheBehaviors", []):
        if fnmatch.fnmatchcase(path, behaviour["PathPattern"]):
            return behaviour
    return distribution_config(resources)["DefaultCacheBehavior"]


# ---------------------------------------------------------------- website


@pytest.mark.parametrize("name", ["WebsiteBucket", "BatchBucket"])
def test_every_bucket_blocks_all_public_access(resources, name):
    assert set(of_type(resources, "AWS::S3::Bucket")) == {"WebsiteBucket", "BatchBucket"}
    bucket = resources[name]
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


@pytest.mark.parametrize("bucket", ["WebsiteBucket", "BatchBucket"])
def test_bucket_policy_allows_only_this_distribution_and_denies_plain_http(resources, bucket):
    policies = of_type(resources, "AWS::S3::BucketPolicy").values()
    [policy] = [p for p in policies if p["Properties"]["Bucket"] == {"Ref": bucket}]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows or bucket != "WebsiteBucket", "CloudFront needs an Allow"
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

    bucket = origin(resources, "website-bucket")
    assert bucket["OriginAccessControlId"] == {"Fn::GetAtt": [oac_name, "Id"]}
    assert bucket["S3OriginConfig"] == {"OriginAccessIdentity": ""}, "no legacy OAI next to OAC"
    assert bucket["DomainName"] == {"Fn::GetAtt": ["WebsiteBucket", "RegionalDomainName"]}


def test_distribution_serves_index_over_https_compressed(resources):
    config = distribution_config(resources)
    assert config["DefaultRootObject"] == "index.html"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["TargetOriginId"] == "website-bucket"
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["Compress"] is True
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": "WebsiteSecurityHeaders"}


# ---------------------------------------------------------------- one origin: the API behind CloudFront


def test_the_http_api_is_a_second_origin_over_https(resources):
    api = origin(resources, "http-api")
    assert api["DomainName"] == {"Fn::Sub": "${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    custom = api["CustomOriginConfig"]
    assert custom["OriginProtocolPolicy"] == "https-only"
    assert custom["OriginSSLProtocols"] == ["TLSv1.2"]


def test_every_api_route_has_a_behaviour_to_the_http_api(resources):
    """Each route of the function (template Events) reaches the API, not the bucket."""
    events = resources["FaceGenderFunction"]["Properties"]["Events"].values()
    for event in events:
        route = event["Properties"]["Path"]
        sample = route.replace("{proxy+}", "predict")
        behaviour = behaviour_for(resources, sample)
        assert behaviour["TargetOriginId"] == "http-api", f"{sample} goes to the bucket"
        assert behaviour["ViewerProtocolPolicy"] == "https-only", "a redirect would turn POST into GET"
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    paths = {b["PathPattern"] for b in distribution_config(resources)["CacheBehaviors"]}
    assert {"/v1/*", "/health"} <= paths


def test_every_method_of_every_app_route_passes_cloudfront(resources):
    """The behaviour each route of the app falls under (first match) allows its methods: a
    POST under a GET-only behaviour gets CloudFront's 403, never the API."""
    from facegender.api import create_app

    paths = create_app().openapi()["paths"]
    assert "/v1/model/explain" in paths and "/v1/predict" in paths
    for path, operations in paths.items():
        methods = {method.upper() for method in operations}
        sample = re.sub(r"\{[^}]+\}", "0.png", path)
        behaviour = behaviour_for(resources, sample)
        assert behaviour["TargetOriginId"] == "http-api", path
        assert methods <= set(behaviour["AllowedMethods"]), (path, methods)


def test_predictions_are_never_cached_and_every_method_is_forwarded(resources):
    for path in ("/v1/predict", "/v1/unknown", "/health"):
        behaviour = behaviour_for(resources, path)
        assert behaviour["CachePolicyId"] == CACHING_DISABLED, path
        # AllViewerExceptHostHeader forwards the query string and every viewer header (the
        # content type among them); the body always travels. API Gateway routes on its own host.
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER, path
    assert set(behaviour_for(resources, "/v1/predict")["AllowedMethods"]) == ALL_METHODS


def test_only_the_model_card_and_pictures_are_cached_and_briefly(resources):
    """The same for everyone and changed only by a deploy (which invalidates /*)."""
    model = behaviour_for(resources, "/v1/model")
    for path in ("/v1/model/eigenfaces/0.png", "/v1/model/mean-face.png"):
        assert behaviour_for(resources, path) is model, path
    assert behaviour_for(resources, "/v1/predict") is not model
    assert model["TargetOriginId"] == "http-api"
    assert set(model["CachedMethods"]) == {"GET", "HEAD"}
    assert model["CachePolicyId"] == {"Ref": "ModelCachePolicy"}
    policy = resources["ModelCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert policy["MaxTTL"] <= 3600, "a new model's pictures show within the hour even unpurged"
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}


def test_origin_response_timeout_outlasts_the_function_and_the_http_api(template, resources):
    timeout = origin(resources, "http-api")["CustomOriginConfig"]["OriginReadTimeout"]
    longest_function = template["Parameters"]["FunctionTimeout"]["MaxValue"]
    assert timeout > longest_function
    assert timeout > HTTP_API_INTEGRATION_TIMEOUT_S
    assert timeout <= 60, "longer needs a CloudFront quota increase"


def test_security_headers_policy_sets_hsts_nosniff_and_frame_denial(resources):
    _, policy = only(resources, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["Override"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"Override": True, "FrameOption": "DENY"}


def test_csp_allows_only_self(resources):
    directives = csp_of(resources)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    # The model pictures come from /v1/model on the same origin; crops arrive as data: URLs.
    assert directives["img-src"] == ["'self'", "data:", "blob:"]
    assert directives["media-src"] == ["'self'", "blob:"], "the webcam preview plays a blob: stream"
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["connect-src"] == ["'self'"]


# ---------------------------------------------------------------- API


def test_cors_is_only_for_extra_origins(template, resources):
    _, api = only(resources, "AWS::Serverless::HttpApi")
    cors = api["Properties"]["CorsConfiguration"]
    # SAM takes an intrinsic AllowOrigins as the whole CORS object: the If picks all or nothing.
    condition, with_extra, without_extra = cors["AllowOrigins"]["Fn::If"]
    assert condition == "HasExtraCorsOrigins"
    assert without_extra == {"Ref": "AWS::NoValue"}
    assert with_extra["AllowOrigins"] == {"Fn::Split": [",", {"Ref": "ExtraCorsOrigins"}]}
    assert "POST" in with_extra["AllowMethods"]
    assert "content-type" in [h.lower() for h in with_extra["AllowHeaders"]]
    assert "WebsiteDistribution" not in references(cors), "the page is same-origin"
    assert template["Parameters"]["ExtraCorsOrigins"]["Default"] == ""


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


def test_memory_and_timeout_are_parameters(template):
    function = template["Globals"]["Function"]
    assert function["MemorySize"] == {"Ref": "FunctionMemorySize"}
    assert function["Timeout"] == {"Ref": "FunctionTimeout"}
    assert template["Parameters"]["FunctionTimeout"]["MaxValue"] < HTTP_API_INTEGRATION_TIMEOUT_S


def test_reserved_concurrency_caps_cost_by_default(template, resources):
    reserved = resources["FaceGenderFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == {
        "Fn::If": [
            "HasReservedConcurrency",
            {"Ref": "ReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    parameter = template["Parameters"]["ReservedConcurrency"]
    assert 1 <= parameter["Default"] <= 20, "a small finite cap unless the deployer lifts it"
    assert template["Conditions"]["HasReservedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, -1]}]
    }


def test_powertools_environment_and_xray_tracing(template):
    function = template["Globals"]["Function"]
    variables = function["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "facegender"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"]
    assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"


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
    assert outputs["PredictUrl"]["Value"] == {
        "Fn::Sub": "https://${WebsiteDistribution.DomainName}/v1/predict"
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
    # One direction only: the distribution names the API (its origin); nothing in the API
    # names the distribution, which is why one deploy is enough.
    assert "HttpApi" in graph["WebsiteDistribution"]
    assert "WebsiteDistribution" not in graph["HttpApi"]


# ---------------------------------------------------------------- WAF (optional)


def test_waf_rate_rule_is_off_by_default_and_limits_api_requests_per_ip(template, resources):
    parameters = template["Parameters"]
    assert parameters["EnableWaf"]["Default"] == "false"
    assert template["Conditions"]["CreateWaf"] == {"Fn::Equals": [{"Ref": "EnableWaf"}, "true"]}
    name, acl = only(resources, "AWS::WAFv2::WebACL")
    assert acl["Condition"] == "CreateWaf"
    props = acl["Properties"]
    assert props["Scope"] == "CLOUDFRONT"
    assert props["DefaultAction"] == {"Allow": {}}
    (rule,) = props["Rules"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["Limit"] == {"Ref": "WafRateLimit"}
    assert rate["AggregateKeyType"] == "IP"
    assert rate["ScopeDownStatement"]["ByteMatchStatement"]["SearchString"] == "/v1/"
    assert parameters["WafRateLimit"]["MinValue"] >= 10, "AWS WAF's smallest rate limit"
    assert distribution_config(resources)["WebACLId"] == {
        "Fn::If": ["CreateWaf", {"Fn::GetAtt": [name, "Arn"]}, {"Ref": "AWS::NoValue"}]
    }


def test_waf_blocks_with_the_apis_error_envelope_which_the_page_explains(resources):
    _, acl = only(resources, "AWS::WAFv2::WebACL")
    (rule,) = acl["Properties"]["Rules"]
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = acl["Properties"]["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    code = json.loads(body["Content"])["error"]["code"]
    assert f"{code}:" in (REPO_ROOT / "frontend" / "messages.js").read_text()


def test_waf_asks_for_us_east_1_where_cloudfront_web_acls_live(template):
    rules = [r for r in template["Rules"].values() if "EnableWaf" in references(r["RuleCondition"])]
    (rule,) = rules
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    assert "us-east-1" in assertion["AssertDescription"]


# ---------------------------------------------------------------- parameters and privacy


def test_every_parameter_has_a_default_and_is_documented(template):
    readme = (REPO_ROOT / "infra" / "README.md").read_text()
    for name, parameter in template["Parameters"].items():
        assert "Default" in parameter, f"{name}: a deploy must work without choosing it"
        assert f"`{name}`" in readme, f"{name} is not documented in infra/README.md"


def test_access_logs_keep_client_ips_for_the_retention_the_readme_names(template, resources):
    _, api = only(resources, "AWS::Serverless::HttpApi")
    assert "$context.identity.sourceIp" in api["Properties"]["AccessLogSettings"]["Format"]
    assert "IP" in template["Parameters"]["LogRetentionDays"]["Description"]
    for readme in (REPO_ROOT / "README.md", REPO_ROOT / "infra" / "README.md"):
        text = readme.read_text()
        assert "LogRetentionDays" in text and "IP address" in text, readme.name
