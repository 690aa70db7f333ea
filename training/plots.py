"""Evaluation plots: mean face, eigenfaces, explained variance, confusion, ROC, reliability."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from facegender.eigenfaces import eigenface, mean_face  # noqa: E402
from facegender.model import FaceModel  # noqa: E402

from .data import CLASSES  # noqa: E402
from .evaluate import reliability_curve, roc_points  # noqa: E402


def write_plots(model: FaceModel, explained_variance_ratio: np.ndarray,
                results: dict[str, tuple], folder: Path) -> list[Path]:
    """Write every figure to ``folder``; ``results`` maps split -> (y, p_male, predicted) over
    detected faces. Returns the written paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [
        _save(_faces_figure([mean_face(model)], ["mean face"]), folder / "mean_face.png"),
        _save(_faces_figure([eigenface(model, i) for i in range(min(16, model.n_components))],
                            [f"#{i}" for i in range(16)], cols=8), folder / "eigenfaces.png"),
        _save(_variance_figure(explained_variance_ratio), folder / "explained_variance.png"),
    ]
    for split, (y, _, predicted) in results.items():
        paths.append(_save(_confusion_figure(y, predicted, split), folder / f"confusion_{split}.png"))
    paths.append(_save(_roc_figure(results), folder / "roc.png"))
    paths.append(_save(_reliability_figure(results), folder / "reliability.png"))
    return paths


def _faces_figure(images, titles, cols: int = 1):
    rows = int(np.ceil(len(images) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.8 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, title in zip(axes.ravel(), images, titles):
        ax.imshow(image, cmap="gray")
        ax.set_title(title, fontsize=8)
    return fig


def _variance_figure(ratio):
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(np.arange(1, len(ratio) + 1), np.cumsum(ratio))
    ax.set_xlabel("eigenfaces")
    ax.set_ylabel("cumulative explained variance")
    ax.grid(alpha=0.3)
    return fig


def _confusion_figure(y, predicted, split):
    matrix = np.zeros((2, 2), int)
    for t, p in zip(y, predicted):
        matrix[t, p] += 1
    fig, ax = plt.subplots(figsize=(3.4, 3))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center")
    ax.set_xticks([0, 1], CLASSES)
    ax.set_yticks([0, 1], CLASSES)
    ax.set_xlabel("predicted")
    ax.set_ylabel("label")
    ax.set_title(f"{split} (detected faces)", fontsize=9)
    return fig


def _roc_figure(results):
    fig, ax = plt.subplots(figsize=(4, 4))
    for split, (y, p_male, _) in results.items():
        fpr, tpr = roc_points(y, p_male)
        ax.plot(fpr, tpr, label=split)
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set_xlabel("false positive rate (male)")
    ax.set_ylabel("true positive rate (male)")
    ax.legend()
    return fig


def _reliability_figure(results):
    fig, ax = plt.subplots(figsize=(4, 4))
    for split, (y, p_male, _) in results.items():
        rows = reliability_curve(y, p_male)
        ax.plot([r[0] for r in rows], [r[1] for r in rows], "o-", label=split)
    ax.plot([0.5, 1], [0.5, 1], ":", color="grey")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.legend()
    return fig


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
