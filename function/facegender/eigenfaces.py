"""The eigenface explorer's model side: the mean face, the eigenfaces, a face's weights on
them, its reconstruction, edited faces' decisions, and the first eigenfaces as one compact
binary for pages that rebuild faces themselves.

``GET /v1/model/eigenfaces.bin`` serves :func:`eigenfaces_bin`. Every number little-endian:

======  =============================  ===============================================
offset  type                           what
======  =============================  ===============================================
0       4 bytes ``FGEF``               magic
4       uint16                         format version, 1
6       uint16 ``k``                   eigenfaces in the file
8       uint16 ``w``, uint16 ``h``     picture size (100, 100)
12      float32 x ``k``                ``scale``: the pixel change one unit of weight
                                       makes along each eigenface (the training faces'
                                       standard deviation along it)
12+4k   float32 x ``w*h``              the mean face, row by row, grey levels in [0, 1]
...     float32 x ``k*w*h``            the eigenfaces, one after another, each of unit
                                       length, row by row
======  =============================  ===============================================

A face with eigenface weights ``z`` (as ``eigenface_weights`` in a ``/v1/predict`` reply) is
``mean + sum(z[i] * scale[i] * eigenface[i])`` plus what the later eigenfaces add; moving
weight ``i`` from ``a`` to ``b`` adds ``(b - a) * scale[i] * eigenface[i]`` to the picture.
"""

from __future__ import annotations

import struct

import numpy as np

from .model import FacePredictions, FaceModel, as_faces, served_batch
from .preprocessing import FACE_SIZE

MAGIC = b"FGEF"
FORMAT_VERSION = 1
#: Eigenfaces in the binary and weights in a /v1/predict reply: the page's sliders.
EIGENFACES_SHOWN = 8
_HEADER = struct.Struct("<4sHHHH")


def mean_face(model: FaceModel) -> np.ndarray:
    """The mean face, shape (FACE_SIZE, FACE_SIZE), values in [0, 1]."""
    return np.clip(model.eigenfaces.mean_, 0.0, 1.0).reshape(FACE_SIZE, FACE_SIZE)


def eigenface(model: FaceModel, index: int) -> np.ndarray:
    """Eigenface ``index`` rescaled to [0, 1] for display: shape (FACE_SIZE, FACE_SIZE)."""
    component = model.eigenfaces.components_[index]
    span = np.ptp(component) or 1.0
    return ((component - component.min()) / span).reshape(FACE_SIZE, FACE_SIZE)


def reconstruct(model: FaceModel, faces: np.ndarray) -> np.ndarray:
    """Each face rebuilt from its eigenface codes: shape (n, FACE_SIZE, FACE_SIZE)."""
    pixels = model.eigenfaces
    rebuilt = pixels.inverse_transform(pixels.transform(as_faces(faces)))
    return rebuilt.reshape(-1, FACE_SIZE, FACE_SIZE)


def eigenface_weights(model: FaceModel, faces: np.ndarray, count: int | None = None) -> np.ndarray:
    """Each face's weights on the first ``count`` eigenfaces, in standard deviations of the
    training faces along each one (its PCA coordinates over ``sqrt(explained_variance_)``,
    whatever scale the model's codes use).

    Returns
    -------
    ndarray of shape (n, count)
    """
    pixels = model.eigenfaces
    faces = as_faces(faces).reshape(-1, FACE_SIZE * FACE_SIZE)
    coordinates = (faces - pixels.mean_) @ pixels.components_[:count].T
    return coordinates / pixels.std_[:coordinates.shape[1]]


def predict_edited(model: FaceModel, face: np.ndarray, weights) -> FacePredictions:
    """Classify one face with its first ``len(weights)`` eigenface weights replaced.

    The edit is a picture: the face plus the weighted eigenfaces that move its weights to
    ``weights`` (the rest of its pixels, and its other eigenface weights, stay). The pixels
    channel sees that picture, and its mirror image where the model averages both; every
    other channel sees the face as it was (and its mirror), so only the eigenfaces are edited.
    One batch, as :meth:`FaceModel.predict`.

    Parameters
    ----------
    face : ndarray of shape (FACE_SIZE, FACE_SIZE), values in [0, 1]
    weights : sequence of float, at most ``model.n_components`` long
        In the units of :func:`eigenface_weights`.
    """
    pixels = model.eigenfaces
    face = as_faces(face)[:1]
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    count = len(weights)
    change = (weights - eigenface_weights(model, face, count)[0]) * pixels.std_[:count]
    edited = face + (change @ pixels.components_[:count]).reshape(face.shape)
    originals = served_batch(face, model.mirror_average)
    edits = served_batch(edited, model.mirror_average)
    return model.predict_codes(np.hstack([
        channel.transform(edits if channel is pixels else originals)
        for channel in model.channels
    ]))


def eigenfaces_bin(model: FaceModel, count: int = EIGENFACES_SHOWN) -> bytes:
    """The mean face and the first ``count`` eigenfaces in the format above."""
    pixels = model.eigenfaces
    count = min(count, model.n_components)
    scale = pixels.std_[:count]
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, count, FACE_SIZE, FACE_SIZE)
    arrays = (scale, pixels.mean_, pixels.components_[:count])
    return header + b"".join(np.asarray(a, dtype="<f4").tobytes() for a in arrays)


def read_eigenfaces_bin(data: bytes) -> dict:
    """The arrays of :func:`eigenfaces_bin` back: ``scale`` (k,), ``mean`` (h, w) and
    ``eigenfaces`` (k, h, w), float32 (for tests and Python clients)."""
    magic, version, count, width, height = _HEADER.unpack_from(data)
    if magic != MAGIC or version != FORMAT_VERSION:
        raise ValueError(f"Not an eigenfaces.bin of format {FORMAT_VERSION}")
    values = np.frombuffer(data, dtype="<f4", offset=_HEADER.size)
    if values.size != count + (1 + count) * width * height:
        raise ValueError("The eigenfaces.bin is truncated or too long")
    pixels = width * height
    return {"scale": values[:count],
            "mean": values[count:count + pixels].reshape(height, width),
            "eigenfaces": values[count + pixels:].reshape(count, height, width)}
