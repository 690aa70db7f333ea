"""Evaluation of a model on a test split, end to end: detection counts.

An image whose face is not found counts as wrong in the end-to-end accuracy, as it would for
a user; the other figures are over the images where a face was found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve

from .data import CLASSES, Samples
from .groups import group_table

N_CALIBRATION_BINS = 10


@dataclass
class Predictions:
    """Per-image outcome on a test split: ``found`` (bool), ``p_male`` and ``predicted``
    (label index; only meaningful where ``found``)."""

    found: np.ndarray
    p_male: np.ndarray
    predicted: np.ndarray


def predict_faces(model, faces: np.ndarray) -> Predictions:
    """A runtime model's answers for crops of which some rows are NaN (no face found)."""
    has_face = ~np.isnan(faces[:, 0, 0])
    p_male = np.full(len(faces), np.nan)
    predicted = np.full(len(faces), -1)
    if has_face.any():
        out = model.predict(faces[has_face])
        p_male[has_face] = out.probabilities[:, 1]
        predicted[has_face] = [CLASSES.index(label) for label in out.labels]
    return Predictions(has_face, p_male, predicted)


def expected_calibration_error(y: np.ndarray, p_male: np.ndarray,
                               n_bins: int = N_CALIBRATION_BINS) -> float:
    """ECE of the confidence of the predicted label, in equal-width bins over [0.5, 1]."""
    return float(sum(count * abs(accuracy - confidence)
                     for confidence, accuracy, count in reliability_curve(y, p_male, n_bins))
                 / len(y))


def calibration_error_floor(p_male: np.ndarray, n_draws: int = 200, seed: int = 0) -> float:
    """The ECE a perfectly calibrated model with these probabilities would score on this many
    faces: the mean ECE over label sets drawn from the probabilities themselves.

    Binned ECE is biased upwards on small sets (465 UTKFace faces over 13 put a perfect model
    at about 0.03), so a measured ECE is read against this floor.
    """
    rng = np.random.default_rng(seed)
    draws = [expected_calibration_error((rng.random(len(p_male)) < p_male).astype(int), p_male)
             for _ in range(n_draws)]
    return float(np.mean(draws))


def reliability_curve(y, p_male, n_bins: int = N_CALIBRATION_BINS):
    """(mean confidence, accuracy, count) per non-empty bin of the predicted label's
    confidence, equal-width bins over [0.5, 1]: the reliability diagram and the ECE."""
    predicted = (p_male >= 0.5).astype(int)
    confidence = np.where(predicted == 1, p_male, 1 - p_male)
    correct = predicted == y
    edges = np.linspace(0.5, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(confidence, edges[1:-1]), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            rows.append((float(confidence[mask].mean()), float(correct[mask].mean()),
                         int(mask.sum())))
    return rows


def summary(y: np.ndarray, pred: Predictions) -> dict:
    """Headline figures for one set of images."""
    n = len(y)
    found = pred.found
    correct = found & (pred.predicted == y)
    out = {
        "images": int(n),
        "face_found_rate": _r(found.mean()) if n else None,
        "accuracy_end_to_end": _r(correct.mean()) if n else None,
    }
    if found.any():
        yf, pf, predf = y[found], pred.p_male[found], pred.predicted[found]
        out["accuracy_detected"] = _r((predf == yf).mean())
        out["recall"] = {c: _r((predf[yf == i] == i).mean()) if (yf == i).any() else None
                         for i, c in enumerate(CLASSES)}
        if None not in out["recall"].values():
            out["recall_gap"] = _r(out["recall"]["female"] - out["recall"]["male"])
        if len(np.unique(yf)) == 2:
            out["roc_auc"] = _r(roc_auc_score(yf, pf))
        out["expected_calibration_error"] = _r(expected_calibration_error(yf, pf))
        out["calibration_error_if_calibrated"] = _r(calibration_error_floor(pf))
    return out


def breakdown(samples: Samples, pred: Predictions, attribute: str) -> dict:
    """End-to-end accuracy, face-found rate and each class's end-to-end recall for each value
    of ``attribute``."""
    values = getattr(samples, attribute)
    correct = pred.found & (pred.predicted == samples.y)
    out = {}
    for value in sorted(set(values) - {"unlabelled"}):
        mask = values == value
        out[str(value)] = {
            "images": int(mask.sum()),
            "face_found_rate": _r(pred.found[mask].mean()),
            "accuracy_end_to_end": _r(correct[mask].mean()),
            "recall_end_to_end": {c: _r(correct[mask & (samples.y == i)].mean())
                                  if (mask & (samples.y == i)).any() else None
                                  for i, c in enumerate(CLASSES)},
        }
    return out


def evaluate_split(samples: Samples, pred: Predictions) -> dict:
    """All figures for one test split: headline, adults-only (UTKFace) and breakdowns."""
    report = summary(samples.y, pred)
    report["by_source"] = breakdown(samples, pred, "source")
    if (samples.race != "unlabelled").any():
        report["by_race"] = breakdown(samples, pred, "race")
        report["by_age_group"] = breakdown(samples, pred, "age_group")
        adult = samples.age >= 13
        report["ages_13_plus"] = summary(samples.y[adult], subset(pred, adult))
        by_race_adult = breakdown(samples.subset(adult), subset(pred, adult), "race")
        report["by_race_ages_13_plus"] = by_race_adult
        accuracies = [v["accuracy_end_to_end"] for v in by_race_adult.values()]
        report["race_gap_ages_13_plus"] = _r(max(accuracies) - min(accuracies))
    report["groups"] = group_table(samples, pred.found & (pred.predicted == samples.y))
    found = pred.found
    report["confusion_matrix"] = confusion_matrix(
        samples.y[found], pred.predicted[found], labels=[0, 1]).tolist()
    return report


def roc_points(y, p_male):
    fpr, tpr, _ = roc_curve(y, p_male)
    return fpr, tpr


def subset(pred: Predictions, mask) -> Predictions:
    return Predictions(pred.found[mask], pred.p_male[mask], pred.predicted[mask])


def _r(value) -> float:
    return round(float(value), 4)
