"""Evaluation figures on seeded synthetic predictions, where the right answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from facegender.features import Channel, HogParams, LbpParams, PixelParams

from training.evaluate import calibration_error_floor, expected_calibration_error
from training.codespace import ChannelSpec
from training.search import Candidate, SearchResult


def test_ece_is_zero_when_confidence_equals_accuracy():
    # 10 faces at p(male) = 0.8, 8 of them male: confidence 0.8, accuracy 0.8.
    y = np.array([1] * 8 + [0] * 2)
    assert expected_calibration_error(y, np.full(10, 0.8)) == 0.0


def test_ece_of_an_overconfident_model_is_the_gap():
    y = np.array([1] * 6 + [0] * 4)  # 60% right at a stated 90%
    assert abs(expected_calibration_error(y, np.full(10, 0.9)) - 0.3) < 1e-9


def test_calibration_floor_shrinks_with_more_faces_and_matches_a_calibrated_model():
    rng = np.random.default_rng(1)
    small, large = rng.uniform(0, 1, 400), rng.uniform(0, 1, 20000)
    assert calibration_error_floor(large) < 0.5 * calibration_error_floor(small)
    # Labels drawn from the probabilities: a perfectly calibrated model scores about the floor.
    scores = [expected_calibration_error((rng.random(400) < small).astype(int), small)
              for _ in range(100)]
    assert abs(np.mean(scores) - calibration_error_floor(small)) < 0.01


PIXELS_100 = (ChannelSpec(Channel("pixels", PixelParams()), 100),)
ALL_300 = PIXELS_100 + (ChannelSpec(Channel("hog", HogParams()), 100),
                        ChannelSpec(Channel("lbp", LbpParams()), 100))


def _search(rows, n_support=None, n: int = 4000, nested: bool = False) -> SearchResult:
    """A search whose candidates (channels, C) got these shares of the same 4,000 faces right.

    85% of the faces are easy (every candidate is right) and 5% too hard; on the 10% between,
    each candidate is right on a random subset of the size its accuracy asks for, so two
    candidates differ both ways, as real ones do. ``nested``: a better candidate is right
    wherever a worse one is.
    """
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    order = rng.permutation(n)
    easy, contested = order[:int(0.85 * n)], order[int(0.85 * n):int(0.95 * n)]
    decisions = []
    for _, _, accuracy in rows:
        right = np.zeros(n, bool)
        right[easy] = True
        more = int(round(accuracy * n)) - len(easy)
        right[contested[:more] if nested else rng.permutation(contested)[:more]] = True
        decisions.append(np.where(right == (y == 1), 1.0, -1.0))
    candidates = [Candidate(channels, C, 1.0) for channels, C, _ in rows]
    return SearchResult(candidates, np.zeros((len(rows), 3)), np.arange(n), y,
                        np.array(decisions), n_support or [1000] * len(rows))


def test_the_paired_gap_is_the_difference_in_accuracy_with_its_standard_error():
    search = _search([(PIXELS_100, 3.0, 0.90), (PIXELS_100, 10.0, 0.91)], nested=True)
    gap, error = search.paired_gap(0, reference=1)
    assert gap == pytest.approx(0.01)
    assert error == pytest.approx(np.sqrt(0.01 * 0.99 / 4000))  # 40 faces differ, one way


def test_grid_choice_takes_the_smallest_c_among_ties():
    search = _search([(PIXELS_100, 3.0, 0.9000), (PIXELS_100, 10.0, 0.9005)])  # 2 faces
    assert search.choose() == 0


def test_grid_choice_keeps_a_larger_c_that_is_clearly_better():
    search = _search([(PIXELS_100, 3.0, 0.90), (PIXELS_100, 10.0, 0.91)])  # 40 faces
    assert search.choose() == 1


def test_grid_choice_prefers_the_cheaper_model_among_ties_and_the_better_one_otherwise():
    tied = _search([(ALL_300, 3.0, 0.9005), (PIXELS_100, 10.0, 0.9000)])
    assert tied.choose() == 1  # 100 dimensions against 300
    fewer_vectors = _search([(PIXELS_100, 3.0, 0.90), (ALL_300, 3.0, 0.90)],
                            n_support=[9000, 2000])
    assert fewer_vectors.choose() == 1  # 2,000 x 300 against 9,000 x 100
    clear = _search([(ALL_300, 3.0, 0.94), (PIXELS_100, 3.0, 0.87)])
    assert clear.choose() == 0


def test_gamma_scales_with_the_code_space():
    assert Candidate(ALL_300, 3.0, 1.2).gamma == pytest.approx(1.2 / 300)
    weighted = (ChannelSpec(Channel("pixels", PixelParams()), 100, weight=0.5),) + ALL_300[1:]
    assert Candidate(weighted, 3.0, 1.2).dims == pytest.approx(25 + 200)
