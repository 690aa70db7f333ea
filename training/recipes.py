"""Training recipes: the original app's ("seed") and this project's improved one.

A recipe fixes everything from detection to the SVM grid, so the two can be trained and
evaluated on the same data, side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from facegender.detection import Box, DetectorParams, load_cascade
from facegender.preprocessing import CropParams


@dataclass(frozen=True)
class Recipe:
    name: str
    detector: DetectorParams
    crop: CropParams
    pca_grid: tuple[int, ...]
    c_grid: tuple[float, ...]
    gamma_grid: tuple[float, ...]
    mirror_augment: bool
    mirror_average: bool
    balance_datasets: bool = False
    datasets: tuple[str, ...] = ("celeba", "utkface")
    notes: list[str] = field(default_factory=list)


IMPROVED = Recipe(
    name="improved",
    detector=DetectorParams(),
    crop=CropParams(margin=0.0, normalization="clahe", align_eyes=True),
    pca_grid=(100,),
    c_grid=(3.0, 10.0),
    gamma_grid=(0.012, 0.018, 0.025),
    mirror_augment=False,
    mirror_average=True,
    balance_datasets=False,
)

SEED = Recipe(
    name="seed",
    detector=DetectorParams(),  # unused: the seed detects with SeedDetector below
    crop=CropParams(margin=0.0, normalization="none"),
    pca_grid=(50,),
    c_grid=(10.0,),
    gamma_grid=(0.01,),
    mirror_augment=False,
    mirror_average=False,
    notes=["detectMultiScale(gray, 1.3, 5) for training crops of at least 60 px; (1.3, 3) at inference"],
)

RECIPES = {r.name: r for r in (IMPROVED, SEED)}


class SeedDetector:
    """The original app's detection: one ``detectMultiScale`` call on the raw grayscale image."""

    def __init__(self, min_neighbors: int, min_face: int = 0):
        self.min_neighbors = min_neighbors
        self.min_face = min_face

    def __call__(self, gray: np.ndarray) -> list[Box]:
        found = load_cascade().detectMultiScale(gray, 1.3, self.min_neighbors)
        return [Box(*map(int, f)) for f in np.asarray(found).reshape(-1, 4) if f[2] >= self.min_face]

    def __repr__(self) -> str:
        return f"SeedDetector(1.3, {self.min_neighbors}, min_face={self.min_face})"
