"""The artifact's storage: principal axes in three bytes a value, support vectors in two."""

from __future__ import annotations

import numpy as np
import pytest
from facegender.artifact import (
    FIXED16_MAX,
    fixed16_scales,
    loaded_arrays,
    pack_fixed16,
    pack_float24,
    round_fixed16,
    round_for_storage,
    stored_arrays,
    unpack_fixed16,
    unpack_float24,
)


def test_stored_arrays_keep_a_short_mantissa_within_its_rounding_error():
    """The principal axes are stored in three bytes a value (float32 with a zero low byte),
    each within a relative 2**-16 of what was fitted; the rounded scikit-learn model stays the
    runtime's exact reference and predicts as the fitted one did."""
    values = np.random.default_rng(0).normal(size=10_000) * np.logspace(-6, 6, 10_000)
    stored = round_for_storage("components_", values)
    assert np.all(np.abs(stored - values) <= np.abs(values) * 2.0**-16)
    as_float32 = stored.astype(np.float32)
    assert np.array_equal(as_float32.astype(np.float64), stored)  # exact in float32
    assert not np.any(as_float32.view(np.uint32) & 0xFF)
    assert np.array_equal(round_for_storage("components_", stored), stored)  # twice: no change
    assert np.array_equal(unpack_float24(pack_float24(stored)), as_float32)  # packing is lossless
    with pytest.raises(ValueError):
        pack_float24(values)  # unrounded values do not fit in three bytes


def support_vectors() -> np.ndarray:
    """Columns of every magnitude, one of zeros, and one whose largest value sits where the
    smallest power-of-two scale would round it to 32768, one past int16."""
    rng = np.random.default_rng(1)
    values = rng.normal(size=(500, 8)) * np.logspace(-4, 3, 8)
    values[:, 5] = 0.0
    values[0, 6] = 32767.75 * 2.0**-10
    values[1:, 6] = np.clip(values[1:, 6], -30.0, 30.0) * 2.0**-10
    return values


def test_support_vectors_are_stored_in_two_bytes_within_a_column_step():
    """Each column is stored as int16 multiples of a power-of-two scale: every value within
    1/32767 of its column's largest magnitude, exact in float32, unchanged by rounding again,
    and packed without loss."""
    values = support_vectors()
    stored = round_for_storage("support_vectors_", values)
    peak = np.abs(values).max(axis=0)
    assert np.all(np.abs(stored - values) <= peak / FIXED16_MAX)
    assert np.array_equal(stored[:, 5], values[:, 5])
    assert np.array_equal(stored.astype(np.float32).astype(np.float64), stored)
    assert np.array_equal(round_fixed16(stored), stored)
    units, scale = pack_fixed16(stored)
    assert units.dtype == np.int16 and np.all(np.log2(scale) == np.round(np.log2(scale)))
    assert np.array_equal(unpack_fixed16(units, scale).astype(np.float64), stored)
    assert unpack_fixed16(units, scale)[0, 6] == stored[0, 6] > 0  # did not wrap around
    with pytest.raises(ValueError):
        pack_fixed16(values)  # unrounded values are not whole multiples of the scale
    for unstorable in (np.inf, 1e-44):  # not finite; a column below float32's range
        column = np.zeros((3, 1))
        column[1] = unstorable
        with pytest.raises(ValueError):
            pack_fixed16(round_fixed16(column))


def test_three_byte_support_vectors_stored_again_move_at_most_one_step():
    """An earlier model's support vectors (three-byte floats) exported again in two bytes
    (``training.reexport``): each value within one step of its column's new scale of what
    rounding the fitted values once gives, and stored without loss."""
    values = support_vectors()
    again = round_fixed16(round_for_storage("components_", values))
    assert np.array_equal(round_fixed16(again), again)
    assert np.all(np.abs(again - round_fixed16(values)) <= fixed16_scales(again))
    assert np.array_equal(unpack_fixed16(*pack_fixed16(again)).astype(np.float64), again)


def test_model_npz_arrays_load_back_as_they_were_rounded():
    """``stored_arrays`` and ``loaded_arrays`` round-trip every array; a fixed16 array's
    scales travel beside it and do not come back as an array of their own; an earlier
    model's three-byte support vectors still load."""
    svs = round_for_storage("support_vectors_", support_vectors())
    axes = round_for_storage("components_", support_vectors().T)
    arrays = {"support_vectors_": svs, "pixels.components_": axes,
              "dual_coef_": np.linspace(-1.0, 1.0, 500)}
    stored = stored_arrays(arrays)
    assert stored["support_vectors_"].dtype == np.int16
    assert stored["pixels.components_"].dtype == np.uint8
    loaded = loaded_arrays(stored)
    assert sorted(loaded) == sorted(arrays)
    for name, value in arrays.items():
        assert np.array_equal(loaded[name], value), name
    earlier = {**stored, "support_vectors_": pack_float24(round_for_storage("components_", svs))}
    del earlier["support_vectors_.scale"]
    assert np.allclose(loaded_arrays(earlier)["support_vectors_"], svs, rtol=2.0**-16, atol=0)
    without_scales = {**stored}
    del without_scales["support_vectors_.scale"]
    with pytest.raises(ValueError, match="support_vectors_.scale"):
        loaded_arrays(without_scales)
    without_scales["support_vectors_.scale"] = stored["support_vectors_.scale"][:1]
    with pytest.raises(ValueError, match="support_vectors_.scale"):
        loaded_arrays(without_scales)  # one scale for every column: not this model's
