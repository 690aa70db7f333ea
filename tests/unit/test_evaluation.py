"""Evaluation figures on seeded synthetic predictions, where the right answer is known."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GridSearchCV

from training.evaluate import calibration_error_floor, expected_calibration_error
from training.fit import build_pipeline, choose_params


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


class _FakeSearch:
    """The two attributes ``choose_params`` reads from a fitted ``GridSearchCV``."""

    def __init__(self, rows):
        self.n_splits_ = 3
        self.cv_results_ = {
            "params": [{"svm__C": c, "svm__gamma": g} for c, g, _, _ in rows],
            "param_svm__C": np.array([c for c, _, _, _ in rows], dtype=object),
            "mean_test_score": np.array([m for _, _, m, _ in rows]),
            "std_test_score": np.array([s for _, _, _, s in rows]),
        }


def test_grid_choice_takes_the_smallest_c_within_one_standard_error():
    search = _FakeSearch([
        (3.0, 0.01, 0.860, 0.004), (3.0, 0.02, 0.858, 0.004),
        (10.0, 0.01, 0.862, 0.006),  # best, but only 0.002 ahead: one SE is 0.0035
    ])
    params, accuracy = choose_params(search)
    assert params == {"svm__C": 3.0, "svm__gamma": 0.01} and accuracy == 0.860


def test_grid_choice_keeps_a_larger_c_that_is_clearly_better():
    search = _FakeSearch([(3.0, 0.01, 0.840, 0.002), (10.0, 0.01, 0.862, 0.002)])
    assert choose_params(search)[0]["svm__C"] == 10.0


def test_grid_choice_reads_a_real_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = (X[:, 0] + 0.3 * rng.normal(size=120) > 0).astype(int)
    search = GridSearchCV(build_pipeline(3), {"svm__C": [1.0, 10.0], "svm__gamma": [0.1]},
                          cv=3).fit(X, y)
    params, accuracy = choose_params(search)
    assert params["svm__C"] in (1.0, 10.0)
    assert accuracy == search.cv_results_["mean_test_score"][
        search.cv_results_["params"].index(params)]
