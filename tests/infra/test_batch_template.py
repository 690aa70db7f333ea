"""The S3 batch in template.yaml: a Distributed Map over the same code, capped, least privilege,
results that expire. Read from the template itself (no AWS)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.paths import REPO_ROOT


def statements(role: dict) -> list[dict]:
    return [s for policy in role["Properties"]["Policies"]
            for s in policy["PolicyDocument"]["Statement"]]


def test_state_machine_is_a_distributed_map_over_the_s3_prefix_of_the_input(resources):
    machine = resources["BatchStateMachine"]
    assert machine["Type"] == "AWS::Serverless::StateMachine"
    states = machine["Properties"]["Definition"]["States"]
    mapped = states["ClassifyPhotos"]
    assert mapped["Type"] == "Map"
    assert mapped["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    reader = mapped["ItemReader"]
    assert reader["Resource"] == "arn:aws:states:::s3:listObjectsV2"
    assert reader["Parameters"] == {"Bucket.$": "$.bucket", "Prefix.$": "$.prefix"}
    assert mapped["ItemBatcher"]["BatchInput"] == {"bucket.$": "$.bucket",
                                                    "execution.$": "$$.Execution.Name"}
    writer = mapped["ResultWriter"]
    assert writer["Resource"] == "arn:aws:states:::s3:putObject"
    assert writer["Parameters"]["Bucket"] == "${ResultsBucket}"
    assert writer["Parameters"]["Prefix"].startswith("results/")
    [task] = mapped["ItemProcessor"]["States"].values()
    assert task["Parameters"]["FunctionName"] == "${BatchFunctionArn}"
    assert machine["Properties"]["DefinitionSubstitutions"]["BatchFunctionArn"] == {
        "Fn::GetAtt": ["BatchFunction", "Arn"]}


def test_concurrency_batch_size_and_tolerated_failures_come_from_parameters_not_the_input(
        template, resources):
    properties = resources["BatchStateMachine"]["Properties"]
    states = properties["Definition"]["States"]
    mapped = states["ClassifyPhotos"]
    limits = states["Configure"]["Parameters"]["limits"]
    substitutions = properties["DefinitionSubstitutions"]
    for path, key, parameter in (
            (mapped["MaxConcurrencyPath"], "max_concurrency", "BatchMaxConcurrency"),
            (mapped["ItemBatcher"]["MaxItemsPerBatchPath"], "items_per_child",
             "BatchItemsPerChild"),
            (mapped["ToleratedFailurePercentagePath"], "tolerated_failure_percentage",
             "BatchToleratedFailurePercentage")):
        assert path == f"$.limits.{key}"
        [name] = [n for n, v in substitutions.items() if v == {"Ref": parameter}]
        assert limits[f"{key}.$"] == f"States.StringToJson('${{{name}}}')"
    assert states["Configure"]["Type"] == "Pass", "the input cannot bring its own limits"
    cap = template["Parameters"]["BatchMaxConcurrency"]
    assert 1 <= int(cap["Default"]) <= 100 and "MaxValue" in cap
    assert 10 <= int(template["Parameters"]["BatchItemsPerChild"]["Default"]) <= 100


def test_batch_function_is_the_same_package_with_its_own_handler(resources):
    api, batch = resources["FaceGenderFunction"], resources["BatchFunction"]
    assert batch["Properties"]["CodeUri"] == api["Properties"]["CodeUri"]
    assert batch["Metadata"] == api["Metadata"]
    handler = batch["Properties"]["Handler"]
    module, function = handler.rsplit(".", 1)
    source = (REPO_ROOT / "function" / Path(*module.split("."))).with_suffix(".py").read_text()
    assert f"def {function}(" in source
    makefile = (REPO_ROOT / "function" / "Makefile").read_text()
    assert "build-BatchFunction:" in makefile
    env = batch["Properties"]["Environment"]["Variables"]
    assert env["FACEGENDER_RESULTS_BUCKET"] == {"Ref": "BatchBucket"}


def test_batch_bucket_is_private_encrypted_and_expires_results(template, resources):
    bucket = resources["BatchBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = bucket["LifecycleConfiguration"]["Rules"]
    [expire] = [r for r in rules if r.get("Prefix") == "results/"]
    assert expire["Status"] == "Enabled"
    assert expire["ExpirationInDays"] == {"Ref": "BatchResultsExpireDays"}
    assert "BatchResultsExpireDays" in template["Parameters"]


def test_function_role_reads_only_the_input_prefix_and_writes_only_results(resources):
    found = statements(resources["BatchFunctionRole"])
    actions = {json.dumps(s["Action"]): s["Resource"] for s in found}
    assert set(actions) == {'"s3:GetObject"', '"s3:PutObject"',
                            '["logs:CreateLogStream", "logs:PutLogEvents"]'}
    read = actions['"s3:GetObject"']["Fn::If"]
    assert read[0] == "BatchInputInOwnBucket"
    assert read[1] == {"Fn::Sub": "${BatchBucket.Arn}/${BatchInputPrefix}*"}
    assert read[2]["Fn::Sub"].endswith(":::${BatchInputBucketName}/${BatchInputPrefix}*")
    assert actions['"s3:PutObject"'] == {"Fn::Sub": "${BatchBucket.Arn}/results/*"}
    assert all(s["Effect"] == "Allow" and "*" not in json.dumps(s["Action"]) for s in found)


def test_state_machine_role_lists_only_the_input_prefix_and_invokes_only_the_batch_function(
        resources):
    found = statements(resources["BatchStateMachineRole"])
    [listing] = [s for s in found if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": {"Fn::Sub": "${BatchInputPrefix}*"}}}
    [invoke] = [s for s in found if s["Action"] == "lambda:InvokeFunction"]
    assert invoke["Resource"][0] == {"Fn::GetAtt": ["BatchFunction", "Arn"]}
    writes = [s for s in found if "s3:PutObject" in s["Action"]]
    assert [w["Resource"] for w in writes] == [{"Fn::Sub": "${BatchBucket.Arn}/results/*"}]
    for statement in found:
        assert statement["Resource"] != "*"


def test_outputs_name_the_state_machine_and_the_buckets(template):
    from infra.stack import BATCH_OUTPUT_KEYS

    outputs = template["Outputs"]
    assert outputs["BatchStateMachineArn"]["Value"] == {"Ref": "BatchStateMachine"}
    assert set(BATCH_OUTPUT_KEYS) <= set(outputs), "infra.batch reads these"
