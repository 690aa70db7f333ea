"""Explanations (issue 12): what an occlusion map costs, what it adds to a request that does not
ask for one, and how faithful it is.

Goals: a map <= 40 ms a face (p50, this machine); no added latency to a /v1/predict without
include_explanation (p50 of the service on this code and on the base revision's, alternated
in one run, same model); hiding the 5 top patches of the map moves the calibrated probability
at least twice as far as hiding 5 random patches, over 200 development test faces (100 of
each label, people the model never saw). The faithfulness figure is measured for both grey
values a hidden patch can show (the mean face, which the service uses, and the crop's mean).

Since a map costs several times its goal, the page asks for one only when "Why?" opens, through
``POST /v1/model/explain``; its latency per face (p50, in-process HTTP) is measured too. So is
the trade-off of a coarser grid, without changing what the service serves: 5x5 patches of
20 px (25 copies instead of 100), its cost, its faithfulness (the top patch against a random
one, 400 px hidden, beside the 10x10 map's top 4 against 4 random, the same area; and the
top 5 against 5 random), and how well it agrees with the 10x10 map summed over the same
20 px blocks (Pearson r per face, median).

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

from tests.support.images import first_face_crops
from tests.support.paths import DATA, REPO_ROOT

from .common import median, photo_640x480, table, timed

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
    return DATA


def dev_test_crops(model, count: int) -> list[np.ndarray]:
    """Crops of ``count`` development test photos, half of each label, evenly through each
    label's sorted list (the largest face of each photo; photos without a face are skipped)."""
    folder = data_dir() / "faces" / "test"
    per_label = len(list((folder / "female").glob("*.jpg")))
    return first_face_crops(folder, model.preprocessing, count,
                            stride=max(1, per_label // (count // 2 + 20)))


def faithfulness(model, crops: list[np.ndarray], fill: str, *, patch: int = 10,
                 ks=(5,), seed: int = 12) -> tuple[dict, list[np.ndarray]]:
    """Mean |probability change| hiding the map's ``k`` top patches vs ``k`` random ones
    (3 draws), for each ``k`` in ``ks``; and the maps themselves."""
    from facegender.eigenfaces import mean_face
    from facegender.explain import explain_face, hide_patches

    rngs = {k: np.random.default_rng((seed, k)) for k in ks}
    top, random = {k: [] for k in ks}, {k: [] for k in ks}
    maps = []
    for face in crops:
        effects = explain_face(model, face, patch=patch, fill=fill).effects
        maps.append(effects)
        effects = effects.ravel()
        grey = mean_face(model) if fill == "mean_face" else np.full_like(face, face.mean())
        for k in ks:
            batch = [face, hide_patches(face, grey, np.argsort(-np.abs(effects))[:k], patch)]
            batch += [hide_patches(face, grey, rngs[k].choice(effects.size, k, replace=False),
                                   patch) for _ in range(3)]
            p = model.predict(np.stack(batch)).probabilities[:, 1]
            top[k].append(abs(p[0] - p[1]))
            random[k].append(np.mean(np.abs(p[0] - p[2:])))
    grid = 100 // patch
    name = f"faithfulness_{fill}" if patch == 10 else f"faithfulness_{fill}_{grid}x{grid}"
    out = {}
    for k in ks:
        out.update({f"{name}_top{k}_mean_abs_change": round(float(np.mean(top[k])), 4),
                    f"{name}_random{k}_mean_abs_change": round(float(np.mean(random[k])), 4),
                    f"{name}_top{k}_ratio": round(float(np.mean(top[k]) / np.mean(random[k])),
                                                  2)})
    if patch == 10 and 5 in ks:  # the figure, under the name it was reported with
        out[f"{name}_ratio"] = out.pop(f"{name}_top5_ratio")
    return out, maps


def map_agreement(fine: list[np.ndarray], coarse: list[np.ndarray]) -> dict:
    """Median Pearson r between each coarse map and its fine map summed over the same blocks."""
    rs = []
    for f, c in zip(fine, coarse):
        step = f.shape[0] // c.shape[0]
        summed = f.reshape(c.shape[0], step, c.shape[1], step).sum(axis=(1, 3))
        rs.append(np.corrcoef(summed.ravel(), c.ravel())[0, 1])
    return {"coarse_vs_fine_map_pearson_r_median": round(float(np.nanmedian(rs)), 3)}


def explanation_cost(model, crops: list[np.ndarray], repeat: int = 3, patch: int = 10) -> dict:
    from facegender.explain import explain_face, map_png

    times = []
    for face in crops:
        times += timed(lambda: map_png(explain_face(model, face, patch=patch).effects,
                                       model.classes), repeat, warmup=0)
    name = "explanation" if patch == 10 else f"explanation_{100 // patch}x{100 // patch}"
    return {f"{name}_ms_p50": round(median(times), 1),
            f"{name}_ms_p90": round(float(np.percentile(times, 90)), 1),
            f"{name}_faces_timed": len(crops)}


def explain_endpoint_latency(crops: list[np.ndarray], repeat: int = 3) -> dict:
    """p50 of ``POST /v1/model/explain`` per face, in-process over HTTP (the crop as the page
    sends it: base64 PNG in JSON, the reply parsed)."""
    import base64
    import warnings

    from facegender.api import create_app
    from facegender.preprocessing import to_png_gray

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    bodies = [{"crop_png": base64.b64encode(to_png_gray(face)).decode("ascii")} for face in crops]
    times = []
    with TestClient(create_app()) as client:
        for body in bodies:
            def call():
                response = client.post("/v1/model/explain", json=body)
                assert response.status_code == 200, response.text[:200]
                response.json()
            times += timed(call, repeat, warmup=1)
    return {"explain_endpoint_ms_p50": round(median(times), 1),
            "explain_endpoint_ms_p90": round(float(np.percentile(times, 90)), 1)}


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
    results.update(explain_endpoint_latency(crops[::10]))
    fine = {}
    for fill in ("mean_face", "crop_mean"):
        figures, fine[fill] = faithfulness(model, crops, fill,
                                           ks=(5, 4) if fill == "mean_face" else (5,))
        results.update(figures)
    # The coarser grid, measured beside the served one; the service keeps 10x10.
    results.update(explanation_cost(model, crops[::10], patch=20))
    figures, coarse = faithfulness(model, crops, "mean_face", patch=20, ks=(1, 5))
    results.update(figures)
    results.update(map_agreement(fine["mean_face"], coarse))
    print("explain (issue 12)")
    print(table(list(results.items())))
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
