"""Ablation of the recipe's choices with grouped cross-validation, on a subsample of people.

``python -m training.ablation [--samples 12000] [--only channels,sizes,...]`` crops the
training split with the served preprocessing (the cache ``make train`` fills), then runs the
grouped 3-fold search of ``training.search.grid_search`` over groups of variants:

* ``channels``: each channel alone, each pair, all three;
* ``sizes``: the PCA size of each channel;
* ``svm``: C and gamma;
* ``hog``, ``lbp``: each channel's own parameters;
* ``scaling``: whitened PCA codes, or codes sharing one scale (see ``codespace.code_scale``);
* ``weights``: the channels' weights in the kernel;
* ``crop``: the crop's margin and CLAHE settings (crops reframed from the served detections);
* ``balance``: weighting the datasets or the race groups.

Each line gives the paired difference in accuracy from the group's first line (with its
standard error: both are scored on the same faces and folds), the grouped CV accuracy
overall, on CelebA, on UTKFace faces aged 13+ and per race group among them, the race gap,
female minus male recall on each dataset, and CelebA's in-the-wild photos.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace

import numpy as np
from joblib import Memory

from facegender.features import Channel, HogParams, LbpParams

from .crops import dataset_faces_and_framings, found, reframed_faces
from .data import Samples, data_root, load_split
from .codespace import ChannelSpec
from .fit import sample_weights
from .search import Candidate, grid_search
from .data import REPO_ROOT
from .recipes import HOG, IMPROVED, SERVED_CHANNELS

RACES = ("Asian", "Black", "Indian", "White")
#: Every group starts from the served recipe and changes one thing.
BASE = SERVED_CHANNELS
BASE_C, BASE_GAMMA = 3.0, 1.2


def _with(channels, name: str, **changes) -> tuple[ChannelSpec, ...]:
    """``channels`` with the spec of channel ``name`` changed (size, weight or params)."""
    out = []
    for spec in channels:
        if spec.channel.name == name:
            params = changes.pop("params", None)
            spec = replace(spec, **changes)
            if params is not None:
                spec = replace(spec, channel=Channel(name, params))
        out.append(spec)
    return tuple(out)


def variants() -> dict[str, list[tuple[str, Candidate]]]:
    """Groups of (label, candidate); each group is one grouped search."""
    def candidate(channels=BASE, C=BASE_C, gamma=BASE_GAMMA):
        return Candidate(tuple(channels), C, gamma)

    p, h, l = BASE  # noqa: E741
    base = [("base: pixels + hog + lbp", candidate())]
    return {
        "channels": base + [
            ("pixels", candidate([p])), ("hog", candidate([h])), ("lbp", candidate([l])),
            ("pixels + hog", candidate([p, h])), ("pixels + lbp", candidate([p, l])),
            ("hog + lbp", candidate([h, l])),
        ],
        "sizes": base + [
            (f"all {k}", candidate(tuple(replace(spec, n_components=k) for spec in BASE)))
            for k in (60, 100, 200, 250)
        ] + [
            (f"{name} {k}", candidate(_with(BASE, name, n_components=k)))
            for name in ("pixels", "hog", "lbp") for k in (100, 200)
        ],
        "svm": [
            (f"C {C:g}, gamma {g:g}/d", candidate(C=C, gamma=g))
            for C in (3.0, 1.0, 10.0) for g in (1.2, 0.8, 1.8)
        ],
        "hog": base + [
            ("hog cells 6 px", candidate(_with(BASE, "hog", params=HogParams(
                window=96, block=12, block_stride=6, cell=6, bins=9)))),
            ("hog cells 10 px", candidate(_with(BASE, "hog", params=HogParams(
                window=100, block=20, block_stride=10, cell=10, bins=9)))),
            ("hog 12 bins", candidate(_with(BASE, "hog", params=replace(HOG.params, bins=12)))),
            ("hog window 88", candidate(_with(BASE, "hog", params=replace(HOG.params,
                                                                           window=88)))),
        ],
        "lbp": base + [
            (f"lbp radius {r}, grid {g}", candidate(_with(BASE, "lbp", params=LbpParams(
                grid=g, radius=r)))) for r, g in ((1, 7), (1, 9), (2, 7), (2, 10))
        ],
        "scaling": base + [
            ("all whitened", candidate(tuple(replace(spec, whiten=True) for spec in BASE)))
        ] + [(f"{name} whitened", candidate(_with(BASE, name, whiten=True)))
             for name in ("pixels", "hog", "lbp")],
        "weights": base + [
            (f"{name} weight {w:g}", candidate(_with(BASE, name, weight=w)))
            for name in ("pixels", "hog", "lbp") for w in (0.7, 1.4)
        ],
    }


def describe(decisions: np.ndarray, samples: Samples, reference: np.ndarray | None = None) -> str:
    """The breakdown of one candidate's out-of-fold decisions.

    With ``reference`` (another candidate's decisions on the same faces and folds), it starts
    with the paired difference in accuracy and its standard error: each face is scored by
    both, so the difference is far less noisy than either accuracy.
    """
    correct = (decisions > 0).astype(int) == samples.y
    adult = (samples.dataset == "utkface") & (samples.age >= 13)
    by_race = {race: correct[adult & (samples.race == race)].mean() for race in RACES}
    wild = samples.source == "celeba/wild"

    def recall_gap(mask):
        return 100 * (correct[mask & (samples.y == 0)].mean()
                      - correct[mask & (samples.y == 1)].mean())

    paired = []
    if reference is not None:
        diff = correct.astype(float) - ((reference > 0).astype(int) == samples.y)
        paired = [f"{100 * diff.mean():+.2f} +- {100 * diff.std() / np.sqrt(len(diff)):.2f}"]
    return " | ".join(paired + [
        f"all {100 * correct.mean():.2f}",
        f"celeba {100 * correct[samples.dataset == 'celeba'].mean():.2f}",
        f"utk13+ {100 * correct[adult].mean():.2f}",
        " ".join(f"{race[0]} {100 * acc:.1f}" for race, acc in by_race.items()),
        f"gap {100 * (max(by_race.values()) - min(by_race.values())):.1f}",
        f"f-m recall celeba {recall_gap(samples.dataset == 'celeba'):+.1f} "
        f"utk {recall_gap(samples.dataset == 'utkface'):+.1f}",
        f"wild {100 * correct[wild].mean():.1f} ({recall_gap(wild):+.1f})",
    ])


def race_weights(samples: Samples) -> np.ndarray:
    """UTKFace faces weighted so each race group has the same total weight (mean 1 overall)."""
    weights = np.ones(len(samples))
    utk = samples.dataset == "utkface"
    races, counts = np.unique(samples.race[utk], return_counts=True)
    for race, count in zip(races, counts):
        weights[utk & (samples.race == race)] = utk.sum() / (len(races) * count)
    return weights


CROPS = {
    "margin 0 (served)": {},
    "margin 0.1": {"margin": 0.1},
    "margin 0.2": {"margin": 0.2},
    "no CLAHE": {"normalization": "none"},
    "CLAHE clip 4": {"clahe_clip": 4.0},
    "CLAHE tiles 8": {"clahe_tiles": 8},
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m training.ablation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=12000,
                        help="faces of whole people each search uses; 0 for all of them")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="",
                        help="comma-separated groups (default: all, crop and balance)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    memory = Memory(REPO_ROOT / ".cache" / "joblib", verbose=0)
    train = load_split(data_root(), "train")
    faces, framings = dataset_faces_and_framings(
        train.paths, IMPROVED.preprocessing, memory=memory, n_jobs=args.jobs, desc="faces train")
    has_face = found(faces)
    faces, framings, train = faces[has_face], framings[has_face], train.subset(has_face)
    groups = variants()
    chosen = [g for g in args.only.split(",") if g] or [*groups, "crop", "balance"]
    base = [("served recipe", Candidate(BASE, BASE_C, BASE_GAMMA))]
    for name in chosen:
        if name == "balance":
            runs = [("unweighted", faces, np.ones(len(train)), base),
                    ("datasets weighted equally", faces, sample_weights(train.dataset, True), base),
                    ("UTKFace race groups weighted equally", faces, race_weights(train), base)]
        elif name == "crop":
            served = IMPROVED.preprocessing.crop
            runs = [(label, faces if not changes else reframed_faces(
                        train.paths, framings, replace(served, **changes), memory=memory,
                        n_jobs=args.jobs), np.ones(len(train)), base)
                    for label, changes in CROPS.items()]
        else:
            runs = [(name, faces, np.ones(len(train)), groups[name])]
        reference = None
        for title, variant_faces, weights, labelled in runs:
            search = grid_search(variant_faces, train.y, train.group, weights,
                                 [c for _, c in labelled], max_samples=args.samples or None,
                                 n_jobs=args.jobs)
            used = train.subset(search.index)
            reference = search.decisions[0] if reference is None else reference
            print(f"\n## {name}: {title} ({len(used)} faces, {len(np.unique(used.group))} "
                  "people, 3-fold GroupKFold; first figure: paired difference from the "
                  "group's first line)", flush=True)
            for (label, _), decisions, n_sv in zip(labelled, search.decisions,
                                                    search.n_support):
                print(f"{label:28s} {describe(decisions, used, reference)} | {n_sv} SV",
                      flush=True)


if __name__ == "__main__":
    main()
