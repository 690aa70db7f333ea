"""Datasets: CelebA (split by identity) and UTKFace, read from their ``labels.csv``."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ENV_DATA = "FACEGENDER_DATA"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
CLASSES = ("female", "male")


def data_root(explicit: str | Path | None = None) -> Path:
    """The dataset folder: the explicit argument, else ``$FACEGENDER_DATA``, else ``../shared/data``."""
    return Path(explicit or os.environ.get(ENV_DATA) or DEFAULT_DATA)


@dataclass(frozen=True)
class Samples:
    """Labelled images of one split, with what the breakdowns and grouped CV need.

    Arrays all have length n; ``y`` is 1 for ``male`` (``CLASSES[1]``), 0 for ``female``.
    ``group`` is the person: the CelebA identity, or one group per UTKFace image (UTKFace has
    no identity labels).
    """

    paths: np.ndarray
    y: np.ndarray
    group: np.ndarray
    dataset: np.ndarray
    source: np.ndarray
    race: np.ndarray
    age_group: np.ndarray
    age: np.ndarray

    def __len__(self) -> int:
        return len(self.paths)

    def subset(self, index) -> "Samples":
        return Samples(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})

    @staticmethod
    def concat(parts: list["Samples"]) -> "Samples":
        return Samples(**{
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in Samples.__dataclass_fields__
        })


def load_split(root: Path, split: str, datasets=("celeba", "utkface")) -> Samples:
    """All images of ``split`` (``train`` or ``test``) from the named datasets."""
    parts = []
    if "celeba" in datasets:
        parts.append(_load_celeba(root / "faces", split))
    if "utkface" in datasets:
        parts.append(_load_utkface(root / "utkface", split))
    return Samples.concat(parts)


def _rows(folder: Path, split: str) -> list[dict]:
    path = folder / "labels.csv"
    if not path.exists():
        raise FileNotFoundError(f"No {path}: set {ENV_DATA} to the folder holding faces/ and utkface/")
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["split"] == split]


def _load_celeba(folder: Path, split: str) -> Samples:
    rows = _rows(folder, split)
    n = len(rows)
    return Samples(
        paths=np.array([str(folder / r["file"]) for r in rows]),
        y=np.array([CLASSES.index(r["label"]) for r in rows]),
        group=np.array([f"celeba-{r['celeba_identity']}" for r in rows]),
        dataset=np.full(n, "celeba", dtype=object),
        source=np.array([f"celeba/{r['source']}" for r in rows], dtype=object),
        race=np.full(n, "unlabelled", dtype=object),
        age_group=np.full(n, "unlabelled", dtype=object),
        age=np.full(n, -1),
    )


def _load_utkface(folder: Path, split: str) -> Samples:
    rows = _rows(folder, split)
    n = len(rows)
    return Samples(
        paths=np.array([str(folder / r["file"]) for r in rows]),
        y=np.array([CLASSES.index(r["label"]) for r in rows]),
        group=np.array([f"utk-{r['file']}" for r in rows]),
        dataset=np.full(n, "utkface", dtype=object),
        source=np.full(n, "utkface", dtype=object),
        race=np.array([r["race_name"] for r in rows], dtype=object),
        age_group=np.array([r["age_group"] for r in rows], dtype=object),
        age=np.array([int(r["age"]) for r in rows]),
    )
