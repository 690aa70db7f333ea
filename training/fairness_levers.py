"""The levers ``python -m training.fairness_ablation`` measures against v3's candidate
(:data:`BASE`), each something ``training.search.grid_search`` takes: candidates (the channels'
scales), sample weights (CelebA balanced by apparent age), other faces (smoothed crops) or
training copies (noisy and blurred faces)."""

from __future__ import annotations

import dataclasses

import numpy as np
from facegender.features import Channel, LbpParams
from scipy.ndimage import gaussian_filter
from sklearn.decomposition import PCA
from sklearn.linear_model import Ridge
from sklearn.model_selection import GroupKFold, cross_val_predict

from .degrade import BLUR_FRACTION, NOISE_SIGMA
from .fit import sample_weights
from .recipes import COARSE_HOG, HOG, IMPROVED, LBP, PIXELS
from .search import Candidate, TrainingCopies

#: v3's candidate, the recipe's first grid point, unweighted: the ablation's reference.
BASE = IMPROVED.grid[0]
#: LBP of radius 4 over 6x6 cells of about 16 px (2,124 values).
COARSE_LBP = Channel("lbp", LbpParams(grid=6, radius=4))


def scale_candidates() -> list[tuple[str, Candidate]]:
    """Each of the reference's channels alone, and its HOG and LBP at coarser scales (the
    reference's codes, C and gamma otherwise). Seven feature channels: on all faces and probes
    they take about 9 GB mirrored, against 6 GB for the reference's three."""
    def spec(channel):
        return dataclasses.replace(BASE.channels[0], channel=channel)

    sets = {"pixels alone": (PIXELS,), "HOG alone": (HOG,), "LBP alone": (LBP,),
            "HOG of 16 px cells": (PIXELS, COARSE_HOG, LBP),
            "LBP radius 4, 16 px cells": (PIXELS, HOG, COARSE_LBP),
            "LBP radius 4, 11 px cells": (PIXELS, HOG, Channel("lbp", LbpParams(grid=9, radius=4))),
            "LBP radius 6, 16 px cells": (PIXELS, HOG, Channel("lbp", LbpParams(grid=6, radius=6))),
            "both coarse": (PIXELS, COARSE_HOG, COARSE_LBP)}
    return [(label, Candidate(tuple(map(spec, channels)), BASE.C, BASE.gamma_scale))
            for label, channels in sets.items()]


def apparent_age_weights(faces: np.ndarray, train) -> tuple[np.ndarray, str]:
    """Weights that give CelebA's women and men the same total weight in each sixth of their
    apparent age (``fit.sample_weights`` within each sixth), clipped to 0.25-4 and scaled to
    mean 1 over CelebA; UTKFace's are 1. Also a line saying how good the age estimate is.

    CelebA has no ages: a ridge regression of log age on HOG and LBP codes (PCA 150 each),
    fitted on UTKFace's training faces, estimates them. The PCA and the sixths see every
    training face, the test folds' too (labels of CelebA included): a small transductive
    nudge, of the kind ``fairness.misread_weights`` has.
    """
    codes = np.hstack([PCA(150, random_state=0).fit_transform(c.extract(faces).astype(np.float32))
                       for c in (HOG, LBP)])
    utk, celeba = train.dataset == "utkface", train.dataset == "celeba"
    log_age = np.log1p(train.age[utk].astype(float))
    ridge = Ridge(alpha=10.0)
    out_of_fold = cross_val_predict(ridge, codes[utk], log_age, cv=GroupKFold(3),
                                    groups=train.group[utk])
    age = np.expm1(ridge.fit(codes[utk], log_age).predict(codes[celeba]))
    y = train.y[celeba]
    error = np.median(np.abs(np.expm1(out_of_fold) - train.age[utk]))
    said = (f"apparent age: UTKFace median error {error:.1f} years out of fold; CelebA women "
            f"{np.median(age[y == 0]):.0f}, men {np.median(age[y == 1]):.0f}")
    sixth = np.digitize(age, np.quantile(age, np.linspace(0, 1, 7)[1:-1]))
    weights = np.ones(celeba.sum())
    for band in range(6):
        weights[sixth == band] = sample_weights(y[sixth == band], balance=True)
    weights = np.clip(weights, 0.25, 4.0)
    full = np.ones(len(train))
    full[celeba] = weights / weights.mean()
    return full, said


def smoothed(faces: np.ndarray, sigma: float) -> np.ndarray:
    """Each crop blurred by a Gaussian of ``sigma`` pixels (the mirror of a smoothed crop is the
    smoothed mirror, so mirror averaging is unchanged)."""
    return gaussian_filter(faces, sigma=(0, sigma, sigma), mode="nearest")


def texture_copies(faces: np.ndarray, owner: np.ndarray, seed: int = 0) -> TrainingCopies:
    """A noisy and a blurred copy of each crop (``owner``: the crops' rows among all faces).

    The stress test's ``noise`` (quantised to grey levels, as crops are) and ``blur`` at their
    strengths, applied to the 100x100 crop after its CLAHE rather than to the photo before
    detection, as the probes are: a cheap first test of the lever, not copies the served path
    would make. With them a search holds three times the rows: on all 30,000 faces its
    features alone would be about 9 GB (14 GB before only the scored rows were mirrored), so
    use ``--samples`` (12,000 faces: 7.4 GB in use at the peak, 32 minutes from a cold crop
    cache on 2 cores, measured before that change).
    """
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, NOISE_SIGMA / 255.0, faces.shape).astype(np.float32)
    noisy = np.clip(np.rint((faces + noise) * 255.0), 0, 255) / np.float32(255.0)
    blurred = smoothed(faces, BLUR_FRACTION * faces.shape[-1])
    return TrainingCopies(np.concatenate([noisy, blurred]).astype(np.float32, copy=False),
                          np.concatenate([owner, owner]))
