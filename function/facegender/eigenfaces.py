"""The first eigenfaces as one compact binary, for pages that rebuild faces themselves.

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

from .model import FaceModel
from .preprocessing import FACE_SIZE

MAGIC = b"FGEF"
FORMAT_VERSION = 1
#: Eigenfaces in the binary and weights in a /v1/predict reply: the page's sliders.
EIGENFACES_SHOWN = 8
_HEADER = struct.Struct("<4sHHHH")


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
