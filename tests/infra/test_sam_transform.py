"""What SAM's transform makes of template.yaml: the parts where SAM rewrites what we wrote."""

from __future__ import annotations

import json
import subprocess

import pytest
from aws_support import REPO_ROOT, TEMPLATE, require_sam, sam_env

pytestmark = pytest.mark.sam

# Runs inside the SAM CLI's own virtual environment, which has samtranslator.
TRANSLATE = """
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

template = yaml_parse(open(sys.argv[1]).read())
# The transform checks CodeUri's form only; sam build would put an S3 URI here.
for resource in template["Resources"].values():
    if resource["Type"] == "AWS::Serverless::Function":
        resource["Properties"]["CodeUri"] = "s3://bucket/key.zip"

class NoManagedPolicies:
    def load(self):
        return {}

print(json.dumps(transform(template, json.loads(sys.argv[2]), NoManagedPolicies())))
"""


def translate(parameters: dict) -> dict:
    python = require_sam().parent / "python"
    completed = subprocess.run(
        [str(python), "-c", TRANSLATE, str(TEMPLATE), json.dumps(parameters)],
        check=False, cwd=REPO_ROOT, env=sam_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout)


def test_extra_cors_origins_become_one_complete_cors_configuration():
    body = translate({"ExtraCorsOrigins": "https://a.example,https://b.example"})
    cors = body["Resources"]["HttpApi"]["Properties"]["Body"]["x-amazon-apigateway-cors"]
    condition, with_extra, without_extra = cors["Fn::If"]
    assert condition == "HasExtraCorsOrigins"
    assert with_extra["allowOrigins"] == {"Fn::Split": [",", "https://a.example,https://b.example"]}
    assert "POST" in with_extra["allowMethods"]
    assert with_extra["allowHeaders"] == ["content-type"]
    assert without_extra == {"Ref": "AWS::NoValue"}, "no extra origins: no CORS at all"


def test_transformed_template_keeps_the_waf_region_rule():
    assert "WafNeedsUsEast1" in translate({}).get("Rules", {})


def test_the_batch_state_machine_keeps_its_definition_and_substitutions():
    resources = translate({})["Resources"]
    machine = resources["BatchStateMachine"]
    assert machine["Type"] == "AWS::StepFunctions::StateMachine"
    properties = machine["Properties"]
    assert properties["DefinitionSubstitutions"]["MaxConcurrency"] == {
        "Ref": "BatchMaxConcurrency"}
    definition = properties.get("Definition") or json.loads(
        "".join(properties["DefinitionString"]["Fn::Join"][1]))
    mapped = definition["States"]["ClassifyPhotos"]
    assert mapped["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert mapped["MaxConcurrencyPath"] == "$.limits.max_concurrency"
    assert properties["RoleArn"] == {"Fn::GetAtt": ["BatchStateMachineRole", "Arn"]}
