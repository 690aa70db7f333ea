"""Export a fitted model to the runtime artifact: ``model.npz`` (arrays) + ``model.json`` (card)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from facegender.model import ARRAY_NAMES, CARD_FILE, FLOAT32_ARRAYS, MODEL_FILE

from .fit import TrainedModel


def model_arrays(model: TrainedModel) -> dict[str, np.ndarray]:
    """The fitted arrays under scikit-learn's names (see ``facegender.model.ARRAY_NAMES``)."""
    pca = model.pipeline.named_steps["pca"]
    svm = model.pipeline.named_steps["svm"]
    arrays = {
        "mean_": pca.mean_,
        "components_": pca.components_,
        "explained_variance_": pca.explained_variance_,
        "support_vectors_": svm.support_vectors_,
        "dual_coef_": svm.dual_coef_,
        "intercept_": svm.intercept_,
        "calibration_": np.array(model.calibration_ab),
    }
    assert set(arrays) == set(ARRAY_NAMES)
    arrays = {name: np.ascontiguousarray(value, dtype=np.float64) for name, value in arrays.items()}
    for name in FLOAT32_ARRAYS:  # rounded to float32 values by fit.store_in_float32: lossless
        arrays[name] = arrays[name].astype(np.float32)
    return arrays


def write_artifact(model: TrainedModel, card: dict, folder: Path) -> Path:
    """Write ``model.npz`` and ``model.json`` into ``folder``; returns the npz path."""
    folder.mkdir(parents=True, exist_ok=True)
    npz = folder / MODEL_FILE
    np.savez_compressed(npz, **model_arrays(model))
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=False) + "\n",
                                    encoding="utf-8")
    return npz
