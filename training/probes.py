"""Degraded copies of training photos, made the served way: the probes that test every
candidate of the fair search, and the texture copies that one candidate trains on.

Each copy is its photo degraded before detection (``training.degrade``, with the clean face's
width), then detected, aligned, cropped and normalised by the served path, as a user's worse
photo would be; a copy whose face is no longer found is dropped.

* **Probes** (:func:`probe_photos`, :func:`make_probes`): every degradation of a fixed,
  balanced sample of training photos, scored out of fold by the search, so each candidate's
  behaviour on worse photos than the training ones is known without touching a test split.
* **Texture copies** (:func:`served_texture_copies`): one copy of each training photo, noisy
  or blurred at random, trained on with its photo's label, so that neither a grainy nor a
  smooth skin goes with one gender (the stress test's largest drops: noise reads women as
  men, blur men as women).
"""

from __future__ import annotations

import numpy as np

from .crops import degraded_faces, found
from .data import Samples
from .degrade import DEGRADATIONS
from .groups import ADULT_AGE
from .search import Probes, TrainingCopies

#: Photos per dataset and gender whose degraded copies probe every candidate.
PROBE_PHOTOS = 300


def probe_photos(samples: Samples, faces_found: np.ndarray, per_cell: int = PROBE_PHOTOS,
                 seed: int = 0) -> np.ndarray:
    """Indices of the probe photos: ``per_cell`` of each gender from CelebA and from UTKFace
    aged 13+ (drawn evenly over race groups), among the photos whose clean face was found."""
    rng = np.random.default_rng(seed)
    chosen = []
    for dataset in ("celeba", "utkface"):
        for label in (0, 1):
            pool = faces_found & (samples.dataset == dataset) & (samples.y == label)
            if dataset == "utkface":
                pool &= samples.age >= ADULT_AGE
                races = sorted(set(samples.race[pool]))
                for race in races:
                    cell = np.flatnonzero(pool & (samples.race == race))
                    take = min(len(cell), per_cell // len(races))
                    chosen += rng.choice(cell, take, replace=False).tolist()
            else:
                cell = np.flatnonzero(pool)
                chosen += rng.choice(cell, min(len(cell), per_cell), replace=False).tolist()
    return np.sort(np.array(chosen, dtype=int))


def make_probes(samples: Samples, photos: np.ndarray, face_widths: np.ndarray, preprocessing,
                *, memory, n_jobs: int = 2) -> tuple[Probes, np.ndarray]:
    """Every degradation of every probe photo, through the served path.

    Returns the probes whose degraded copy still has a face (``owner`` indexes ``samples``)
    and, for each, the degradation's name.
    """
    faces, owners, names = degraded_copies(samples, {name: photos for name in DEGRADATIONS},
                                           face_widths, preprocessing, memory=memory,
                                           n_jobs=n_jobs, desc="probes")
    return Probes(faces, owners), names


def degraded_copies(samples: Samples, rows_by_name: dict[str, np.ndarray],
                    face_widths: np.ndarray, preprocessing, *, memory, n_jobs: int = 2,
                    desc: str = "degraded") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The photos ``rows_by_name[name]`` (rows of ``samples``) degraded by each ``name``
    before detection (``training.degrade``, with their clean faces' ``face_widths``), then
    detected, aligned, cropped and normalised by the served path: the crops whose copy still
    has a face, each one's row of ``samples`` (its owner) and its degradation's name."""
    faces, owners, names = [], [], []
    for name, rows in rows_by_name.items():
        crops = degraded_faces(samples.paths[rows], face_widths[rows], name, preprocessing,
                               memory=memory, n_jobs=n_jobs, desc=f"{desc} {name}")
        has_face = found(crops)
        faces.append(crops[has_face])
        owners.append(rows[has_face])
        names += [name] * int(has_face.sum())
    return np.concatenate(faces), np.concatenate(owners), np.array(names)


def served_texture_copies(samples: Samples, rows: np.ndarray, face_widths: np.ndarray,
                          preprocessing, *, memory, n_jobs: int = 2,
                          seed: int = 0) -> TrainingCopies:
    """One copy of each photo of ``rows`` (rows of ``samples``; each copy's owner is its
    photo's row), noisy or blurred at random (:func:`degraded_copies`): a search then trains
    on 2x the rows. The draw is made per row of ``samples``, so a photo's copy is the same
    whichever rows are asked for. A probe photo's copy is its probe (``degrade`` seeds the
    noise by photo), so the noise and blur probes are no longer unseen degradations: judge the
    copies' gain on them as such, and on the other four as the unseen check."""
    choose_noise = np.random.default_rng(seed).random(len(samples))[rows] < 0.5
    faces, owners, _ = degraded_copies(
        samples, {"noise": rows[choose_noise], "blur": rows[~choose_noise]}, face_widths,
        preprocessing, memory=memory, n_jobs=n_jobs, desc="copies")
    return TrainingCopies(faces, owners)
