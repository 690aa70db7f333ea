"""Lambda runtime figures (issue 10): what init builds, what it imports, what requests still pay.

Goals: no cascade built after init over 6 handler invocations; init (new process: import the
handler, which loads the model and the cascades) minus a bare ``import cv2, numpy`` <= 0.40 s,
median of 5; first request in a new process / median warm request <= 1.3x; warm 640x480
one-face photo through the handler / decode plus one Haar pass (1.1, 5) <= 1.15x; ``sam build``
package <= 200 MB unzipped; peak RSS through the bad-input burst < 1 GB.

Init and the ``-X importtime`` table are measured in both setups the template offers, as on
Lambda (``LAMBDA_TASK_ROOT`` set): tracing off (``Tracing=PassThrough``, the default:
``POWERTOOLS_TRACE_DISABLED=true``) and tracing on (``Tracing=Active``: ``false``, and the X-Ray
SDK loads at init). The goal is the default's; requests run with tracing off.

Ratios are measured within one run, interleaved where they share a process, and quoted as
medians: the machine is shared. ``BENCH_SAM_BUILD=0`` skips the ``sam build`` (a few minutes).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.lambda_events import FakeLambdaContext
from tests.support.paths import REPO_ROOT

from .api import LAMBDA_ENV, bad_input_memory, predict_event
from .common import median, photo_640x480

GOALS = {"cascades_after_init": 0, "init_minus_bare_s": 0.40, "first_vs_warm": 1.3,
         "handler_vs_decode_haar": 1.15, "package_mb": 200.0, "peak_rss_mb": 1000.0}
RUNS = 5
INVOCATIONS = 6
#: The environment the template gives the function, by its Tracing parameter.
SETUPS = {
    "off": {**LAMBDA_ENV, "LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"},
    "on": {**LAMBDA_ENV, "LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"},
}
SETUP_LABELS = {"off": "tracing off (default)", "on": "Tracing=Active"}
SAM = REPO_ROOT / ".venv-sam" / "bin" / "sam"
#: The parts of ``-X importtime`` the issue tracks: the first import of each, with all under it.
IMPORT_PARTS = ("aws_xray_sdk", "botocore", "fastapi", "pydantic", "cv2", "numpy", "PIL",
                "aws_lambda_powertools", "mangum")

# One new process: import the handler (model and cascades load at import), count the cascades
# built after that, answer a first request and then warm ones.
PROBE = """
import json, os, sys, time
import facegender.handler as module
import cv2
from tests.support.lambda_events import FakeLambdaContext as Context
built = []
real = cv2.CascadeClassifier
cv2.CascadeClassifier = lambda *a, **k: built.append(a) or real(*a, **k)

with open(sys.argv[1]) as handle:
    event = json.load(handle)
module.logger.registered_handler.setStream(open(os.devnull, "w"))
stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # EMF lines
times = []
for _ in range(int(sys.argv[2])):
    began = time.perf_counter()
    reply = module.handler(event, Context())
    times.append(time.perf_counter() - began)
    assert reply["statusCode"] == 200, reply["body"][:300]
sys.stdout = stdout
print("RESULT " + json.dumps({"times_s": times,
                              "cascades_built": len(built)}))
"""


def _environment(setup: str) -> dict:
    """This process's environment as the function would see it in ``setup``: no trace header
    or daemon address of ours leaks in."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("POWERTOOLS_", "LAMBDA_", "_X_AMZN", "AWS_XRAY"))}
    return {**clean, **SETUPS[setup]}


def _python(code: str, *args: str, setup: str = "off") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO_ROOT, check=True,
                          capture_output=True, text=True, env=_environment(setup))


def _wall(code: str, setup: str = "off") -> float:
    began = time.perf_counter()
    _python(code, setup=setup)
    return time.perf_counter() - began


