"""The classifier, evaluated with numpy alone: feature channels, their PCAs, one RBF SVM.

Training fits a scikit-learn pipeline: a ``FeatureUnion`` of channels (see
:mod:`facegender.features`), each followed by its own PCA, its codes scaled (see
:class:`ChannelProjection`) and weighted, then ``SVC(kernel="rbf")``, then a Platt sigmoid. It
exports the fitted arrays under scikit-learn's own names to ``model.npz``; this module repeats
``PCA.transform``,
``FeatureUnion.transform``, ``SVC.decision_function`` and the sigmoid step for step (a test
compares the two to 1e-6). Importing scikit-learn would cost about a second of cold start and
push the Lambda package over its size limit, so the runtime never does.

The first channel is the eigenfaces: PCA on the crop's pixels. Its mean face, eigenfaces and
reconstructions, which the API and the page show, are in :mod:`facegender.eigenfaces`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .artifact import loaded_arrays
from .faces import Preprocessing
from .features import Channel
from .preprocessing import FACE_SIZE, mirror

MODEL_FILE = "model.npz"
CARD_FILE = "model.json"

#: Arrays of each channel, stored as ``"<channel>.<name>"``, with scikit-learn's names.
CHANNEL_ARRAYS = (
    "mean_",                # (d,) mean feature vector (the mean face for pixels)
    "components_",          # (k, d) principal axes, one per row (the eigenfaces for pixels)
    "explained_variance_",  # (k,) variance along each axis
    "code_scale_",          # (k,) what each code is divided by (see ChannelProjection)
)
#: Arrays of the SVM and its calibration.
SVM_ARRAYS = (
    "support_vectors_",     # (n_sv, K) in the concatenated, scaled, weighted code space
    "dual_coef_",           # (1, n_sv)
    "intercept_",           # (1,)
    "calibration_",         # (2,) sigmoid a, b: p(classes[1]) = 1 / (1 + exp(a * f + b))
)
@dataclass(frozen=True)
class FacePredictions:
    """Model outputs for n faces.

    Attributes
    ----------
    labels : list of str, length n
        Argmax of ``probabilities``.
    probabilities : ndarray of shape (n, 2)
        Calibrated, columns in the order of ``FaceModel.classes``.
    decision : ndarray of shape (n,)
        SVM decision values, larger toward ``classes[1]``; the label changes where the
        calibrated probability is 0.5 (the threshold of the card's ``fairness``).
    """

    labels: list[str]
    probabilities: np.ndarray
    decision: np.ndarray


class ChannelProjection:
    """One channel's features projected on its principal axes, scaled, times its weight.

    ``transform`` is ``weight * (channel.extract(faces) - mean_) @ components_.T / code_scale_``.
    A whitened channel (``PCA(whiten=True)``) divides each code by its own standard deviation,
    ``sqrt(explained_variance_)``; an unwhitened one divides every code by the same value, the
    root mean variance of its codes, which keeps the channel's geometry (its minor axes stay
    minor) while its average axis has unit variance, as a whitened one's does.
    """

    def __init__(self, channel: Channel, weight: float, mean_, components_, explained_variance_,
                 code_scale_):
        self.channel = channel
        self.weight = float(weight)
        self.mean_ = np.asarray(mean_, dtype=np.float64)
        self.components_ = np.asarray(components_, dtype=np.float64)
        self.explained_variance_ = np.asarray(explained_variance_, dtype=np.float64)
        self.code_scale_ = np.asarray(code_scale_, dtype=np.float64)
        #: Each axis's standard deviation over the training set: one unit of a weight.
        self.std_ = np.sqrt(self.explained_variance_)
        # Scale and weight folded into the axes: one matrix product a channel.
        self._projection = (self.components_ / self.code_scale_[:, None]).T * self.weight
        self._offset = self.mean_ @ self._projection

    @property
    def n_components(self) -> int:
        return self.components_.shape[0]

    def transform(self, faces: np.ndarray) -> np.ndarray:
        """Scaled, weighted codes of crops (n, FACE_SIZE, FACE_SIZE): shape (n, k)."""
        return self.channel.extract(faces) @ self._projection - self._offset

    def inverse_transform(self, codes: np.ndarray) -> np.ndarray:
        """Features rebuilt from codes of shape (n, k), as ``PCA.inverse_transform`` of the
        unscaled codes: shape (n, d)."""
        return (codes / self.weight * self.code_scale_) @ self.components_ + self.mean_


class FaceModel:
    """Channels, SVM and calibration, loaded from a model folder.

    Parameters
    ----------
    arrays : mapping of str to ndarray
        ``"<channel>.<name>"`` for each channel and name in :data:`CHANNEL_ARRAYS`, and the
        names in :data:`SVM_ARRAYS`.
    card : dict
        The model card (``model.json``): version, classes, preprocessing, channels, SVM,
        metrics. Every value that changes what the model sees is read from it.
    """

    def __init__(self, arrays, card: dict):
        if card["preprocessing"]["face_size"] != FACE_SIZE:
            raise ValueError(f"The model was trained on face_size "
                             f"{card['preprocessing']['face_size']} crops; this code makes "
                             f"{FACE_SIZE}")
        channels = [(Channel.from_dict(c), float(c["weight"])) for c in card["channels"]]
        if not channels or channels[0][0].name != "pixels":
            raise ValueError("The first channel of a model must be 'pixels' (the eigenfaces)")
        expected = [f"{c.name}.{a}" for c, _ in channels for a in CHANNEL_ARRAYS] + list(SVM_ARRAYS)
        missing = [name for name in expected if name not in arrays]
        if missing:
            raise ValueError(f"The model artifact lacks arrays: {', '.join(missing)}")
        self.card = card
        self.classes: tuple[str, str] = tuple(card["classes"])
        self.version: str = card["version"]
        self.preprocessing = Preprocessing.from_dict(card["preprocessing"])
        self.mirror_average = bool(card["preprocessing"]["mirror_average"])
        self.gamma = float(card["svm"]["gamma"])
        self.channels = [
            ChannelProjection(channel, weight,
                              *(arrays[f"{channel.name}.{name}"] for name in CHANNEL_ARRAYS))
            for channel, weight in channels
        ]
        # Kept transposed, (K, n_sv) and contiguous: a face's kernel row is then one pass over
        # memory in order (1.7 against 2.2 ms for a face and its mirror against 8,600 x 450).
        # In float32, which holds the stored values exactly: that pass reads half the bytes of
        # float64 (4.1 against 7.6 ms against 22,281 x 450, one thread).
        stored = np.asarray(arrays["support_vectors_"])
        self._support_vectors_t = np.empty(stored.shape[::-1], dtype=np.float32)
        self._support_vectors_t[...] = stored.T
        self.dual_coef_ = np.asarray(arrays["dual_coef_"], dtype=np.float64).reshape(-1)
        self.intercept_ = float(np.asarray(arrays["intercept_"]).reshape(-1)[0])
        self.calibration_ = np.asarray(arrays["calibration_"], dtype=np.float64)
        # ||sv||^2 once (in float64), so each kernel row is one matrix product.
        self._sv_norms = np.einsum("ij,ij->j", self._support_vectors_t, self._support_vectors_t,
                                   dtype=np.float64)

    @classmethod
    def load(cls, folder: str | Path) -> "FaceModel":
        """Load ``model.npz`` (no pickles) and ``model.json`` from ``folder``."""
        folder = Path(folder)
        with np.load(folder / MODEL_FILE, allow_pickle=False) as data:
            arrays = loaded_arrays({name: data[name] for name in data.files})
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
        return cls(arrays, card)

    @property
    def support_vectors_(self) -> np.ndarray:
        """The support vectors, shape (n_sv, K) (a view)."""
        return self._support_vectors_t.T

    @property
    def eigenfaces(self) -> ChannelProjection:
        """The pixels channel: mean face, eigenfaces, reconstructions."""
        return self.channels[0]

    @property
    def n_components(self) -> int:
        """Number of eigenfaces."""
        return self.eigenfaces.n_components

    def transform(self, faces: np.ndarray) -> np.ndarray:
        """Every channel's codes side by side, as the SVM sees them.

        Parameters
        ----------
        faces : ndarray of shape (n, FACE_SIZE, FACE_SIZE), values in [0, 1]

        Returns
        -------
        ndarray of shape (n, sum of the channels' n_components)
        """
        faces = as_faces(faces)
        return np.hstack([channel.transform(faces) for channel in self.channels])

    def decision_function(self, faces: np.ndarray) -> np.ndarray:
        """RBF SVM decision values, as ``SVC.decision_function``: shape (n,)."""
        return self.svm_decision_values(self.transform(faces))

    def probabilities(self, decision: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from decision values: shape (n, 2), order of ``classes``."""
        a, b = self.calibration_
        positive = 1.0 / (1.0 + np.exp(a * np.asarray(decision, dtype=np.float64) + b))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, faces: np.ndarray) -> FacePredictions:
        """Classify preprocessed faces of shape (n, FACE_SIZE, FACE_SIZE).

        Each face and its mirror image (when the model averages both) go through the channels
        as one batch, and their kernel rows are one matrix product.
        """
        return self.predict_codes(self.transform(served_batch(faces, self.mirror_average)))

    def predict_codes(self, codes: np.ndarray) -> FacePredictions:
        """Labels, probabilities and decisions from the codes of :func:`served_batch`'s faces.

        Parameters
        ----------
        codes : ndarray of shape (n or 2n, sum of the channels' n_components)
            As :meth:`transform` gives them, faces first, then their mirrors.
        """
        decision = average_mirrors(self.svm_decision_values(codes), self.mirror_average)
        probabilities = self.probabilities(decision)
        labels = [self.classes[i] for i in np.argmax(probabilities, axis=1)]
        return FacePredictions(labels, probabilities, decision)

    def svm_decision_values(self, codes: np.ndarray) -> np.ndarray:
        """SVM decision values of codes from :meth:`transform`: shape (n,).

        The products of codes and support vectors run in float32, the rest in float64: the
        values are scikit-learn's to about 1e-5 (float32's rounding of the codes and sums).
        """
        cross = np.asarray(codes, dtype=np.float32) @ self._support_vectors_t
        sq_dist = (
            np.einsum("ij,ij->i", codes, codes)[:, None]
            - 2.0 * cross.astype(np.float64)
            + self._sv_norms[None, :]
        )
        kernel = np.exp(-self.gamma * np.maximum(sq_dist, 0.0))
        return kernel @ self.dual_coef_ + self.intercept_


def served_batch(faces: np.ndarray, mirror_average: bool) -> np.ndarray:
    """The faces a model evaluates for n faces: the faces, then their mirror images when it
    averages both (:func:`average_mirrors`). Shape (n or 2n, FACE_SIZE, FACE_SIZE)."""
    faces = as_faces(faces)
    return np.concatenate([faces, mirror(faces)]) if mirror_average else faces


def average_mirrors(values: np.ndarray, mirror_average: bool) -> np.ndarray:
    """The decision values of n faces from those of their :func:`served_batch`, shape (n or
    2n,): each face's averaged with its mirror image's when ``mirror_average``.

    The one place mirror averaging is written: serving, the grouped search's out-of-fold
    values and the scikit-learn reference (``training.fit.TrainedModel``) all go through it.
    """
    if not mirror_average:
        return values
    n = len(values) // 2
    return 0.5 * (values[:n] + values[n:])


def as_faces(faces: np.ndarray) -> np.ndarray:
    """Crops as float64, shape (n, FACE_SIZE, FACE_SIZE)."""
    return np.asarray(faces, dtype=np.float64).reshape(-1, FACE_SIZE, FACE_SIZE)
