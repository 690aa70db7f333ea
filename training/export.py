"""Export a fitted model to the runtime artifact: ``model.npz`` (arrays) + ``model.json`` (card)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from facegender.artifact import round_for_storage, stored_arrays
from facegender.model import CARD_FILE, CHANNEL_ARRAYS, MODEL_FILE, SVM_ARRAYS

from .fit import TrainedModel


def round_stored_arrays(model: TrainedModel) -> TrainedModel:
    """Round the large fitted arrays (principal axes, support vectors) as they are stored.

    They are stored in three and two bytes a value (``facegender.artifact.round_for_storage``)
    to keep ``model.npz`` small; rounding the fitted scikit-learn model the same way keeps it
    the exact reference the numpy runtime is tested against.
    """
    for _, channel in model.pipeline.named_steps["channels"].transformer_list:
        pca = channel.named_steps["pca"].pca_
        pca.components_ = round_for_storage("components_", pca.components_)
    svm = model.pipeline.named_steps["svm"]
    svm.support_vectors_ = round_for_storage("support_vectors_", svm.support_vectors_)
    return model


def model_arrays(model: TrainedModel) -> dict[str, np.ndarray]:
    """The fitted arrays under scikit-learn's names (see ``facegender.model``)."""
    arrays = {}
    for name, channel in model.pipeline.named_steps["channels"].transformer_list:
        scaled = channel.named_steps["pca"]
        arrays.update({f"{name}.{attribute}": getattr(scaled.pca_, attribute)
                       for attribute in CHANNEL_ARRAYS if attribute != "code_scale_"})
        arrays[f"{name}.code_scale_"] = scaled.code_scale_
    svm = model.pipeline.named_steps["svm"]
    arrays.update({
        "support_vectors_": svm.support_vectors_,
        "dual_coef_": svm.dual_coef_,
        "intercept_": svm.intercept_,
        "calibration_": np.array(model.calibration),
    })
    assert set(SVM_ARRAYS) <= set(arrays)
    return {name: np.ascontiguousarray(value, dtype=np.float64) for name, value in arrays.items()}


def channel_records(model: TrainedModel) -> list[dict]:
    """The card's ``channels``: what each channel computes, its PCA size and its weight."""
    union = model.pipeline.named_steps["channels"]
    records = []
    for spec, (_, channel) in zip(model.candidate.channels, union.transformer_list):
        pca = channel.named_steps["pca"].pca_
        records.append({**spec.channel.to_dict(), "n_components": int(pca.n_components_),
                        "whiten": spec.whiten, "weight": spec.weight,
                        "explained_variance": round(float(pca.explained_variance_ratio_.sum()), 4)})
    return records


def write_artifact(model: TrainedModel, card: dict, folder: Path) -> Path:
    """Write ``model.npz`` and ``model.json`` into ``folder``; returns the npz path."""
    folder.mkdir(parents=True, exist_ok=True)
    npz = folder / MODEL_FILE
    # Packing is lossless: round_stored_arrays rounded the large arrays to packable values.
    np.savez(npz, **stored_arrays(model_arrays(model)))
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=False) + "\n",
                                    encoding="utf-8")
    return npz
