"""Ablation of the recipe's choices with grouped cross-validation, on a subsample of people.

``python -m training.ablation [--samples 6000]`` prints one line per variant: crop framing,
photometric normalisation, mirror augmentation and mirror averaging, PCA size, C and gamma.
The improved recipe in ``recipes.py`` takes the winners. Uses the same cached boxes as training.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from joblib import Memory, Parallel, delayed
from sklearn.model_selection import GroupKFold

from facegender.detection import DetectorParams
from facegender.preprocessing import CropParams

from .crops import crop_boxes, largest_face_boxes, serving_detector
from .data import data_root, load_split
from .fit import _mirror_flat, _subsample_by_group, build_pipeline
from .pipeline import REPO_ROOT


def cv_accuracy(faces, y, groups, *, n_components, C, gamma, mirror_augment, mirror_average,
                n_splits=3):
    scores = []
    for train, test in GroupKFold(n_splits=n_splits).split(faces, y, groups):
        X = faces[train].reshape(len(train), -1)
        yt = y[train]
        if mirror_augment:
            X = np.concatenate([X, _mirror_flat(faces[train])])
            yt = np.concatenate([yt, yt])
        model = build_pipeline(n_components, C, gamma).fit(X, yt)
        decision = model.decision_function(faces[test].reshape(len(test), -1))
        if mirror_average:
            decision = 0.5 * (decision + model.decision_function(_mirror_flat(faces[test])))
        scores.append(((decision > 0).astype(int) == y[test]).mean())
    return float(np.mean(scores))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m training.ablation", description=__doc__)
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    memory = Memory(REPO_ROOT / ".cache" / "joblib", verbose=0)
    train = load_split(data_root(), "train")
    # Boxes of the whole split (the cache training fills), then a subsample of people.
    all_boxes = largest_face_boxes(train.paths, serving_detector(DetectorParams()), memory=memory)
    keep = _subsample_by_group(train.group, args.samples)
    keep = keep[[all_boxes[i] is not None for i in keep]]
    train = train.subset(keep)
    boxes = [all_boxes[i] for i in keep]
    crops = {}
    for margin, norm in itertools.product((0.0, 0.1), ("none", "equalize", "clahe")):
        crops[(margin, norm)] = crop_boxes(train.paths, boxes, CropParams(margin, norm),
                                           memory=memory)
    base = dict(n_components=150, C=10.0, gamma=0.004, mirror_augment=False, mirror_average=False)
    variants = [((m, n), base) for (m, n) in crops]
    for extra in ({"mirror_augment": True}, {"mirror_augment": True, "mirror_average": True}):
        variants.append(((0.0, "clahe"), {**base, **extra}))
    for n_components, C, gamma in itertools.product((100, 200, 300), (3.0, 10.0), (0.002, 0.004)):
        variants.append(((0.0, "clahe"), {**base, "n_components": n_components, "C": C,
                                          "gamma": gamma}))
    print(f"{len(train)} faces, {len(np.unique(train.group))} people; 3-fold GroupKFold")

    def one(key, params):
        start = time.perf_counter()
        score = cv_accuracy(crops[key], train.y, train.group, **params)
        return key, params, score, time.perf_counter() - start

    for key, params, score, seconds in Parallel(n_jobs=args.jobs)(
            delayed(one)(k, p) for k, p in variants):
        print(f"margin={key[0]:<4} norm={key[1]:<9} {params} -> {score:.4f} ({seconds:.0f} s)",
              flush=True)


if __name__ == "__main__":
    main()
