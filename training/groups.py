"""Who the model fails: recall of each group, the female-minus-male gaps and the worst group.

A gender classifier is judged by its worst group, not its average. The groups:

* UTKFace, ages 13 and over: race x gender, and age band (13-19, 20-39, 40-59, 60+) x gender;
* CelebA: source (its photo collections: aligned, HQ, in the wild) x gender.

Every function takes labels and a boolean "right" per face, so the same tables come from
grouped out-of-fold predictions in training and from the test splits end to end (where an
image with no face found counts as wrong).
"""

from __future__ import annotations

import numpy as np

from .data import CLASSES, Samples

ADULT_AGE = 13
AGE_BANDS = ("13-19", "20-39", "40-59", "60+")
RACES = ("Asian", "Black", "Indian", "White")
#: A group needs this many faces to count for the worst group: smaller ones are reported but
#: too noisy to choose by (one face is more than 3 points).
MIN_GROUP = 30


def group_masks(samples: Samples) -> dict[str, dict[str, np.ndarray]]:
    """Each family of groups: ``{family: {"<group> <gender>": mask}}``."""
    adult = (samples.dataset == "utkface") & (samples.age >= ADULT_AGE)
    celeba = samples.dataset == "celeba"
    families = {
        "race x gender": {r: adult & (samples.race == r) for r in RACES},
        "age x gender": {a: adult & (samples.age_group == a) for a in AGE_BANDS},
        "celeba source x gender": {s.split("/", 1)[-1]: celeba & (samples.source == s)
                                   for s in sorted(set(samples.source[celeba]))},
    }
    return {family: {f"{group} {label}": mask & (samples.y == i)
                     for group, mask in groups.items() for i, label in enumerate(CLASSES)
                     if (mask & (samples.y == i)).any()}
            for family, groups in families.items()}


def group_table(samples: Samples, right: np.ndarray) -> dict:
    """Recall of every group, the female-minus-male gap of each race and age band (UTKFace
    13+) and of each CelebA source, and the worst group.

    Returns
    -------
    dict
        ``{"groups": {family: {group: {"faces", "recall"}}}, "gaps": {family: {group: points
        female minus male}}, "worst": {"group", "recall"}, "largest_gap": {"group",
        "points"}}``; recalls are fractions, gaps are points.
    """
    right = np.asarray(right, dtype=bool)
    table, gaps = {}, {}
    for family, groups in group_masks(samples).items():
        table[family] = {name: {"faces": int(mask.sum()), "recall": _r(right[mask].mean())}
                         for name, mask in groups.items()}
        gaps[family] = {}
        for name in table[family]:
            group, label = name.rsplit(" ", 1)
            other = f"{group} {CLASSES[1]}"
            if label == CLASSES[0] and other in table[family]:
                gaps[family][group] = round(100 * (table[family][name]["recall"]
                                                   - table[family][other]["recall"]), 1)
    counted = [(name, row["recall"]) for family in table for name, row in table[family].items()
               if row["faces"] >= MIN_GROUP]
    worst = min(counted, key=lambda item: item[1]) if counted else (None, None)
    flat_gaps = [(group, points) for family in gaps for group, points in gaps[family].items()]
    largest = max(flat_gaps, key=lambda item: abs(item[1])) if flat_gaps else (None, None)
    return {"groups": table, "gaps": gaps,
            "worst": {"group": worst[0], "recall": worst[1]},
            "largest_gap": {"group": largest[0], "points": largest[1]}}


def worst_group_recall(samples: Samples, right: np.ndarray) -> float:
    """The lowest recall of any group with at least :data:`MIN_GROUP` faces."""
    return group_table(samples, right)["worst"]["recall"]


def equal_recall_threshold(decisions: np.ndarray, y: np.ndarray,
                           weights: np.ndarray | None = None) -> float:
    """The decision value at which women's and men's recall are equal.

    A face is labelled ``CLASSES[1]`` (male) when its decision value is at least the threshold;
    women's recall rises with the threshold and men's falls, so they cross once. Returns the
    midpoint between the two decision values where they cross. ``weights`` (one per face)
    weigh each face's vote, so that groups of different sizes can count equally.
    """
    decisions, y = np.asarray(decisions, dtype=np.float64), np.asarray(y)
    weights = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    order = np.argsort(decisions, kind="stable")
    d, is_male, w = decisions[order], y[order] == 1, weights[order]
    # Threshold just above d[k]: faces 0..k are called female.
    female_recall = np.cumsum(w * ~is_male) / w[~is_male].sum()
    male_recall = 1.0 - np.cumsum(w * is_male) / w[is_male].sum()
    k = int(np.argmin(np.abs(female_recall - male_recall)))
    upper = d[k + 1] if k + 1 < len(d) else d[k] + 1e-6
    return float(0.5 * (d[k] + upper))


def _r(value) -> float:
    return round(float(value), 4)
