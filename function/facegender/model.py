"""The eigenfaces model, evaluated with numpy alone.

Training fits a scikit-learn pipeline (PCA with whitening, then an RBF SVM, then Platt
calibration) and exports its fitted arrays under scikit-learn's own names to ``model.npz``;
this module repeats ``PCA.transform``, ``SVC.decision_function`` and the sigmoid calibration
step for step. Importing scikit-learn would cost about a second of cold start and push the
Lambda package over its size limit, so the runtime never does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .detection import DetectorParams
from .preprocessing import FACE_SIZE, CropParams, mirror

MODEL_FILE = "model.npz"
CARD_FILE = "model.json"

#: Arrays the artifact must hold, with scikit-learn's names.
ARRAY_NAMES = (
    "mean_",                # (d,) the mean face, d = FACE_SIZE**2
    "components_",          # (k, d) eigenfaces, one per row
    "explained_variance_",  # (k,) PCA variance of each component
    "support_vectors_",     # (n_sv, k) in whitened PCA space
    "dual_coef_",           # (1, n_sv)
    "intercept_",           # (1,)
    "calibration_",         # (2,) sigmoid a, b: p(classes[1]) = 1 / (1 + exp(a * f + b))
)
#: The two large arrays, stored as float32 (training rounds the fitted model to match).
FLOAT32_ARRAYS = ("components_", "support_vectors_")


@dataclass(frozen=True)
class FacePredictions:
    """Model outputs for n faces.

    Attributes
    ----------
    labels : list of str, length n
        Argmax of ``probabilities``.
    probabilities : ndarray of shape (n, 2)
        Calibrated, columns in the order of ``EigenfaceModel.classes``.
    decision : ndarray of shape (n,)
        SVM decision values (positive means ``classes[1]``).
    """

    labels: list[str]
    probabilities: np.ndarray
    decision: np.ndarray


class EigenfaceModel:
    """Mean face, eigenfaces, SVM and calibration, loaded from a model folder.

    Parameters
    ----------
    arrays : mapping of str to ndarray
        The arrays in :data:`ARRAY_NAMES`.
    card : dict
        The model card (``model.json``): version, classes, gamma, preprocessing, metrics.
    """

    def __init__(self, arrays, card: dict):
        missing = [name for name in ARRAY_NAMES if name not in arrays]
        if missing:
            raise ValueError(f"The model artifact lacks arrays: {', '.join(missing)}")
        self.card = card
        self.classes: tuple[str, str] = tuple(card["classes"])
        self.version: str = card["version"]
        self.gamma = float(card["svm"]["gamma"])
        self.mirror_average = bool(card["preprocessing"].get("mirror_average", False))
        self.crop_params = CropParams(**card["preprocessing"]["crop"])
        self.detector_params = DetectorParams(**card["preprocessing"]["detector"])

        self.mean_ = np.asarray(arrays["mean_"], dtype=np.float64)
        self.components_ = np.asarray(arrays["components_"], dtype=np.float64)
        self.explained_variance_ = np.asarray(arrays["explained_variance_"], dtype=np.float64)
        self.support_vectors_ = np.asarray(arrays["support_vectors_"], dtype=np.float64)
        self.dual_coef_ = np.asarray(arrays["dual_coef_"], dtype=np.float64).reshape(-1)
        self.intercept_ = float(np.asarray(arrays["intercept_"]).reshape(-1)[0])
        self.calibration_ = np.asarray(arrays["calibration_"], dtype=np.float64)
        self._whiten_scale = np.sqrt(self.explained_variance_)
        # ||sv||^2 once, so each kernel row is one matrix product.
        self._sv_norms = np.einsum("ij,ij->i", self.support_vectors_, self.support_vectors_)

    @classmethod
    def load(cls, folder: str | Path) -> "EigenfaceModel":
        """Load ``model.npz`` (no pickles) and ``model.json`` from ``folder``."""
        folder = Path(folder)
        with np.load(folder / MODEL_FILE, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
        return cls(arrays, card)

    @property
    def n_components(self) -> int:
        return self.components_.shape[0]

    def transform(self, faces: np.ndarray) -> np.ndarray:
        """Project faces on the whitened eigenfaces, as ``PCA(whiten=True).transform``.

        Parameters
        ----------
        faces : ndarray of shape (n, d) or (n, FACE_SIZE, FACE_SIZE)

        Returns
        -------
        ndarray of shape (n, k)
        """
        centered = self._flat(faces) - self.mean_
        return (centered @ self.components_.T) / self._whiten_scale

    def reconstruct(self, faces: np.ndarray) -> np.ndarray:
        """Each face rebuilt from its eigenface coefficients: shape (n, FACE_SIZE, FACE_SIZE)."""
        return self._rebuild(self.transform(faces)).reshape(-1, FACE_SIZE, FACE_SIZE)

    def decision_function(self, faces: np.ndarray) -> np.ndarray:
        """RBF SVM decision values, as ``SVC.decision_function``: shape (n,)."""
        return self._decision(self.transform(faces))

    def probabilities(self, decision: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from decision values: shape (n, 2), order of ``classes``."""
        a, b = self.calibration_
        positive = 1.0 / (1.0 + np.exp(a * np.asarray(decision, dtype=np.float64) + b))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, faces: np.ndarray) -> FacePredictions:
        """Classify preprocessed faces of shape (n, FACE_SIZE, FACE_SIZE).

        Each face and its mirror image (when the model averages both) are projected in one
        matrix product, and their kernel rows in another.
        """
        faces = np.asarray(faces, dtype=np.float64).reshape(-1, FACE_SIZE, FACE_SIZE)
        n = len(faces)
        batch = np.concatenate([faces, mirror(faces)]) if self.mirror_average else faces
        codes = self.transform(batch)
        decision = self._decision(codes)
        if self.mirror_average:
            decision = 0.5 * (decision[:n] + decision[n:])
        probabilities = self.probabilities(decision)
        labels = [self.classes[i] for i in np.argmax(probabilities, axis=1)]
        return FacePredictions(labels, probabilities, decision)

    def _decision(self, codes: np.ndarray) -> np.ndarray:
        sq_dist = (
            np.einsum("ij,ij->i", codes, codes)[:, None]
            - 2.0 * codes @ self.support_vectors_.T
            + self._sv_norms[None, :]
        )
        kernel = np.exp(-self.gamma * np.maximum(sq_dist, 0.0))
        return kernel @ self.dual_coef_ + self.intercept_

    def _rebuild(self, codes: np.ndarray) -> np.ndarray:
        return (codes * self._whiten_scale) @ self.components_ + self.mean_

    def eigenface(self, index: int) -> np.ndarray:
        """Eigenface ``index`` rescaled to [0, 1] for display: shape (FACE_SIZE, FACE_SIZE)."""
        component = self.components_[index]
        span = np.ptp(component) or 1.0
        return ((component - component.min()) / span).reshape(FACE_SIZE, FACE_SIZE)

    def mean_face(self) -> np.ndarray:
        """The mean face, shape (FACE_SIZE, FACE_SIZE), values in [0, 1]."""
        return np.clip(self.mean_, 0.0, 1.0).reshape(FACE_SIZE, FACE_SIZE)

    @staticmethod
    def _flat(faces: np.ndarray) -> np.ndarray:
        faces = np.asarray(faces, dtype=np.float64)
        return faces.reshape(faces.shape[0], -1) if faces.ndim > 1 else faces.reshape(1, -1)
