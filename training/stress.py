"""The degradation stress test: the dev-test photos, degraded before detection, end to end.

A fixed sample of the photos whose face the clean run found (:data:`STRESS_PHOTOS` of each
gender from CelebA and from UTKFace aged 13+, drawn evenly over race groups: every UTKFace adult
of the dev test, 1,070 photos in all) is degraded (:mod:`training.degrade`, with that face's
width) and goes through the served path again: six times the detection of 4,058 photos would
cost more of ``make train``'s 40 minutes than the figures need (a recall over about 500 faces
has a standard error of about 1.5 points). For each degradation the report gives
the headline figures over the copies whose face was still found, and the drop of women's and
of men's recall from the clean photos' (over the same photos): a model that leans on how a
photo was made, not on the face, loses one group's recall here.
"""

from __future__ import annotations

import numpy as np

from .crops import degraded_faces
from .data import CLASSES, Samples
from .degrade import DEGRADATIONS
from .evaluate import Predictions, predict_faces, subset, summary
from .probes import probe_photos

#: Photos of each gender, per dataset, that the stress test degrades.
STRESS_PHOTOS = 300


def stress_test(model, test: Samples, clean: Predictions, framings: np.ndarray, *, memory,
                n_jobs: int = 2) -> dict:
    """``{degradation: summary + recall_drop + recall_gap}`` for one test split.

    ``clean`` and ``framings`` are the clean run's predictions and face framings
    (:func:`training.crops.dataset_faces_and_framings`) of ``test``.
    """
    chosen = probe_photos(test, clean.found, STRESS_PHOTOS)
    photos = test.subset(chosen)
    baseline = summary(photos.y, subset(clean, chosen))
    out = {}
    for name in DEGRADATIONS:
        crops = degraded_faces(photos.paths, framings[chosen, 2], name, model.preprocessing,
                               memory=memory, n_jobs=n_jobs, desc=f"stress {name}")
        row = summary(photos.y, predict_faces(model, crops))
        if "recall" in row:
            row["recall_drop"] = {c: _r(baseline["recall"][c] - row["recall"][c])
                                  if None not in (baseline["recall"][c], row["recall"][c])
                                  else None for c in CLASSES}
        out[name] = row
    return out


def _r(value) -> float:
    return round(float(value), 4)
