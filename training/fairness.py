"""Making the boundary fair to the groups it fails: probes, group weights, texture copies,
threshold, choice.

* **Probes** (``training.probes``): degraded copies of a fixed, balanced sample of training
  photos, scored out of fold by the search, so each candidate's behaviour on worse photos
  than the training ones is known without touching a test split.
* **Misread-group weights** (:func:`misread_weights`): each training face weighted by how
  often the faces of its cell (UTKFace race x age band x gender, CelebA source x gender) were
  misread out of fold, to a power ``strength``.
* **Texture copies** (``training.probes.served_texture_copies``): one noisy or blurred copy
  of each training photo, trained on with its label.
* **Threshold** (:func:`fair_threshold`): the decision value at which women's and men's recall
  are equal on the degraded probes, each dataset counting equally.
* **Choice** (:func:`assess`, :func:`choose_fairest`): among the candidates whose out-of-fold
  accuracy at their own threshold is within one paired standard error of the best, the one
  whose worst group's recall is highest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import CLASSES, Samples
from .degrade import DEGRADATIONS
from .fit import sample_weights
from .groups import equal_recall_threshold, group_table
from .probes import make_probes, probe_photos, served_texture_copies
from .search import SearchResult, TrainingCopies, grid_search

#: Weights of :func:`misread_weights` are clipped to this range before they are scaled to
#: mean 1, so that no small cell dominates the fit.
WEIGHT_RANGE = (0.25, 6.0)
#: Pseudo-faces that pull a small cell's error rate towards its gender's.
PRIOR_FACES = 20


def misread_weights(samples: Samples, right: np.ndarray, strength: float) -> np.ndarray:
    """Each face's weight: its cell's out-of-fold error rate over the mean, to ``strength``.

    Cells are UTKFace race x age band x gender and CelebA source x gender; a cell's error rate
    is pulled towards its gender's by :data:`PRIOR_FACES` pseudo-faces. Clipped to
    :data:`WEIGHT_RANGE`, then scaled to mean 1. ``strength`` 0, or no face misread, gives all
    ones.
    """
    right = np.asarray(right, dtype=bool)
    cells = np.array([f"{d}|{s}|{r}|{a}|{y}" for d, s, r, a, y in zip(
        samples.dataset, samples.source, samples.race, samples.age_group, samples.y)])
    error = 1.0 - right.mean()
    weights = np.ones(len(samples))
    if error == 0.0:
        return weights  # nothing misread: nothing to aim at
    for cell in np.unique(cells):
        mask = cells == cell
        label = samples.y[mask][0]
        prior = 1.0 - right[samples.y == label].mean()
        rate = ((~right[mask]).sum() + PRIOR_FACES * prior) / (mask.sum() + PRIOR_FACES)
        weights[mask] = (rate / error) ** strength
    weights = np.clip(weights, *WEIGHT_RANGE)
    return weights / weights.mean()


def fair_threshold(probe_decisions: np.ndarray, probe_samples: Samples) -> float:
    """The decision value at which women's and men's recall are equal on the degraded probes,
    each dataset's probes weighing the same in total."""
    weights = np.ones(len(probe_samples))
    for dataset in np.unique(probe_samples.dataset):
        mask = probe_samples.dataset == dataset
        weights[mask] = len(probe_samples) / mask.sum()
    return equal_recall_threshold(probe_decisions, probe_samples.y, weights)


@dataclass(frozen=True)
class Assessment:
    """One candidate at its own fair threshold, out of fold."""

    threshold: float
    right: np.ndarray          # (n,) clean faces labelled right at the threshold
    probe_right: np.ndarray    # (m,) probes labelled right at the threshold
    accuracy: float
    worst_group: str
    worst_recall: float
    table: dict


def assess_at(decisions: np.ndarray, probe_decisions: np.ndarray, used: Samples,
              probe_samples: Samples, threshold: float | None = None) -> Assessment:
    """One candidate's out-of-fold labels at ``threshold`` (default: its fair threshold, or 0
    without probes), and who they fail."""
    if threshold is None:
        threshold = fair_threshold(probe_decisions, probe_samples) if len(probe_decisions) else 0.0
    right = (decisions >= threshold).astype(int) == used.y
    table = group_table(used, right)
    return Assessment(threshold, right,
                      (probe_decisions >= threshold).astype(int) == probe_samples.y,
                      float(right.mean()), table["worst"]["group"], table["worst"]["recall"],
                      table)


def assess(search: SearchResult, used: Samples, probe_samples: Samples) -> list[Assessment]:
    """Each candidate of a search at its own fair threshold (:func:`assess_at`)."""
    return [assess_at(d, p, used, probe_samples)
            for d, p in zip(search.decisions, search.probe_decisions)]


def choose_fairest(assessments: list[Assessment]) -> int:
    """The candidate with the best worst-group recall among those whose accuracy (each at its
    own threshold) is within one paired standard error of the most accurate one's."""
    best = int(np.argmax([a.accuracy for a in assessments]))
    reference = assessments[best].right.astype(float)
    tied = []
    for i, a in enumerate(assessments):
        diff = reference - a.right
        if diff.mean() <= diff.std() / np.sqrt(len(diff)):
            tied.append(i)
    return max(tied, key=lambda i: (assessments[i].worst_recall, assessments[i].accuracy))


