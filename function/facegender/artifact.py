"""The model artifact's storage: packed arrays in ``model.npz``, parameter records in the card.

The large arrays (principal axes, support vectors) are rounded to float32 values with 15
mantissa bits (:func:`round_for_storage`, at training), whose low byte is zero, so each value
is stored as its three high bytes (:func:`pack_float24`): ``model.npz`` stays small without
compression, which would cost 0.17 s of every cold start to undo.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def strict_dataclass(cls: type[T], values: dict) -> T:
    """``cls(**values)``, refusing missing or unknown fields.

    The dataclasses' defaults are what training starts from; a deployed model must be read
    back with exactly the values it was trained with, so a default never fills a gap.
    """
    names = {f.name for f in fields(cls)}
    missing, unknown = sorted(names - set(values)), sorted(set(values) - names)
    if missing or unknown:
        raise ValueError(f"{cls.__name__} in the model card: missing {missing or 'nothing'}, "
                         f"unknown {unknown or 'nothing'}")
    return cls(**values)


#: The large arrays, stored in three bytes a value (see :func:`pack_float24`).
PACKED_ARRAYS = ("components_", "support_vectors_")
#: Mantissa bits a packed value keeps of float32's 23.
PACKED_MANTISSA_BITS = 15


def round_for_storage(values: np.ndarray) -> np.ndarray:
    """``values`` rounded to the nearest float32 with ``PACKED_MANTISSA_BITS`` (15) mantissa
    bits, ties away from zero, returned as float64: a relative error of at most 2**-16, and
    values :func:`pack_float24` stores in three bytes."""
    dropped = 23 - PACKED_MANTISSA_BITS
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = (bits + np.uint32(1 << (dropped - 1))) & np.uint32(0xFFFFFFFF << dropped & 0xFFFFFFFF)
    return rounded.view(np.float32).astype(np.float64)


def pack_float24(values: np.ndarray) -> np.ndarray:
    """float32 values with a zero low byte as their three high bytes: uint8, shape (..., 3).

    Raises ValueError when a value has bits in its low byte (round it first); packing is then
    lossless, and :func:`unpack_float24` gives the same float32 values back.
    """
    values = np.ascontiguousarray(values, dtype="<f4")
    as_bytes = values.view(np.uint8).reshape(*values.shape, 4)
    if as_bytes[..., 0].any():
        raise ValueError("values to pack must have 15 mantissa bits (a zero low byte)")
    return np.ascontiguousarray(as_bytes[..., 1:])


def unpack_float24(packed: np.ndarray) -> np.ndarray:
    """The float32 values of :func:`pack_float24`'s bytes."""
    as_bytes = np.zeros((*packed.shape[:-1], 4), dtype=np.uint8)
    as_bytes[..., 1:] = packed
    return as_bytes.view("<f4").reshape(packed.shape[:-1])


def stored_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays as ``model.npz`` stores them: packed where :data:`PACKED_ARRAYS` says."""
    return {name: pack_float24(value) if name.split(".")[-1] in PACKED_ARRAYS
            else np.ascontiguousarray(value, dtype=np.float64)
            for name, value in arrays.items()}


def loaded_arrays(stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays of :func:`stored_arrays`, unpacked (float32 arrays of earlier models load as
    they are)."""
    return {name: unpack_float24(value) if value.dtype == np.uint8 else value
            for name, value in stored.items()}
