"""Coarse to fine, measured on the pass that dominates detection (issue 20's first lever).

``python -m benchmarks coarse_to_fine [--per-dataset 40]`` takes the photos of
``benchmarks.detection`` (evenly spaced dev-test photos of CelebA and UTKFace, every sample
photo), makes the bundled model's detection copy of each, and times, one thread, interleaved,
median of 3 runs a photo:

* ``full``: the first upright pass as served (frontal cascade, its scale factor, neighbours and
  smallest face ``s``; without the served pass's ``min_weight`` filter, which changes which
  boxes count, not the work);
* ``coarse to fine``: the same cascade at full resolution for faces from ``s`` to ``BAND x s``
  only, plus a half-size copy (area averaging) for faces from ``2s`` up, whose boxes are doubled;
  a coarse box that overlaps a fine one (IoU > 0.3) is the same face.

It reports, per set, the median of the per-photo time ratios and the faces: how many boxes each
finds, and how many of the full pass's faces coarse to fine finds again (IoU >= 0.5). Nothing
is written. This measures the lever before wiring it into ``haar.upright_passes``: if it kept
every face, the served detector would change and the model would be retrained on its crops.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from tests.support.paths import DATA

from .common import median
from .detection import photos

#: The fine pass covers faces up to this multiple of the smallest, overlapping the coarse one.
BAND = 2.2
ROUNDS = 3


def _boxes(image, cascade, params, min_side: int, max_side: int | None = None) -> np.ndarray:
    found = cascade.detectMultiScale(
        image, scaleFactor=params.scale_factor, minNeighbors=params.min_neighbors,
        minSize=(min_side, min_side), maxSize=(max_side, max_side) if max_side else (0, 0))
    return np.asarray(found, dtype=float).reshape(-1, 4)


def full_pass(image, cascade, params) -> np.ndarray:
    return _boxes(image, cascade, params, params.min_size)


def coarse_to_fine(image, cascade, params) -> np.ndarray:
    side = params.min_size
    fine = _boxes(image, cascade, params, side, int(BAND * side))
    height, width = image.shape
    if min(height, width) // 2 < side:
        return fine
    half = cv2.resize(image, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    coarse = 2.0 * _boxes(half, cascade, params, side)
    new = [box for box in coarse if all(_iou(box, other) <= 0.3 for other in fine)]
    return np.vstack([fine, np.reshape(new, (-1, 4))])


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.coarse_to_fine")
    parser.add_argument("--per-dataset", type=int, default=40)
    args = parser.parse_args([] if argv is None else argv)
    from facegender.cascades import load_cascade
    from facegender.haar import detection_copy
    from facegender.imaging import decode_image
    from facegender.model import FaceModel
    from facegender.service import use_one_thread_per_request
    from facegender.settings import get_settings
    from facegender.telemetry import stage

    use_one_thread_per_request()
    if not (DATA / "faces").exists():
        print(f"coarse_to_fine: skipped, no dataset at {DATA}")
        return {}
    params = FaceModel.load(get_settings().model_dir).preprocessing.detector
    cascade = load_cascade()
    results = {}
    for name, paths in photos(DATA, args.per_dataset).items():
        ratios, full_faces, c2f_faces, kept = [], 0, 0, 0
        for path in paths:
            image = detection_copy(decode_image(Path(path).read_bytes()).pixels, params).image
            times, boxes, timing = {"full": [], "c2f": []}, {}, {}
            for round_ in range(ROUNDS):
                order = (("full", full_pass), ("c2f", coarse_to_fine))
                for key, fn in order[::1 if round_ % 2 == 0 else -1]:
                    with stage(key, timing):
                        boxes[key] = fn(image, cascade, params)
                    times[key].append(timing[key])
            full, c2f = boxes["full"], boxes["c2f"]
            ratios.append(median(times["c2f"]) / median(times["full"]))
            full_faces += len(full)
            c2f_faces += len(c2f)
            kept += sum(any(_iou(a, b) >= 0.5 for b in c2f) for a in full)
        results[name] = {"photos": len(paths), "time_c2f_over_full": round(median(ratios), 3),
                         "faces_full": full_faces, "faces_c2f": c2f_faces,
                         "full_faces_found_again": kept}
        print(f"{name:18s} {len(paths):4d} photos: time x{median(ratios):.2f}; faces full "
              f"{full_faces}, coarse to fine {c2f_faces}, of the full pass's found again {kept}",
              flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
