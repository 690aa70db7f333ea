"""Uniform local binary patterns: the codes of every pixel and the cells they are counted in,
for the ``lbp`` feature channel (:func:`facegender.features.lbp_features`).

The codes are scikit-image's ``local_binary_pattern(image, 8, radius, "nri_uniform")``, computed
with its arithmetic step for step (so they are identical, tested) but on whole arrays, several
times faster.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .preprocessing import FACE_SIZE

#: Codes of 8-neighbour non-rotation-invariant uniform LBP: 58 uniform patterns + 1.
N_LBP_CODES = 59
#: Faces per block in :func:`facegender.features.lbp_features` (measured: 0.6 ms a face in
#: blocks of 16, 2.2 ms in one block of 2,000, whose temporaries no longer fit in the caches).
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
def lbp_cells(grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell index of each pixel of a crop, and the pixel count of each cell."""
    edges = np.round(np.linspace(0, FACE_SIZE, grid + 1)).astype(int)
    band = np.searchsorted(edges, np.arange(FACE_SIZE), side="right") - 1
    cells = band[:, None] * grid + band[None, :]
    return cells, np.bincount(cells.ravel(), minlength=grid * grid).astype(np.float64)