@dataclass
class FairSearch:
    """The grouped search with who-it-fails in the loop (:func:`search_fairly`).

    Attributes
    ----------
    search : SearchResult
        The recipe's grid, then the first choice with each misread-group weighting, then
        with texture copies.
    labels : list of str
        What each candidate is ("grid", the weighting or the copies).
    weights : ndarray of shape (n_candidates, n)
        Each candidate's sample weights over every training face.
    copies : list of TrainingCopies or None
        The copies each candidate trains on beside the faces (the final fit needs them too).
    assessments : list of Assessment
        Each candidate out of fold at its fair threshold.
    chosen : int
    used, probe_samples : Samples
        The faces the search used, and the probes' owners.
    probe_names : ndarray of str
        Each probe's degradation.
    """

    search: SearchResult
    labels: list[str]
    weights: np.ndarray
    copies: list[TrainingCopies | None]
    assessments: list[Assessment]
    chosen: int
    used: Samples
    probe_samples: Samples
    probe_names: np.ndarray

    @property
    def threshold(self) -> float:
        return self.assessments[self.chosen].threshold

    def _lever_row(self, a: Assessment) -> dict:
        """One candidate at one threshold: what the card's ablation of the levers shows."""
        def recall(right, y, label):
            return round(float(right[y == label].mean()), 4) if (y == label).any() else None
        return {"threshold": round(a.threshold, 4), "cv_accuracy": round(a.accuracy, 4),
                "worst_group": a.worst_group, "worst_recall": a.worst_recall,
                "largest_gap": a.table["largest_gap"],
                "recall": {name: recall(a.right, self.used.y, i)
                           for i, name in enumerate(CLASSES)},
                "degraded_recall": {name: recall(a.probe_right, self.probe_samples.y, i)
                                    for i, name in enumerate(CLASSES)}}

    def card(self) -> dict:
        """The card's ``fairness``: the threshold, the choice and who the choice fails."""
        chosen = self.assessments[self.chosen]
        probes = {}
        for name in DEGRADATIONS:
            mask = self.probe_names == name
            probes[name] = {label: {"faces": int((mask & (self.probe_samples.y == i)).sum()),
                                    "recall": round(float(chosen.probe_right[
                                        mask & (self.probe_samples.y == i)].mean()), 4)}
                            for i, label in enumerate(("female", "male"))
                            if (mask & (self.probe_samples.y == i)).any()}
        return {
            "threshold": round(self.threshold, 6),
            "threshold_rule": ("the SVM decision value at which women's and men's recall are "
                               "equal on degraded copies of training photos, out of fold, each "
                               "dataset counting equally; the calibrated p(male) is 0.5 there"),
            "selection": ("the best worst-group recall, out of fold at each candidate's own "
                          "threshold, among candidates within one paired standard error of "
                          "the most accurate"),
            "chosen": self.labels[self.chosen],
            "candidates": [
                {"candidate": f"{label}: {c.describe()}",
                 "at_fair_threshold": self._lever_row(a),
                 "at_zero": self._lever_row(assess_at(d, p, self.used, self.probe_samples, 0.0))}
                for label, c, a, d, p in zip(self.labels, self.search.candidates,
                                             self.assessments, self.search.decisions,
                                             self.search.probe_decisions)],
            "cv_groups": chosen.table,
            "cv_degraded": probes,
        }


def search_fairly(faces, samples: Samples, face_widths, recipe, *, memory, n_jobs=2,
                  max_samples=None, n_splits=3) -> FairSearch:
    """The recipe's grouped grid with probes, then its first choice refitted with each of
    ``recipe.misread_strengths``' weights (from that choice's out-of-fold errors) and, with
    ``recipe.texture_copies``, trained with a served texture copy of each photo, with the base
    weights; all assessed at their fair thresholds and the fairest chosen
    (:func:`choose_fairest`)."""
    probes, names = None, np.array([], dtype=str)
    if recipe.probe_photos:
        photos = probe_photos(samples, np.ones(len(samples), dtype=bool), recipe.probe_photos)
        probes, names = make_probes(samples, photos, face_widths, recipe.preprocessing,
                                    memory=memory, n_jobs=n_jobs)

    def search(candidates, weights, copies=None):
        return grid_search(faces, samples.y, samples.group, weights, candidates,
                           max_samples=max_samples, n_splits=n_splits, n_jobs=n_jobs,
                           mirror_average=recipe.mirror_average, probes=probes, copies=copies)

    base = sample_weights(samples.dataset, recipe.balance_datasets)
    result = search(recipe.grid, base)
    labels = ["grid"] * len(recipe.grid)
    weights = [base] * len(recipe.grid)
    copies: list[TrainingCopies | None] = [None] * len(recipe.grid)
    used = samples.subset(result.index)
    first = result.choose()
    if recipe.misread_strengths:
        right = result.correct[first]
        for strength in recipe.misread_strengths:
            row = base.copy()
            row[result.index] *= misread_weights(used, right, strength)
            weights.append(row)
            labels.append(f"misread-group weights, strength {strength:g}")
            copies.append(None)
        result = result.extended(search([recipe.grid[first]] * len(recipe.misread_strengths),
                                        np.array(weights[len(recipe.grid):])))
    if recipe.texture_copies:
        # Of every photo, so that a final fit after a subsampled search has them all; the
        # search itself trains on the copies of the faces it used.
        copies.append(served_texture_copies(samples, np.arange(len(samples)), face_widths,
                                            recipe.preprocessing, memory=memory, n_jobs=n_jobs))
        labels.append("texture copies: one noisy or blurred copy of each photo")
        weights.append(base)
        result = result.extended(search([recipe.grid[first]], base, copies[-1]))
    owners = probes.owner[result.probe_index] if probes is not None else np.zeros(0, int)
    probe_samples = samples.subset(owners)
    assessments = assess(result, used, probe_samples)
    return FairSearch(result, labels, np.array(weights), copies, assessments,
                      choose_fairest(assessments), used, probe_samples, names[result.probe_index])
