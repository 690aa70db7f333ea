"""Model figures: runtime import + model load, per-face classification, stage timings.

Goals (issue 9): import + load <= 0.35 s in a new process, no scikit-learn, SciPy or
scikit-image at runtime; the model <= 2 ms per face (all channels, mirror averaged);
model.npz <= 30 MB. The detect stage includes the eye search and the crop, timed here on
their own (one thread, as the service runs it), and so is each channel's share of the model.
``FACEGENDER_MODEL_DIR=<folder>`` benchmarks another model folder (an earlier model, run back
to back with the bundled one on this noisy machine).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from tests.support.paths import REPO_ROOT

from .common import median, percentile, photo_12mp, photo_640x480, table, timed

IMPORT_PROBE = """
import time, sys
start = time.perf_counter()
import facegender
from facegender.model import FaceModel
from facegender.settings import get_settings
FaceModel.load(get_settings().model_dir)
elapsed = time.perf_counter() - start
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'skimage'})
print(elapsed, ','.join(heavy))
"""


def import_and_load(runs: int = 7) -> dict:
    times, heavy = [], set()
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True,
                             text=True, check=True, cwd=REPO_ROOT).stdout.split()
        times.append(float(out[0]))
        heavy.update(out[1].split(",") if len(out) > 1 else [])
    return {"import_and_load_s_median": round(median(times), 3),
            "import_and_load_s_max": round(max(times), 3),
            "heavy_modules_imported": sorted(heavy)}


def per_face(repeat: int = 300) -> dict:
    from facegender.detection import detect_faces
    from facegender.eyes import find_eyes
    from facegender.imaging import decode_image
    from facegender.preprocessing import crop_face, mirror
    from facegender.service import FaceService

    service = FaceService.load()
    model = service.model
    preprocessing = model.preprocessing
    # The eye search and the crop (part of the detect stage), on the benchmark photo's face.
    gray = decode_image(photo_640x480()).pixels
    [detection] = detect_faces(gray, preprocessing.detector)
    box = detection.box
    eyes = find_eyes(gray, box, preprocessing.eye_search)
    search = timed(lambda: find_eyes(gray, box, preprocessing.eye_search), repeat)
    crop = timed(lambda: crop_face(gray, box, preprocessing.crop, eyes), repeat)
    face = crop_face(gray, box, preprocessing.crop, eyes)[None]
    faces = np.repeat(face, 20, axis=0)
    one = timed(lambda: model.predict(face), repeat)
    batch = timed(lambda: model.predict(faces), repeat // 5)
    # Where one face's time goes: each channel on the face and its mirror, then the SVM.
    pair = np.concatenate([face, mirror(face)])
    out = {"eye_search_one_face_ms_p50": round(median(search), 3),
           "crop_one_face_ms_p50": round(median(crop), 3)}
    for channel in model.channels:
        spent = timed(lambda: channel.transform(pair), repeat)
        out[f"channel_{channel.channel.name}_ms_p50"] = round(median(spent), 3)
    codes = model.transform(pair)
    out["svm_kernel_ms_p50"] = round(median(timed(lambda: model.svm_decision_values(codes),
                                                  repeat)), 3)
    out.update({
        "model_one_face_ms_p50": round(median(one), 3),
        "model_one_face_ms_p99": round(percentile(one, 99), 3),
        "model_per_face_in_batch_of_20_ms": round(median(batch) / 20, 3),
        "n_support_vectors": int(model.support_vectors_.shape[0]),
        "code_dims": int(codes.shape[1]),
    })
    return out


def stages(repeat: int = 30) -> dict:
    from facegender.service import FaceService

    service = FaceService.load()
    out = {}
    for name, data in (("640x480", photo_640x480()), ("4000x3000", photo_12mp())):
        replies = []
        total = timed(lambda: replies.append(service.classify(data)), repeat)
        for stage in ("decode", "detect", "classify"):
            out[f"{name}_{stage}_ms_p50"] = round(median([r["timings_ms"][stage]
                                                          for r in replies]), 2)
        out[f"{name}_total_ms_p50"] = round(median(total), 2)
        out[f"{name}_faces"] = len(replies[-1]["faces"])
    return out


def artifact() -> dict:
    from facegender.settings import get_settings

    npz = get_settings().model_dir / "model.npz"
    return {"model_npz_mb": round(npz.stat().st_size / 1e6, 2)}


def main() -> dict:
    results = {**artifact(), **import_and_load(), **per_face(), **stages()}
    print("pipeline (issue 9)")
    print(table(list(results.items())))
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
