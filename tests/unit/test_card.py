"""The model card's plain words about who the model fails (training.card) and the report's
tables of them (training.report), from measurements given here."""

from __future__ import annotations

from training.card import known_failures
from training.degrade import DEGRADATIONS
from training.report import format_report


def _group(recall: float, faces: int = 100) -> dict:
    return {"recall": recall, "faces": faces}


def _degraded(female_drop: float, male_drop: float) -> dict:
    return {"recall": {"female": 0.9 - female_drop, "male": 0.9 - male_drop},
            "recall_drop": {"female": female_drop, "male": male_drop}}


CARD = {
    "training_data": {"datasets": {"celeba": "CelebA (Liu et al.); label = 'Male'",
                                   "utkface": "UTKFace (Zhang et al.); label = gender"}},
    "fairness": {
        "weakest_groups": [{"group": "60+ female", "words": "women aged 60+", "recall": 0.79,
                            "faces": 800}],
        "cv_groups": {"largest_gap": {"group": "60+", "points": -14.6}},
    },
    "metrics": {"new": {
        "celeba": {"groups": {"groups": {}},
                   "degraded": {"noise": _degraded(0.235, -0.03), "blur": _degraded(-0.01, 0.293)}},
        "utkface": {
            "groups": {"groups": {"race x gender": {"Black female": _group(0.75, 64),
                                                    "Black male": _group(0.97, 64),
                                                    "Asian female": _group(0.70, 12)}}},
            "degraded": {"noise": _degraded(0.084, -0.014)},
        },
    }},
}


def test_known_failures_name_the_weakest_groups_the_gap_and_the_test_splits_weakest():
    lines = known_failures(CARD)
    assert "women aged 60+ (79%)" in lines[0]
    assert "15 points, at the expense of women" in lines[1]
    # Groups under 30 faces are too noisy to name: Asian women (12 faces) are left out.
    assert lines[2] == ("On the UTKFace test photos, end to end, the lowest recall is that of "
                        "Black women (75%) and Black men (97%).")


def test_known_failures_name_the_degradation_that_costs_each_gender_most():
    lines = known_failures(CARD)
    assert ("On worse photos, women's recall falls most with sensor noise: by 23.5 points on "
            "CelebA test photos, read as men.") in lines
    assert ("On worse photos, men's recall falls most with blur: by 29.3 points on CelebA test "
            "photos, read as women.") in lines


def test_the_report_shows_the_earlier_model_under_every_degradation():
    """Degradation names hold dots (gamma0.7): the earlier model's column must still find them."""
    def split(recall: float) -> dict:
        return {"degraded": {name: {"recall": {"female": recall, "male": recall},
                                    "recall_drop": {"female": 0.0, "male": 0.0}}
                             for name in DEGRADATIONS}}

    card = {"metrics": {"new": {"celeba": split(0.9)},
                        "earlier": {"celeba": split(0.8)},
                        "earlier_model_version": "old"}}
    report = format_report(card).splitlines()
    for name in DEGRADATIONS:
        rows = [line for line in report if line.startswith(f"| {name} |")]
        assert len(rows) == 1 and rows[0].endswith("| 80.0% / 80.0% |"), (name, rows)
