"""The accuracy floor: a fixed list of dev-test images and what the committed model scores.

``python -m training.floor`` runs every listed image through the service (decode, detect,
crop, classify: exactly what a user gets) with the bundled model and writes the list and the
scores to ``tests/data/accuracy_floor.json``. ``tests/functional/test_accuracy_floor.py`` runs
the same images and fails when overall accuracy, either class's recall or any UTKFace race
group's accuracy falls more than two points under these scores. Rerun this after committing a
better model, so the floor rises with it; it refuses to lower any figure by more than those two
points (a worse model) unless told ``--accept-lower``, which a commit must then explain.

The list: every UTKFace test image (632, four race groups) and 400 CelebA test images, an
equal number per source and label, drawn once with a fixed seed. An image whose face is not
found counts as wrong, as in the report.

The degraded cases: :data:`DEGRADED_IMAGES` of those images (an equal number per dataset and
label, UTKFace aged 13+ only), each degraded before detection in every way of
:mod:`training.degrade` with the width of its face as found on the clean photo (recorded, so a
case stays the same photo whatever the detector does later). The floor holds women's and men's
recall for each degradation too: a model may not buy its clean figures with worse photos.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from facegender.imaging import decode_image

from .data import CLASSES, REPO_ROOT, data_root, load_split
from .degrade import DEGRADATIONS, degraded_png
from .groups import ADULT_AGE

FLOOR_FILE = REPO_ROOT / "tests" / "data" / "accuracy_floor.json"
CELEBA_IMAGES = 400
#: Listed images that are also degraded, in every way of ``training.degrade``.
DEGRADED_IMAGES = 240
#: How far under the floor a figure may fall (accuracy, as a fraction).
TOLERANCE = 0.02


def floor_images(root: Path) -> list[dict]:
    """The listed images: file (relative to the data folder), label, dataset, race, age
    (UTKFace only)."""
    test = load_split(root, "test")
    rng = np.random.default_rng(0)
    chosen = list(np.flatnonzero(test.dataset == "utkface"))
    sources = sorted(set(test.source[test.dataset == "celeba"]))
    per_cell = CELEBA_IMAGES // (2 * len(sources))
    for source in sources:
        for label in (0, 1):
            cell = np.flatnonzero((test.source == source) & (test.y == label))
            chosen += sorted(rng.choice(cell, min(per_cell, len(cell)), replace=False))
    return [{"file": str(Path(test.paths[i]).relative_to(root)), "label": CLASSES[test.y[i]],
             "dataset": str(test.dataset[i]),
             "race": None if test.race[i] == "unlabelled" else str(test.race[i]),
             "age": int(test.age[i]) if test.dataset[i] == "utkface" else None}
            for i in sorted(chosen)]


def degraded_cases(images: list[dict], root: Path, service) -> list[dict]:
    """:data:`DEGRADED_IMAGES` of the listed images whose clean face the service finds, with
    that face's width: ``{"file", "label", "face_width"}``."""
    rng = np.random.default_rng(1)
    adult = [image for image in images if image["age"] is None or image["age"] >= ADULT_AGE]
    per_cell = DEGRADED_IMAGES // 4
    cases = []
    for dataset in ("celeba", "utkface"):
        for label in CLASSES:
            cell = [image for image in adult
                    if image["dataset"] == dataset and image["label"] == label]
            for i in rng.permutation(len(cell)):
                if sum(c["dataset"] == dataset and c["label"] == label for c in cases) == per_cell:
                    break
                faces = service.classify((root / cell[i]["file"]).read_bytes(),
                                         max_faces=1)["faces"]
                if faces:
                    cases.append({**cell[i], "face_width": faces[0]["box"]["width"]})
    return sorted(cases, key=lambda case: case["file"])


def score(images: list[dict], root: Path, service, cases: list[dict] = ()) -> dict:
    """Accuracy, recall per class and accuracy per UTKFace race group, end to end; with
    ``cases``, each class's recall on each degradation of them."""
    def predicted(data: bytes) -> str | None:
        faces = service.classify(data, max_faces=1)["faces"]
        return faces[0]["gender"] if faces else None

    with ThreadPoolExecutor(max_workers=service.settings.max_concurrent) as pool:
        answers = list(pool.map(predicted, ((root / i["file"]).read_bytes() for i in images)))
        degraded = {name: list(pool.map(predicted, (_degraded(root, case, name)
                                                    for case in cases)))
                    for name in DEGRADATIONS} if cases else {}
    right = np.array([answer == image["label"] for answer, image in zip(answers, images)])
    labels = np.array([image["label"] for image in images])
    races = np.array([image["race"] or "" for image in images])
    scores = {
        "accuracy": round(float(right.mean()), 4),
        "recall": _recall(right, labels),
        "race": {r: round(float(right[races == r].mean()), 4) for r in sorted(set(races) - {""})},
        "face_found": round(float(np.mean([a is not None for a in answers])), 4),
    }
    if degraded:
        case_labels = np.array([case["label"] for case in cases])
        scores["degraded"] = {
            name: _recall(np.array(found) == case_labels, case_labels)
            for name, found in degraded.items()}
    return scores


def _degraded(root: Path, case: dict, name: str) -> bytes:
    gray = decode_image((root / case["file"]).read_bytes(), max_bytes=50_000_000).pixels
    return degraded_png(gray, name, case["face_width"], Path(case["file"]).name)


def _recall(right: np.ndarray, labels: np.ndarray) -> dict:
    return {c: round(float(right[labels == c].mean()), 4) for c in CLASSES}


def figures(scores: dict) -> dict[str, float]:
    """Every figure the floor holds, by name: accuracy, face_found, recall.<class>,
    race.<group>, degraded.<degradation>.<class>."""
    return {"accuracy": scores["accuracy"], "face_found": scores["face_found"],
            **{f"recall.{c}": v for c, v in scores["recall"].items()},
            **{f"race.{r}": v for r, v in scores["race"].items()},
            **{f"degraded.{name}.{c}": v for name, recall in scores.get("degraded", {}).items()
               for c, v in recall.items()}}


def lowered(old: dict, new: dict) -> list[str]:
    """The figures of ``old`` scores that ``new`` scores fall under by more than TOLERANCE."""
    new_figures = figures(new)
    return [f"{name} {value:.4f} -> {new_figures.get(name, 0.0):.4f}"
            for name, value in figures(old).items()
            if new_figures.get(name, 0.0) < value - TOLERANCE]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.floor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--accept-lower", action="store_true",
                        help="write the floor even where it falls by more than the tolerance")
    args = parser.parse_args(argv)
    from facegender.service import FaceService

    root = data_root(args.data)
    images = floor_images(root)
    service = FaceService.load()
    cases = degraded_cases(images, root, service)
    scores = score(images, root, service, cases)
    if FLOOR_FILE.exists() and not args.accept_lower:
        worse = lowered(json.loads(FLOOR_FILE.read_text(encoding="utf-8"))["scores"], scores)
        if worse:
            print("the bundled model falls under the floor (--accept-lower to write it anyway): "
                  + "; ".join(worse))
            return 1
    FLOOR_FILE.parent.mkdir(parents=True, exist_ok=True)
    FLOOR_FILE.write_text(json.dumps({"model_version": service.model.version, "scores": scores,
                                      "images": images, "degraded_cases": cases}, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"model_version": service.model.version, **scores}, indent=2))
    print(f"wrote {FLOOR_FILE} ({len(images)} images)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
