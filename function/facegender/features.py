"""Feature channels: what the model sees of a face crop, before each channel's own PCA.

Each channel is one pure function ``faces -> features`` with its parameters in a frozen
dataclass that the model artifact records:

* ``pixels``: the crop's grey levels (the eigenfaces channel);
* ``hog``: histograms of oriented gradients, ``cv2.HOGDescriptor`` on the central window;
* ``lbp``: histograms of uniform local binary patterns (8 neighbours on a circle), one per
  cell of a grid over the crop.

Raw pixels compare faces point by point, so they mostly learn lighting and skin tone; the
gradients and local textures that HOG and LBP describe carry shape (brows, jaw, hairline) and
are far less sensitive to both. Training (through scikit-learn's ``FeatureUnion``) and serving
call these same functions, so the features cannot drift between them.

Adding a channel is one params dataclass, one function and one entry in :data:`CHANNELS`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Callable, NamedTuple

import cv2
import numpy as np

from .artifact import strict_dataclass
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
    cells, sizes = _lbp_cells(params.grid)
    n = len(codes)
    index = (cells[None] * N_LBP_CODES + codes).reshape(n, -1)
    index += (np.arange(n) * (params.grid ** 2 * N_LBP_CODES))[:, None]
    counts = np.bincount(index.ravel(), minlength=n * params.grid ** 2 * N_LBP_CODES)
    counts = counts.reshape(n, params.grid ** 2, N_LBP_CODES) / sizes[None, :, None]
    return np.sqrt(counts).reshape(n, -1)


#: Codes of 8-neighbour non-rotation-invariant uniform LBP: 58 uniform patterns + 1.
N_LBP_CODES = 59
#: Faces per block in :func:`lbp_features` (measured: 0.6 ms a face in blocks of 16, 2.2 ms in
#: one block of 2,000, whose temporaries no longer fit in the caches).
LBP_BLOCK = 16


def lbp_codes(images: np.ndarray, radius: int = 1) -> np.ndarray:
    """Uniform LBP codes of each pixel, exactly as scikit-image's ``nri_uniform`` method.

    Neighbour ``i`` sits at angle ``2 pi i / 8`` on a circle of ``radius`` (row offset
    ``-radius sin``, column offset ``radius cos``, rounded to 5 decimals); off-grid neighbours
    are bilinearly interpolated and the image is zero outside its frame, with scikit-image's
    arithmetic step for step, so the codes are identical (tested).

    Parameters
    ----------
    images : ndarray of shape (n, h, w), integer grey levels

    Returns
    -------
    ndarray of shape (n, h, w), dtype uint8, values in [0, 59)
    """
    images = np.asarray(images, dtype=np.float64)
    n, h, w = images.shape
    # Each image padded with zeros and laid out row after row, so that a neighbour of every
    # pixel is one contiguous slice of the rows (the padding columns are computed too, then
    # dropped): whole-array operations without strides, 3x faster on one face.
    pad = radius + 1
    width = w + 2 * pad
    padded = np.zeros((n, h + 2 * pad + 2, width))  # a spare zero row above and below
    padded[:, pad + 1:pad + 1 + h, pad:pad + w] = images
    flat = padded.reshape(n, -1)
    size = h * width
    centre = flat[:, (pad + 1) * width:(pad + 1) * width + size]

    def at(row: int, col: int) -> np.ndarray:
        start = (pad + 1 + row) * width + col
        return flat[:, start:start + size]

    pattern = np.zeros((n, size), dtype=np.uint8)
    top, bottom, scratch = (np.empty((n, size)) for _ in range(3))
    bit_set = np.empty((n, size), dtype=bool)
    for bit, neighbour in enumerate(_lbp_neighbours(h, w, radius)):
        if neighbour.weights is None:
            # On the grid: scikit-image's weights are exactly 1 and 0, so this is the pixel.
            np.greater_equal(at(neighbour.top, neighbour.left), centre, out=bit_set)
        else:
            # Bilinear, in scikit-image's order of operations (in place, for speed).
            not_fc, fc, not_fr, fr = neighbour.weights
            np.multiply(not_fc, at(neighbour.top, neighbour.left), out=top)
            top += np.multiply(fc, at(neighbour.top, neighbour.right), out=scratch)
            np.multiply(not_fc, at(neighbour.bottom, neighbour.left), out=bottom)
            bottom += np.multiply(fc, at(neighbour.bottom, neighbour.right), out=scratch)
            top *= not_fr
            bottom *= fr
            top += bottom
            top -= centre
            np.greater_equal(top, 0, out=bit_set)
        pattern |= bit_set.view(np.uint8) << bit
    codes = np.take(_nri_uniform_table(), pattern)
    return np.ascontiguousarray(codes.reshape(n, h, width)[:, :, pad:pad + w])


class _Neighbour(NamedTuple):
    """Where neighbour ``i`` of every pixel is read, in the layout of :func:`lbp_codes`.

    ``top``/``bottom`` rows and ``left``/``right`` columns are offsets of the interpolation
    corners; ``weights`` are ``1 - fc``, ``fc``, ``1 - fr``, ``fr`` for every element of that
    layout (None on the grid), computed as scikit-image computes them for each pixel.
    """

    top: int
    bottom: int
    left: int
    right: int
    weights: tuple[np.ndarray, ...] | None


@lru_cache(maxsize=8)
def _lbp_neighbours(h: int, w: int, radius: int) -> tuple[_Neighbour, ...]:
    pad = radius + 1
    width = w + 2 * pad
    # Row and column of each element of the padded layout, as floats (exact integers).
    rows = np.repeat(np.arange(h, dtype=np.float64), width)
    cols = np.tile(np.arange(width, dtype=np.float64) - pad, h)
    neighbours = []
    for dr, dc in _lbp_offsets(radius):
        r, c = rows + dr, cols + dc
        top, left = int(np.floor(dr)), int(np.floor(dc))
        bottom, right = int(np.ceil(dr)), int(np.ceil(dc))
        weights = None
        if (top, left) != (bottom, right):
            fr, fc = r - np.floor(r), c - np.floor(c)
            weights = (1 - fc, fc, 1 - fr, fr)
        neighbours.append(_Neighbour(top, bottom, left, right, weights))
    return tuple(neighbours)


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


def _lbp_offsets(radius: int) -> list[tuple[float, float]]:
    angles = 2 * np.pi * np.arange(8, dtype=np.float64) / 8
    return list(zip(np.round(-radius * np.sin(angles), 5), np.round(radius * np.cos(angles), 5)))


@lru_cache(maxsize=1)
def _nri_uniform_table() -> np.ndarray:
    """Code of each 8-bit neighbour pattern (bit i = neighbour i), scikit-image's numbering."""
    table = np.empty(256, dtype=np.uint8)
    for pattern in range(256):
        bits = [(pattern >> i) & 1 for i in range(8)]
        changes = sum(bits[i] != bits[i + 1] for i in range(7))
        ones = sum(bits)
        if changes > 2:
            table[pattern] = 8 * 7 + 2
        elif ones == 0:
            table[pattern] = 0
        elif ones == 8:
            table[pattern] = 8 * 7 + 1
        else:
            # Rotation of the run of ones: how far it is turned from the reference position.
            rotation = ones - bits.index(0) if bits[0] else 8 - bits.index(1)
            table[pattern] = 1 + (ones - 1) * 8 + rotation
    return table


@lru_cache(maxsize=8)
def _lbp_cells(grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell index of each pixel of a crop, and the pixel count of each cell."""
    edges = np.round(np.linspace(0, FACE_SIZE, grid + 1)).astype(int)
    band = np.searchsorted(edges, np.arange(FACE_SIZE), side="right") - 1
    cells = band[:, None] * grid + band[None, :]
    return cells, np.bincount(cells.ravel(), minlength=grid * grid).astype(np.float64)
