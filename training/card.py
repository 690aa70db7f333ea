"""The model card: what the model is, how it was chosen, and who it fails.

The card travels with ``model.npz`` as ``model.json``; the API serves it and the page's "How it
works" shows it. Its ``fairness`` section and ``known_failures`` come from measurements (the
grouped out-of-fold predictions and the dev-test stress test), never from hand-written numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform

import numpy as np

from facegender.preprocessing import FACE_SIZE

from .data import CLASSES, Samples
from .export import channel_records
from .fairness import FairSearch
from .fit import TrainedModel
from .groups import MIN_GROUP, RACES
from .recipes import Recipe

LABEL_MEANING = (
    "Apparent, binary gender presentation as annotated in the training datasets (CelebA's "
    "'Male' attribute, UTKFace's gender field). It is not a statement about anyone's gender "
    "identity."
)
INTENDED_USE = (
    "Demonstrating a classic, transparent face pipeline (Haar cascade, eigenfaces, HOG and LBP "
    "features, SVM) on photos people choose to upload. Not for decisions about people, "
    "identification, surveillance, or inferring anyone's gender identity."
)
LIMITATIONS = [
    "Two labels only; people who are non-binary or whose presentation differs from the "
    "annotators' reading get a wrong or meaningless label.",
    "Mostly frontal faces: copies turned by up to 30 degrees and a profile cascade catch some "
    "tilted and side-on heads when the frontal cascades find nothing, but many are still "
    "missed, and side-on faces are classified less accurately.",
    "Crops are aligned on the eyes where the eye cascade finds both (about 4 faces in 5); "
    "closed eyes, glare on glasses or a turned head leave the plain face-box crop, and those "
    "faces are classified less accurately.",
    "Trained on adult celebrities (CelebA) and UTKFace; accuracy is lower for children and "
    "older people and differs between groups (see known failures and metrics).",
    "Grayscale 100x100 crops: lighting, glasses, hats and make-up sway the result.",
]
#: How many of the lowest-recall groups the card names as known failures.
FAILURES_NAMED = 4


def model_card(recipe: Recipe, train: Samples, fit_set: Samples, fair: FairSearch,
               trained: TrainedModel) -> dict:
    """The card of a freshly fitted model (metrics are added after evaluation)."""
    search, chosen = fair.search, fair.chosen
    fairness = fair.card()
    candidate, copies = search.candidates[chosen], fair.copies[chosen]
    svm = trained.pipeline.named_steps["svm"]
    counts = {
        name: {c: int(((train.dataset == name) & (train.y == i)).sum())
               for i, c in enumerate(CLASSES)}
        for name in recipe.datasets
    }
    digest = hashlib.sha256(np.ascontiguousarray(svm.dual_coef_).tobytes()).hexdigest()[:8]
    return {
        "name": "facegender eigenfaces + HOG + LBP",
        "version": f"{dt.date.today():%Y.%m.%d}-{digest}",
        "classes": list(CLASSES),
        "label_meaning": LABEL_MEANING,
        "intended_use": INTENDED_USE,
        "limitations": LIMITATIONS,
        "channels": channel_records(trained),
        "training_data": {
            "datasets": {
                "celeba": "CelebA (Liu et al., ICCV 2015), split by identity; label = 'Male' attribute",
                "utkface": "UTKFace (Zhang et al., CVPR 2017); label = gender field",
            },
            "images": counts,
            "faces_used": int(len(fit_set)),
            "datasets_weighted_equally": recipe.balance_datasets,
            "sample_weights": fair.labels[chosen] if copies is None else "grid",
            "training_copies": None if copies is None else {
                "copies": len(copies.owner),
                "what": ("one of each training photo, noisy or blurred at random before "
                         "detection, with its photo's label (dropped where no face was found)")},
        },
        "preprocessing": {
            "face_size": FACE_SIZE,
            **recipe.preprocessing.to_dict(),
            "mirror_average": recipe.mirror_average,
        },
        "svm": {
            "kernel": "rbf",
            "C": float(svm.C),
            "gamma": float(svm.gamma),
            "gamma_scale": candidate.gamma_scale,
            "n_support_vectors": int(svm.support_vectors_.shape[0]),
        },
        "calibration": {"method": "Platt sigmoid on grouped out-of-fold decision values, its "
                                  "midpoint fixed at the fair threshold (see fairness)"},
        "grid_search": {
            "cv": "GroupKFold by person (CelebA identity; one group per UTKFace image)",
            "faces": int(len(search.index)),
            "selection": fairness["selection"],
            "chosen": f"{fair.labels[chosen]}: {candidate.describe()}",
            "chosen_cv_accuracy": round(float(search.mean[chosen]), 4),
            "best_cv_accuracy": round(float(search.mean.max()), 4),
            "candidates": [
                {"candidate": f"{label}: {c.describe()}", "mean_accuracy": round(float(m), 4),
                 "std_accuracy": round(float(sd), 4), "support_vectors": n_sv}
                for label, c, m, sd, n_sv in zip(fair.labels, search.candidates, search.mean,
                                                 search.std, search.n_support)
            ],
        },
        "fairness": {**fairness, "weakest_groups": weakest_groups(fairness["cv_groups"])},
        "training": {
            "recipe": recipe.name,
            "date": dt.date.today().isoformat(),
            "python": platform.python_version(),
        },
    }


def weakest_groups(cv_groups: dict, count: int = FAILURES_NAMED) -> list[dict]:
    """The ``count`` groups (of at least :data:`MIN_GROUP` faces) with the lowest out-of-fold
    recall, in words: ``[{"group", "words", "recall", "faces"}]``; the page's note names them."""
    groups = [(name, row) for family in cv_groups.get("groups", {}).values()
              for name, row in family.items() if row["faces"] >= MIN_GROUP]
    groups.sort(key=lambda item: item[1]["recall"])
    return [{"group": name, "words": _group_words(name), "recall": row["recall"],
             "faces": row["faces"]} for name, row in groups[:count]]


