"""The local server (``python -m facegender serve``, what ``make run`` starts) in a child process,
for the functional and browser tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from .paths import REPO_ROOT


class ServerStartError(RuntimeError):
    """The background server exited or did not answer ``/health`` in time."""


class RunningServer:
    """A ``python -m facegender serve`` process started by :func:`serve_in_subprocess`."""

    def __init__(self, url: str, process, log):
        self.url, self.process, self._log = url, process, log

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """The last 4,000 characters the server printed."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-4000:]


@contextlib.contextmanager
def serve_in_subprocess(env: dict | None = None, timeout: float = 60.0):
    """Run the local server on a free port in a child process until the block ends.

    For tests and benchmarks: yields a :class:`RunningServer` once ``GET /health`` answers 200;
    raises :class:`ServerStartError`, with the server's output, when it does not.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile(mode="w+b")
    process = subprocess.Popen(
        [sys.executable, "-m", "facegender", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})})
    server = RunningServer(url, process, log)
    try:
        deadline = time.monotonic() + timeout
        while not is_healthy(url):
            if process.poll() is not None:
                raise ServerStartError(f"the server exited with {process.returncode}:\n"
                                       f"{server.output()}")
            if time.monotonic() > deadline:
                raise ServerStartError(f"the server did not answer /health within {timeout:.0f} s:"
                                       f"\n{server.output()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def is_healthy(url: str) -> bool:
    """Whether ``GET {url}/health`` answers 200 within 2 s."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False