def init_and_first_request(runs: int = RUNS, requests: int = INVOCATIONS) -> dict:
    """New processes, interleaved: bare ``import cv2, numpy``; ``import facegender.handler``
    (init) with tracing off and with tracing on; and init plus ``requests`` invocations with
    tracing off (the first one cold, the rest warm)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(predict_event(photo_640x480()), handle)
    bare, first, warm, built = [], [], [], []
    init: dict[str, list[float]] = {setup: [] for setup in SETUPS}
    try:
        for _ in range(runs):
            bare.append(_wall("import cv2, numpy"))
            for setup in SETUPS:
                init[setup].append(_wall("import facegender.handler", setup))
            done = _python(PROBE, handle.name, str(requests))
            line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
            result = json.loads(line.removeprefix("RESULT "))
            first.append(result["times_s"][0])
            warm.append(median(result["times_s"][1:]))
            built.append(result["cascades_built"])
    finally:
        os.unlink(handle.name)
    results = {
        "cascades_built_after_init": max(built),
        "handler_invocations_per_process": requests,
        "bare_import_cv2_numpy_s": round(median(bare), 3),
    }
    for setup, times in init.items():
        results[f"init_process_s_tracing_{setup}"] = round(median(times), 3)
        results[f"init_minus_bare_s_tracing_{setup}"] = round(median(times) - median(bare), 3)
    return {
        **results,
        "first_request_ms": round(median(first) * 1000, 1),
        "warm_request_ms": round(median(warm) * 1000, 1),
        "first_vs_warm": round(median(first) / median(warm), 3),
    }


def handler_vs_decode_and_haar(repeat: int = 40) -> dict:
    """Warm 640x480 one-face photo through the handler, against decoding the photo and one
    frontal Haar pass (1.1, 5) on it, interleaved in this process."""
    import contextlib

    from facegender.cascades import CASCADE_FILE, load_cascade
    from facegender.imaging import decode_image

    from .api import _import_handler

    module = _import_handler()
    photo = photo_640x480()
    event = predict_event(photo)
    cascade = load_cascade(CASCADE_FILE)
    devnull = open(os.devnull, "w")

    def through_handler():
        with contextlib.redirect_stdout(devnull):
            reply = module.handler(event, FakeLambdaContext())
        assert reply["statusCode"] == 200

    def decode_and_haar():
        gray = decode_image(photo).pixels
        return cascade.detectMultiScale(gray, 1.1, 5)

    for _ in range(3):
        through_handler()
        decode_and_haar()
    handler_ms, bare_ms = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        through_handler()
        handler_ms.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        decode_and_haar()
        bare_ms.append((time.perf_counter() - began) * 1000)
    return {"handler_640x480_ms": round(median(handler_ms), 2),
            "decode_haar_640x480_ms": round(median(bare_ms), 2),
            "handler_vs_decode_haar": round(median(handler_ms) / median(bare_ms), 3)}


def import_table(setup: str, runs: int = 3) -> dict:
    """``python -X importtime -c "import facegender.handler"`` in ``setup``: ms of each part
    (every import of it that another part made, with everything under it; median of ``runs``),
    and the handler module's own time (the model and the cascades load there)."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c",
                              "import facegender.handler"], cwd=REPO_ROOT, check=True,
                             capture_output=True, text=True, env=_environment(setup)).stderr
        lines = [(len(m[3]), m[4], int(m[1]), int(m[2])) for m in (
            re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", x)
            for x in err.splitlines()) if m]
        parts = {part: 0.0 for part in IMPORT_PARTS}
        for i, (depth, name, own, total) in enumerate(lines):
            # Lines come children first: the parent is the next line less indented.
            parent = next((n for d, n, _, _ in lines[i + 1:] if d < depth), "")
            top = name.split(".")[0]
            if top in parts and parent.split(".")[0] != top:
                parts[top] += total / 1000
            if name == "facegender.handler":
                parts["handler module (own)"] = own / 1000
                parts["total"] = total / 1000
        for part, ms in parts.items():
            samples.setdefault(part, []).append(ms)
    return {f"importtime_ms_tracing_{setup}_{part}": round(median(values), 1)
            for part, values in samples.items()}


