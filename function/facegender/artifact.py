"""The model artifact's storage: packed arrays in ``model.npz``, parameter records in the card.

The large arrays are rounded at training to values that pack without loss, and the fitted
scikit-learn model is rounded the same way, so it stays the runtime's exact reference:

- principal axes to float32 values with 15 mantissa bits (:func:`round_float24`), whose low
  byte is zero, so each value is stored as its three high bytes (:func:`pack_float24`);
- support vectors to 16-bit fixed point, one power-of-two scale a column
  (:func:`round_fixed16`), so each value is stored in two bytes (:func:`pack_fixed16`).

``model.npz`` stays small without compression, which would cost 0.17 s of every cold start to
undo.
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


#: The large arrays and how each is stored: ``float24`` (three bytes a value) or ``fixed16``
#: (two bytes a value and a scale a column).
PACKED_ARRAYS = {"components_": "float24", "support_vectors_": "fixed16"}
#: Mantissa bits a float24 value keeps of float32's 23.
PACKED_MANTISSA_BITS = 15
#: The largest magnitude a fixed16 value takes, in units of its column's scale.
FIXED16_MAX = 32767
#: The name under which ``model.npz`` keeps a fixed16 array's column scales: ``<name>.scale``.
SCALE_SUFFIX = ".scale"


def round_for_storage(name: str, values: np.ndarray) -> np.ndarray:
    """``values`` of the packed array ``name`` rounded as it is stored, as float64."""
    rounding = {"float24": round_float24, "fixed16": round_fixed16}
    return rounding[PACKED_ARRAYS[name]](values)


def round_float24(values: np.ndarray) -> np.ndarray:
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


def fixed16_scales(values: np.ndarray) -> np.ndarray:
    """Each column's scale: the smallest power of two at which its largest magnitude rounds
    to at most :data:`FIXED16_MAX`. A power of two keeps every stored value exact in float32,
    and makes rounding twice change nothing."""
    peak = np.abs(np.asarray(values, dtype=np.float64)).max(axis=0)
    _, exponent = np.frexp(peak)  # peak = m * 2**exponent, 0.5 <= m < 1: peak / 2**(e-15) < 32768
    scale = np.ldexp(1.0, exponent - 15)
    return np.where(peak / scale < FIXED16_MAX + 0.5, scale, 2.0 * scale)


def round_fixed16(values: np.ndarray) -> np.ndarray:
    """``values`` (rows, columns) rounded to the nearest multiple of their column's
    :func:`fixed16_scales`, as float64: within half a scale of what was fitted, at most
    1/32767 of the column's largest magnitude; values :func:`pack_fixed16` stores in two bytes."""
    values = np.asarray(values, dtype=np.float64)
    scale = fixed16_scales(values)
    return np.round(values / scale) * scale


def pack_fixed16(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values of :func:`round_fixed16` as int16 multiples of their column scales, and the
    scales (float64). Raises ValueError unless :func:`unpack_fixed16` gives exactly the same
    values back: a value not such a multiple (round it first), not finite, or in a column too
    small for float32."""
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("values to pack must be finite")
    scale = fixed16_scales(values)
    units = np.round(values / scale).astype(np.int16)
    if not np.array_equal(unpack_fixed16(units, scale), values):
        raise ValueError("values to pack must be whole multiples of their column's scale, "
                         "within float32's range")
    return units, scale


def unpack_fixed16(units: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The float32 values of :func:`pack_fixed16`'s units and scales (exact in float32)."""
    values = units.astype(np.float32)
    values *= np.asarray(scale, dtype=np.float32)
    return values


def stored_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays as ``model.npz`` stores them: packed where :data:`PACKED_ARRAYS` says, a
    fixed16 array with its column scales beside it."""
    stored = {}
    for name, value in arrays.items():
        packing = PACKED_ARRAYS.get(name.split(".")[-1])
        if packing == "float24":
            stored[name] = pack_float24(value)
        elif packing == "fixed16":
            stored[name], stored[name + SCALE_SUFFIX] = pack_fixed16(value)
        else:
            stored[name] = np.ascontiguousarray(value, dtype=np.float64)
    return stored


def loaded_arrays(stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays of :func:`stored_arrays`, unpacked (float32 arrays and three-byte support
    vectors of earlier models load as they are stored)."""
    fixed16 = {name for name, value in stored.items() if value.dtype == np.int16}
    arrays = {}
    for name, value in stored.items():
        if name in fixed16:
            if np.shape(stored.get(name + SCALE_SUFFIX)) != value.shape[1:]:
                raise ValueError(f"model.npz lacks {name}{SCALE_SUFFIX}, the scales of {name}'s "
                                 f"{value.shape[1:]} columns")
            arrays[name] = unpack_fixed16(value, stored[name + SCALE_SUFFIX])
        elif value.dtype == np.uint8:
            arrays[name] = unpack_float24(value)
        elif not (name.endswith(SCALE_SUFFIX) and name[:-len(SCALE_SUFFIX)] in fixed16):
            arrays[name] = value
    return arrays
