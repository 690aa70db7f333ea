"""Feature channels: what the model sees of a face crop, before each channel's own PCA.

Each channel is one pure function ``faces -> features`` with its parameters in a frozen
dataclass that the model artifact records:

* ``pixels``: the crop's grey levels (the eigenfaces channel);
* ``hog``: histograms of oriented gradients, ``cv2.HOGDescriptor`` on the central window;
* ``lbp``: histograms of uniform local binary patterns (8 neighbours on a circle), one per
  cell of a grid over the crop (the codes and cells are ``lbp.py``'s).

Raw pixels compare faces point by point, brightness included; HOG (gradients, normalised
block by block) and LBP (which neighbour is brighter, unchanged by any monotonic change of grey
levels) describe local shape (brows, jaw, hairline) by local contrast instead. Grouped CV
measured what each adds (``training/README.md``). Training (through scikit-learn's ``FeatureUnion``) and serving
call these same functions, so the features cannot drift between them.

Adding a channel is one params dataclass, one function and one entry in :data:`CHANNELS`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Callable

import cv2
import numpy as np

from .artifact import strict_dataclass
from .lbp import LBP_BLOCK, N_LBP_CODES, lbp_cells, lbp_codes
from .preprocessing import FACE_SIZE


@dataclass(frozen=True)
class PixelParams:
    """The crop's grey levels in [0, 1], row by row: nothing to set."""


@dataclass(frozen=True)
class HogParams:
    """``cv2.HOGDescriptor(window, block, block_stride, cell, bins)`` on the central window.

    window : side of the central square described (the crop's border is left out).
    block, block_stride, cell : in pixels; blocks of 2x2 cells, L2-Hys normalised (0.2).
    bins : orientation bins over 0-180 degrees (unsigned gradients).
    """

    window: int = 96
    block: int = 16
    block_stride: int = 8
    cell: int = 8
    bins: int = 9


@dataclass(frozen=True)
class LbpParams:
    """Uniform LBP codes, histogrammed over a ``grid`` x ``grid`` grid of cells.

    Codes are those of ``skimage.feature.local_binary_pattern(image, 8, radius,
    "nri_uniform")``: the 58 uniform patterns of 8 neighbours (at most two 0/1 changes round
    the circle) keep their rotation, everything else shares one code, 59 in all. Each cell's
    histogram is divided by its pixel count and square-rooted, so it has unit length and
    a dot product of two is their Bhattacharyya coefficient (the Hellinger kernel).

    grid : cells per side.
    radius : of the circle the 8 neighbours sit on, in pixels (diagonals are interpolated).
    """

    grid: int = 9
    radius: int = 2


ChannelParams = PixelParams | HogParams | LbpParams


def pixel_features(faces: np.ndarray, params: PixelParams = PixelParams()) -> np.ndarray:
    """The crops as rows.

    Parameters
    ----------
    faces : ndarray of shape (n, FACE_SIZE, FACE_SIZE), values in [0, 1]

    Returns
    -------
    ndarray of shape (n, FACE_SIZE**2), dtype float64
    """
    faces = np.asarray(faces, dtype=np.float64)
    return faces.reshape(len(faces), -1)


def hog_features(faces: np.ndarray, params: HogParams = HogParams()) -> np.ndarray:
    """HOG of each crop's central ``params.window`` square.

    Parameters
    ----------
    faces : ndarray of shape (n, FACE_SIZE, FACE_SIZE), values in [0, 1]

    Returns
    -------
    ndarray of shape (n, hog_length(params)), dtype float64
    """
    descriptor = _hog_descriptor(params)
    start = (FACE_SIZE - params.window) // 2
    window = slice(start, start + params.window)
    out = np.empty((len(faces), hog_length(params)))
    for i, face in enumerate(to_uint8(faces)):
        out[i] = descriptor.compute(np.ascontiguousarray(face[window, window])).ravel()
    return out


def hog_length(params: HogParams) -> int:
    """Length of one HOG vector: blocks x cells per block x bins."""
    blocks = (params.window - params.block) // params.block_stride + 1
    return blocks * blocks * (params.block // params.cell) ** 2 * params.bins


def lbp_features(faces: np.ndarray, params: LbpParams = LbpParams()) -> np.ndarray:
    """Square-rooted, normalised histograms of uniform LBP codes, cell by cell.

    Parameters
    ----------
    faces : ndarray of shape (n, FACE_SIZE, FACE_SIZE), values in [0, 1]

    Returns
    -------
    ndarray of shape (n, params.grid**2 * 59), dtype float64
    """
    if len(faces) > LBP_BLOCK:  # in blocks that stay in cache: 3x faster on large batches
        return np.concatenate([lbp_features(faces[i:i + LBP_BLOCK], params)
                               for i in range(0, len(faces), LBP_BLOCK)])
    codes = lbp_codes(to_uint8(faces), params.radius)
    cells, sizes = lbp_cells(params.grid)
    n = len(codes)
    index = (cells[None] * N_LBP_CODES + codes).reshape(n, -1)
    index += (np.arange(n) * (params.grid ** 2 * N_LBP_CODES))[:, None]
    counts = np.bincount(index.ravel(), minlength=n * params.grid ** 2 * N_LBP_CODES)
    counts = counts.reshape(n, params.grid ** 2, N_LBP_CODES) / sizes[None, :, None]
    return np.sqrt(counts).reshape(n, -1)


def to_uint8(faces: np.ndarray) -> np.ndarray:
    """[0, 1] crops back to the 8-bit grey levels they were made from: shape (n, h, w)."""
    return np.clip(np.rint(np.asarray(faces) * 255.0), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Channel:
    """One feature channel as the artifact records it: its name and its parameters."""

    name: str
    params: ChannelParams

    def extract(self, faces: np.ndarray) -> np.ndarray:
        """Features of crops of shape (n, FACE_SIZE, FACE_SIZE): shape (n, d)."""
        return CHANNELS[self.name][1](faces, self.params)

    def to_dict(self) -> dict:
        return {"name": self.name, "params": asdict(self.params)}

    @classmethod
    def from_dict(cls, data: dict) -> "Channel":
        """Every parameter must be present: a code default never changes a trained model."""
        name = data["name"]
        if name not in CHANNELS:
            raise ValueError(f"Unknown feature channel {name!r}; known: {', '.join(CHANNELS)}")
        return cls(name, strict_dataclass(CHANNELS[name][0], data["params"]))


#: name -> (parameters, function), in the order channels are concatenated by default.
CHANNELS: dict[str, tuple[type, Callable[[np.ndarray, ChannelParams], np.ndarray]]] = {
    "pixels": (PixelParams, pixel_features),
    "hog": (HogParams, hog_features),
    "lbp": (LbpParams, lbp_features),
}


@lru_cache(maxsize=8)
def _hog_descriptor(params: HogParams) -> cv2.HOGDescriptor:
    # Computing a descriptor only reads it, so one is shared by every thread.
    return cv2.HOGDescriptor((params.window, params.window), (params.block, params.block),
                             (params.block_stride, params.block_stride),
                             (params.cell, params.cell), params.bins)
