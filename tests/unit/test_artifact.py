"""The artifact's storage: the large arrays in three bytes a value."""

from __future__ import annotations

import numpy as np
import pytest
from facegender.artifact import pack_float24, round_for_storage, unpack_float24


def test_stored_arrays_keep_a_short_mantissa_within_its_rounding_error():
    """The large arrays are stored in three bytes a value (float32 with a zero low byte), each
    within a relative 2**-16 of what was fitted; the rounded scikit-learn model stays the
    runtime's exact reference and predicts as the fitted one did."""
    values = np.random.default_rng(0).normal(size=10_000) * np.logspace(-6, 6, 10_000)
    stored = round_for_storage(values)
    assert np.all(np.abs(stored - values) <= np.abs(values) * 2.0**-16)
    as_float32 = stored.astype(np.float32)
    assert np.array_equal(as_float32.astype(np.float64), stored)  # exact in float32
    assert not np.any(as_float32.view(np.uint32) & 0xFF)
    assert np.array_equal(round_for_storage(stored), stored)  # rounding twice changes nothing
    assert np.array_equal(unpack_float24(pack_float24(stored)), as_float32)  # packing is lossless
    with pytest.raises(ValueError):
        pack_float24(values)  # unrounded values do not fit in three bytes