def package_size() -> dict:
    """``sam build`` (no container, as the project builds) and the function's unzipped size."""
    if os.environ.get("BENCH_SAM_BUILD") == "0" or not SAM.exists():
        return {"package_mb": "not run (BENCH_SAM_BUILD=0 or no .venv-sam: make sam-venv)"}
    build = Path(tempfile.mkdtemp(prefix="fg-sam-"))
    try:
        subprocess.run([str(SAM), "build", "--template-file", str(REPO_ROOT / "template.yaml"),
                        "--build-dir", str(build), "--no-cached"], cwd=REPO_ROOT, check=True,
                       capture_output=True, timeout=1200,
                       env={**os.environ, "SAM_CLI_TELEMETRY": "0",
                            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION",
                                                                 "eu-west-1")})
        function = build / "FaceGenderFunction"
        size = sum(p.lstat().st_size for p in function.rglob("*")
                   if p.is_file() and not p.is_symlink())
        return {"package_mb": round(size / 1e6, 1)}
    finally:
        shutil.rmtree(build, ignore_errors=True)


def main() -> dict:
    results = {"cpu_count": os.cpu_count(),
               "loadavg_at_start": [round(v, 2) for v in os.getloadavg()]}
    for setup in SETUPS:
        results.update(import_table(setup))
    results.update(init_and_first_request())
    results.update(handler_vs_decode_and_haar())
    results.update(package_size())
    burst = bad_input_memory(rounds=2)
    results["bad_burst_peak_rss_mb"] = burst["bad_burst_peak_rss_mb"]
    results["bad_burst_server_alive"] = burst["bad_burst_server_alive"]
    results["loadavg_at_end"] = [round(v, 2) for v in os.getloadavg()]
    r = results
    package = r["package_mb"]
    rows = [
        (f"cascades built after init, {r['handler_invocations_per_process']} handler "
         "invocations", r["cascades_built_after_init"], "0", r["cascades_built_after_init"] == 0),
        *((f"init minus bare import cv2, numpy, {SETUP_LABELS[setup]}",
           f"{r[f'init_minus_bare_s_tracing_{setup}']} s "
           f"({r[f'init_process_s_tracing_{setup}']} - {r['bare_import_cv2_numpy_s']})",
           "<= 0.40 s" if setup == "off" else "none",
           r[f"init_minus_bare_s_tracing_{setup}"] <= GOALS["init_minus_bare_s"]
           if setup == "off" else None)
          for setup in SETUPS),
        ("first request / median warm, new process",
         f"{r['first_request_ms']} / {r['warm_request_ms']} ms = {r['first_vs_warm']}x",
         "<= 1.3x", r["first_vs_warm"] <= GOALS["first_vs_warm"]),
        ("640x480 handler / decode + one Haar pass",
         f"{r['handler_640x480_ms']} / {r['decode_haar_640x480_ms']} ms = "
         f"{r['handler_vs_decode_haar']}x", "<= 1.15x",
         r["handler_vs_decode_haar"] <= GOALS["handler_vs_decode_haar"]),
        ("sam build package, unzipped",
         f"{package} MB" if isinstance(package, float) else package, "<= 200 MB",
         package <= GOALS["package_mb"] if isinstance(package, float) else None),
        ("peak RSS, bad-input burst", f"{r['bad_burst_peak_rss_mb']} MB", "< 1 GB",
         r["bad_burst_peak_rss_mb"] < GOALS["peak_rss_mb"]),
    ]
    width = max(len(row[0]) for row in rows)
    value_width = max(len(str(row[1])) for row in rows)
    print(f"runtime (issue 10) on {r['cpu_count']} cores, load average {r['loadavg_at_start']} "
          f"-> {r['loadavg_at_end']}; new processes: median of {RUNS}")
    for name, value, goal, ok in rows:
        verdict = "-" if ok is None else "yes" if ok else "NO"
        print(f"  {name:<{width}}  {str(value):<{value_width}}  goal {goal:<10} met: {verdict}")
    print("  -X importtime of facegender.handler (ms, median of 3; a part counts once, where "
          "it is first imported):")
    print(f"    {'part':<24} {'tracing off':>12} {'tracing on':>12}")
    for key in r:
        if key.startswith("importtime_ms_tracing_off_"):
            part = key.removeprefix("importtime_ms_tracing_off_")
            print(f"    {part:<24} {r[key]:>12} {r[f'importtime_ms_tracing_on_{part}']:>12}")
    results["goals_met"] = {name: ok for name, _, _, ok in rows if ok is not None}
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
