"""X-Ray tracing in the Lambda handler: the SDK is imported only when tracing is on, and then
every pipeline stage is a subsegment. Each case imports the handler in a new process, with the
environment Lambda would give it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from tests.support.paths import REPO_ROOT
from tests.support.lambda_events import LAMBDA_ENV

PROBE = """
import base64, json, sys
from tests.support.lambda_events import FakeLambdaContext, make_event
from tests.functional.images import astronaut, encode

import facegender.handler as module

photo = base64.b64encode(encode(astronaut(), "JPEG", quality=92)).decode()
event = make_event("v2", "POST", "/v1/predict", body=json.dumps({"image": photo}))
reply = module.handler(event, FakeLambdaContext())
print("RESULT " + json.dumps({
    "status": reply["statusCode"],
    "tracer": module.tracer is not None,
    # Powertools imports the bare botocore package (a user-agent hook, 1 ms); the X-Ray SDK
    # brings botocore's sessions and clients.
    "xray_modules": sorted(m for m in sys.modules
                           if m.startswith(("aws_xray_sdk", "botocore.session"))),
}), file=sys.stderr)
"""
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def run_handler(env: dict) -> dict:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("POWERTOOLS_", "AWS_", "LAMBDA_", "_X_AMZN"))}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, env={**clean, **LAMBDA_ENV, **env})
    lines = [x for x in done.stderr.splitlines() if x.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


def test_tracing_disabled_in_lambda_never_imports_the_xray_sdk():
    result = run_handler({"POWERTOOLS_TRACE_DISABLED": "true", "LAMBDA_TASK_ROOT": "/var/task"})
    assert result == {"status": 200, "tracer": False, "xray_modules": []}


def test_outside_lambda_the_xray_sdk_is_not_imported_either():
    result = run_handler({"POWERTOOLS_TRACE_DISABLED": "false"})
    assert result == {"status": 200, "tracer": False, "xray_modules": []}


def test_with_tracing_on_each_stage_is_an_xray_subsegment():
    """Active tracing: the SDK sends each closed subsegment to the daemon (UDP), as on Lambda."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        daemon.settimeout(0.5)
        address = f"127.0.0.1:{daemon.getsockname()[1]}"
        result = run_handler({"POWERTOOLS_TRACE_DISABLED": "false", "LAMBDA_TASK_ROOT": "/var/task",
                              "_X_AMZN_TRACE_ID": TRACE_ID, "AWS_XRAY_DAEMON_ADDRESS": address,
                              "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR"})
        names = []
        try:
            while True:
                packet = daemon.recv(65536).decode()
                names.append(json.loads(packet.split("\n", 1)[1])["name"])
        except socket.timeout:
            pass
    assert result["status"] == 200 and result["tracer"] is True
    assert "aws_xray_sdk.core" in result["xray_modules"]
    assert {"## handler", "## decode", "## detect", "## classify"} <= set(names), names
