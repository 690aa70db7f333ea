"""Explanations (issue 12): what an occlusion map costs, what it adds to a request that does not
ask for one, and how faithful it is.

Goals: a map <= 40 ms a face (p50, this machine); no added latency to a /v1/predict without
include_explanation (p50 of the service on this code and on the base revision's, alternated
in one run, same model); hiding the 5 top patches of the map moves the calibrated probability
at least twice as far as hiding 5 random patches, over 200 development test faces (100 of
each label, people the model never saw). The faithfulness figure is measured for both grey
values a hidden patch can show (the mean face, which the service uses, and the crop's mean).

``python -m benchmarks explain`` (``FACEGENDER_BENCH_BASE`` names the base revision, default
``issue-11``; ``FACEGENDER_DATA`` the datasets).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import numpy as np

from tests.support import first_face_crops

from .common import REPO_ROOT, median, photo_640x480, table, timed

FACES = 200
ROUNDS = 5
REQUESTS_PER_ROUND = 40

PREDICT_PROBE = """
import sys, time, statistics
from facegender.service import FaceService
data = open(sys.argv[1], "rb").read()
service = FaceService.load()
for _ in range(3):
    service.classify(data)
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    service.classify(data)
    times.append((time.perf_counter() - start) * 1000)
print(statistics.median(times))
"""


def data_dir() -> Path:
    return Path(os.environ.get("FACEGENDER_DATA") or REPO_ROOT.parent / "shared" / "data")


def dev_test_crops(model, count: int) -> list[np.ndarray]:
    """Crops of ``count`` development test photos, half of each label, evenly through each
    label's sorted list (the largest face of each photo; photos without a face are skipped)."""
    folder = data_dir() / "faces" / "test"
    per_label = len(list((folder / "female").glob("*.jpg")))
    return first_face_crops(folder, model.preprocessing, count,
                            stride=max(1, per_label // (count // 2 + 20)))


def faithfulness(model, crops: list[np.ndarray], fill: str, seed: int = 12) -> dict:
    """Mean |probability change| hiding the map's 5 top patches vs 5 random ones (3 draws)."""
    from facegender.explain import explain_face, hide_patches

    rng = np.random.default_rng(seed)
    top, random = [], []
    for face in crops:
        effects = explain_face(model, face, fill=fill).effects.ravel()
        grey = model.mean_face() if fill == "mean_face" else np.full_like(face, face.mean())
        batch = [face, hide_patches(face, grey, np.argsort(-np.abs(effects))[:5], 10)]
        batch += [hide_patches(face, grey, rng.choice(effects.size, 5, replace=False), 10)
                  for _ in range(3)]
        p = model.predict(np.stack(batch)).probabilities[:, 1]
        top.append(abs(p[0] - p[1]))
        random.append(np.mean(np.abs(p[0] - p[2:])))
    return {f"faithfulness_{fill}_top5_mean_abs_change": round(float(np.mean(top)), 4),
            f"faithfulness_{fill}_random5_mean_abs_change": round(float(np.mean(random)), 4),
            f"faithfulness_{fill}_ratio": round(float(np.mean(top) / np.mean(random)), 2)}


def explanation_cost(model, crops: list[np.ndarray], repeat: int = 3) -> dict:
    from facegender.explain import explain_face, map_png

    times = []
    for face in crops:
        times += timed(lambda: map_png(explain_face(model, face).effects, model.classes),
                       repeat, warmup=0)
    return {"explanation_ms_p50": round(median(times), 1),
            "explanation_ms_p90": round(float(np.percentile(times, 90)), 1),
            "explanation_faces_timed": len(crops)}


def base_code(revision: str, into: Path) -> Path:
    """The ``function/facegender`` package of ``revision``, unpacked under ``into``."""
    archive = subprocess.run(["git", "archive", revision, "function/facegender"],
                             cwd=REPO_ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "function"


def predict_path(revision: str) -> dict:
    """p50 of a /v1/predict's service call without include_explanation, on this code and on
    ``revision``'s, in alternating subprocesses (same model, same photo)."""
    env = {**os.environ, "FACEGENDER_MODEL_DIR": str(REPO_ROOT / "function" / "model"),
           "OPENBLAS_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        photo.write_bytes(photo_640x480())
        roots = {"now": REPO_ROOT / "function", "base": base_code(revision, Path(tmp))}
        medians = {"now": [], "base": []}
        for _ in range(ROUNDS):
            for name, root in roots.items():
                out = subprocess.run(
                    [sys.executable, "-c", PREDICT_PROBE, str(photo), str(REQUESTS_PER_ROUND)],
                    env={**env, "PYTHONPATH": str(root)}, cwd=tmp, capture_output=True,
                    text=True, check=True).stdout
                medians[name].append(float(out))
    now, base = median(medians["now"]), median(medians["base"])
    return {"predict_without_explanation_ms_p50": round(now, 2),
            f"predict_without_explanation_ms_p50_at_{revision}": round(base, 2),
            "predict_without_explanation_added_ms": round(now - base, 2),
            "predict_round_medians_ms": {k: [round(v, 2) for v in vs]
                                         for k, vs in medians.items()}}


def main() -> dict:
    from facegender.service import FaceService

    model = FaceService.load().model
    results = {"model_version": model.version,
               "model_channels": [c.channel.name for c in model.channels],
               "load_average_at_start": os.getloadavg()[0]}
    revision = os.environ.get("FACEGENDER_BENCH_BASE", "issue-11")
    results.update(predict_path(revision))
    if not (data_dir() / "faces" / "test").is_dir():
        print(f"explain: no development test faces under {data_dir()}; set FACEGENDER_DATA")
        return results
    crops = dev_test_crops(model, FACES)
    results["dev_test_faces"] = len(crops)
    results.update(explanation_cost(model, crops[::10]))
    for fill in ("mean_face", "crop_mean"):
        results.update(faithfulness(model, crops, fill))
    print("explain (issue 12)")
    print(table(list(results.items())))
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
