"""Ablation of the recipe's choices with grouped cross-validation, on a subsample of people.

``python -m training.ablation [--samples 10000]`` starts from the improved recipe's choices and
changes one at a time: crop framing (eye alignment, margin), photometric normalisation, mirror
averaging and augmentation, PCA size, C and gamma. Each line gives the grouped 3-fold accuracy
overall, per dataset, on UTKFace faces aged 13+ and per race group among them. Uses the same
cached boxes as training.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
from joblib import Memory, Parallel, delayed
from sklearn.model_selection import GroupKFold

from facegender.preprocessing import CropParams

from .crops import crop_boxes, largest_face_boxes, serving_detector
from .data import Samples, data_root, load_split
from .fit import _mirror_flat, _subsample_by_group, build_pipeline
from .pipeline import REPO_ROOT
from .recipes import IMPROVED

BASE_CROP = IMPROVED.crop
BASE_FIT = dict(n_components=100, C=3.0, gamma=0.012, mirror_augment=False, mirror_average=True)
RACES = ("Asian", "Black", "Indian", "White")


def variants() -> list[tuple[str, CropParams, dict]]:
    """(name, crop, fit parameters): the base recipe, then one change each."""
    crop, fit = BASE_CROP, BASE_FIT
    return [
        ("base (improved recipe)", crop, fit),
        ("box crop, no eye alignment", replace(crop, align_eyes=False), fit),
        ("margin 0.1", replace(crop, margin=0.1), fit),
        ("margin -0.1", replace(crop, margin=-0.1), fit),
        ("normalization none", replace(crop, normalization="none"), fit),
        ("normalization equalize", replace(crop, normalization="equalize"), fit),
        ("no mirror averaging", crop, {**fit, "mirror_average": False}),
        ("mirror augmentation", crop, {**fit, "mirror_augment": True}),
        ("PCA 150, gamma 0.008", crop, {**fit, "n_components": 150, "gamma": 0.008}),
        ("PCA 60, gamma 0.02", crop, {**fit, "n_components": 60, "gamma": 0.02}),
        ("C 10", crop, {**fit, "C": 10.0}),
        ("C 1", crop, {**fit, "C": 1.0}),
        ("gamma 0.008", crop, {**fit, "gamma": 0.008}),
        ("gamma 0.018", crop, {**fit, "gamma": 0.018}),
    ]


def out_of_fold_decisions(faces, y, groups, *, n_components, C, gamma, mirror_augment,
                          mirror_average, n_splits=3) -> np.ndarray:
    decisions = np.empty(len(y))
    for train, test in GroupKFold(n_splits=n_splits).split(faces, y, groups):
        X = faces[train].reshape(len(train), -1)
        yt = y[train]
        if mirror_augment:
            X = np.concatenate([X, _mirror_flat(faces[train])])
            yt = np.concatenate([yt, yt])
        model = build_pipeline(n_components, C, gamma).fit(X, yt)
        decisions[test] = model.decision_function(faces[test].reshape(len(test), -1))
        if mirror_average:
            decisions[test] = 0.5 * (decisions[test]
                                     + model.decision_function(_mirror_flat(faces[test])))
    return decisions


def breakdown(correct: np.ndarray, samples: Samples) -> str:
    adult = (samples.dataset == "utkface") & (samples.age >= 13)
    by_race = {race: correct[adult & (samples.race == race)].mean() for race in RACES}
    parts = [f"all {correct.mean():.4f}"]
    parts += [f"{name} {correct[samples.dataset == name].mean():.4f}"
              for name in ("celeba", "utkface")]
    parts.append(f"utk13+ {correct[adult].mean():.4f}")
    parts.append(" ".join(f"{race} {acc:.3f}" for race, acc in by_race.items()))
    parts.append(f"race gap {100 * (max(by_race.values()) - min(by_race.values())):.1f}")
    return " | ".join(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m training.ablation", description=__doc__)
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    memory = Memory(REPO_ROOT / ".cache" / "joblib", verbose=0)
    train = load_split(data_root(), "train")
    # Boxes of the whole split (the cache training fills), then a subsample of people.
    all_boxes = largest_face_boxes(train.paths, serving_detector(IMPROVED.detector),
                                   memory=memory)
    keep = _subsample_by_group(train.group, args.samples)
    keep = keep[[all_boxes[i] is not None for i in keep]]
    train = train.subset(keep)
    boxes = [all_boxes[i] for i in keep]
    print(f"{len(train)} faces, {len(np.unique(train.group))} people; 3-fold GroupKFold",
          flush=True)
    crops = {}
    for _, crop, _ in variants():
        if crop not in crops:
            crops[crop] = crop_boxes(train.paths, boxes, crop, memory=memory, n_jobs=args.jobs)

    def one(name, crop, fit):
        start = time.perf_counter()
        decisions = out_of_fold_decisions(crops[crop], train.y, train.group, **fit)
        return name, (decisions > 0).astype(int) == train.y, time.perf_counter() - start

    for name, correct, seconds in Parallel(n_jobs=args.jobs, return_as="generator")(
            delayed(one)(*variant) for variant in variants()):
        print(f"{name:28s} {breakdown(correct, train)} ({seconds:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
