"""What init builds is what requests use: no Haar cascade is built after init, neither by the
Lambda handler (each invocation runs the app on a fresh AnyIO worker thread) nor by the local
server's threads."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import httpx
import pytest

from facegender.api import create_app

from tests.support.lambda_events import make_event
from .images import astronaut, encode

ASTRONAUT_B64 = base64.b64encode(encode(astronaut(), "JPEG", quality=92)).decode()


@pytest.fixture
def cascades_built(monkeypatch) -> list[str]:
    """The path of every ``cv2.CascadeClassifier`` built from now on."""
    built: list[str] = []
    real = cv2.CascadeClassifier

    def counting(*args, **kwargs):
        built.append(args[0] if args else kwargs.get("filename", ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(cv2, "CascadeClassifier", counting)
    return built


def test_six_handler_invocations_build_no_cascade(lambda_output, cascades_built):
    for i in range(6):
        version = ("v2", "v1")[i % 2]
        event = make_event(version, "POST", "/v1/predict",
                           body=json.dumps({"image": ASTRONAUT_B64}),
                           headers={"content-type": "application/json"})
        reply, *_ = lambda_output(event)
        assert reply["statusCode"] == 200, reply["body"][:300]
        assert len(json.loads(reply["body"])["faces"]) == 1
    assert cascades_built == []


def test_the_local_servers_threads_build_no_cascade_after_init(cascades_built):
    import uvicorn

    app = create_app()
    built_at_init = len(cascades_built)
    assert built_at_init > 0  # the counter sees the service's own cascades being built
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)

        def one(_):
            reply = httpx.post(f"http://127.0.0.1:{port}/v1/predict", timeout=60,
                               json={"image": ASTRONAUT_B64})
            assert reply.status_code == 200, reply.text[:300]
            return len(reply.json()["faces"])

        with ThreadPoolExecutor(max_workers=6) as pool:  # more requests than cascade sets
            assert list(pool.map(one, range(12))) == [1] * 12
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert len(cascades_built) == built_at_init