def known_failures(card: dict) -> list[str]:
    """Who the model fails, in plain words, from the card's measurements: the groups with the
    lowest out-of-fold recall, the largest female-minus-male gap, and the degradations that cost
    a gender most on the dev test."""
    lines = []
    fairness = card.get("fairness", {})
    weakest = fairness.get("weakest_groups", [])
    if weakest:
        named = ", ".join(f"{g['words']} ({100 * g['recall']:.0f}%)" for g in weakest)
        lines.append(f"Lowest recall in cross-validation (faces held out of training): {named}. "
                     "These people are read as the other label most often.")
        gap = fairness["cv_groups"].get("largest_gap", {})
        if gap.get("group") is not None:
            side = "women" if gap["points"] < 0 else "men"
            lines.append(f"The largest gap between women and men is among {_gap_words(gap['group'])}: "
                         f"{abs(gap['points']):.0f} points, at the expense of {side}.")
    lines += _test_failures(card) + _degradation_failures(card)
    return lines


def _dataset_names(card: dict) -> dict[str, str]:
    return {key: text.split(" (")[0] for key, text in
            card.get("training_data", {}).get("datasets", {}).items()}


def _test_failures(card: dict) -> list[str]:
    """The two weakest groups of each dev test split, end to end."""
    names = _dataset_names(card)
    lines = []
    for split, metrics in card.get("metrics", {}).get("new", {}).items():
        weakest = weakest_groups(metrics.get("groups", {}), count=2)
        if weakest:
            named = " and ".join(f"{g['words']} ({100 * g['recall']:.0f}%)" for g in weakest)
            lines.append(f"On the {names.get(split, split)} test photos, end to end, the lowest "
                         f"recall is that of {named}.")
    return lines


def _degradation_failures(card: dict) -> list[str]:
    """For each gender, the degradation of the dev-test stress test that costs its recall most."""
    names = _dataset_names(card)
    worst: dict[str, tuple] = {}
    for split, metrics in card.get("metrics", {}).get("new", {}).items():
        for name, row in metrics.get("degraded", {}).items():
            for label, drop in row.get("recall_drop", {}).items():
                if drop is not None and drop > worst.get(label, (0.0,))[0]:
                    worst[label] = (drop, name, names.get(split, split))
    lines = []
    for label, other in (("female", "men"), ("male", "women")):
        if label in worst:
            drop, name, dataset = worst[label]
            people = "women" if label == "female" else "men"
            lines.append(f"On worse photos, {people}'s recall falls most with "
                         f"{DEGRADATION_WORDS.get(name, name)}: by {100 * drop:.1f} points on "
                         f"{dataset} test photos, read as {other}.")
    return lines


DEGRADATION_WORDS = {
    "small": "faces about 50 pixels wide",
    "jpeg30": "heavy JPEG compression",
    "noise": "sensor noise",
    "gamma0.7": "overexposure",
    "gamma1.4": "underexposure",
    "blur": "blur",
}


def _gap_words(group: str) -> str:
    """'Black' -> 'Black people', '60+' -> 'people aged 60+', 'aligned' -> 'CelebA's aligned
    photos'."""
    if group[:1].isdigit():
        return f"people aged {group}"
    if group in RACES:
        return f"{group} people"
    return f"CelebA's {group} photos"


def _group_words(name: str) -> str:
    """'Black female' -> 'Black women', '60+ male' -> 'men aged 60+', 'aligned female' ->
    'women in CelebA's aligned photos'."""
    group, _, label = name.rpartition(" ")
    people = {"female": "women", "male": "men"}.get(label, label)
    if group[:1].isdigit():
        return f"{people} aged {group}"
    if group in RACES:
        return f"{group} {people}"
    return f"{people} in CelebA's {group} photos" if label in ("female", "male") else name
