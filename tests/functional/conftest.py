"""Fixtures for the functional tier: the app in-process, the Lambda handler with real
API Gateway events (tests/support/lambda_events.py), and a real local server on a free port.
"""

from __future__ import annotations

import json
import sys
import warnings

import pytest
from tests.support.server import ServerStartError, serve_in_subprocess

with warnings.catch_warnings():
    # Starlette nudges towards httpx2; the TestClient works the same with httpx.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from facegender.api import create_app

from tests.support.lambda_events import LAMBDA_ENV, FakeLambdaContext


# --- the app in-process -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def app():
    return create_app()


@pytest.fixture(scope="session")
def client(app):
    with TestClient(app) as test_client:
        yield test_client


# --- the Lambda handler -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def lambda_module():
    """``facegender.handler``, imported with the environment the SAM template gives it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LAMBDA_ENV.items():
            patch.setenv(name, value)
        import facegender.handler as module

        # Powertools' logger keeps the stream it was created with; this one always writes to
        # the current sys.stdout, so capsys sees the log lines next to the EMF metrics.
        module.logger.registered_handler.setStream(_CurrentStdout())
        yield module


class _CurrentStdout:
    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def lambda_output(lambda_module, capsys):
    """Run the handler and read what it printed.

    ``call(event) -> (reply, JSON log lines, EMF metric lines, raw output)``.
    """

    def call(event: dict, context: FakeLambdaContext | None = None):
        capsys.readouterr()
        reply = lambda_module.handler(event, context or FakeLambdaContext())
        out = capsys.readouterr().out
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        logs = [line for line in lines if "_aws" not in line]
        metrics = [line for line in lines if "_aws" in line]
        return reply, logs, metrics, out

    return call


# --- a real server ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def server_url():
    """``python -m facegender serve`` (what ``make run`` starts) on a free port."""
    try:
        with serve_in_subprocess() as server:
            yield server.url
            # What `make run` tells the user; checked here because only this fixture sees stdout.
            assert f"{server.url}/" in server.output()
    except ServerStartError as error:
        pytest.fail(str(error))
