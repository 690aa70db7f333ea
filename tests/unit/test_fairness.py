"""Who the model fails: group tables, the fair threshold, group weights, probes, degradations."""

from __future__ import annotations

import numpy as np
import pytest

from training.data import Samples
from training.degrade import DEGRADATIONS, SMALL_FACE, degrade, degraded_png
from training.fairness import choose_fairest, fair_threshold, misread_weights
from training.codespace import ChannelSpec
from training.fit import calibrate_at
from training.search import Candidate, Probes, grid_search
from training.groups import equal_recall_threshold, group_table
from training.recipes import PIXELS


def _samples(y, dataset="utkface", race="Black", age_group="40-59", age=45, source="utkface"):
    n = len(y)

    def column(value):
        return np.array(value if isinstance(value, (list, np.ndarray)) else [value] * n,
                        dtype=object)
    return Samples(paths=np.array([f"{i}.jpg" for i in range(n)]), y=np.asarray(y),
                   group=np.array([f"g{i}" for i in range(n)]), dataset=column(dataset),
                   source=column(source), race=column(race), age_group=column(age_group),
                   age=np.full(n, age) if np.isscalar(age) else np.asarray(age))


def test_equal_recall_threshold_equalises_both_recalls():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 500)
    decisions = rng.normal(0.0, 1.0, 1000) + np.where(y == 1, 1.5, 0.5)  # leans male
    t = equal_recall_threshold(decisions, y)
    female, male = (decisions[y == 0] < t).mean(), (decisions[y == 1] >= t).mean()
    assert abs(female - male) <= 0.004
    assert t > 0.5  # moved towards the men's side, as the women were read as men


def test_a_face_of_weight_two_counts_as_two_faces():
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], 50)
    decisions = rng.normal(np.where(y == 1, 1.0, 0.0), 1.0)
    weights = rng.integers(1, 4, 100)
    repeated = equal_recall_threshold(np.repeat(decisions, weights), np.repeat(y, weights))
    assert equal_recall_threshold(decisions, y, weights) == pytest.approx(repeated)
    assert equal_recall_threshold(decisions, y) != pytest.approx(repeated)


def test_group_table_names_the_worst_group_and_the_female_minus_male_gap():
    y = np.repeat([0, 1, 0, 1], 40)
    race = np.repeat(["Black", "Black", "White", "White"], 40)
    right = np.ones(160, dtype=bool)
    right[:20] = False  # half the Black women misread
    table = group_table(_samples(y, race=race), right)
    assert table["worst"] == {"group": "Black female", "recall": 0.5}
    assert table["gaps"]["race x gender"] == {"Black": -50.0, "White": 0.0}
    assert table["groups"]["age x gender"]["40-59 female"] == {"faces": 80, "recall": 0.75}
    assert table["largest_gap"] == {"group": "Black", "points": -50.0}


def test_group_table_leaves_children_out_of_the_adult_groups():
    y = np.array([0, 1] * 40)
    table = group_table(_samples(y, age=8, age_group="0-12"), np.zeros(80, dtype=bool))
    assert table["groups"]["race x gender"] == {}
    assert table["worst"]["group"] is None


def test_misread_weights_raise_the_misread_cells_and_keep_mean_one():
    y = np.repeat([0, 1], 100)
    right = np.ones(200, dtype=bool)
    right[:30] = False  # women misread
    right[100:105] = False
    weights = misread_weights(_samples(y), right, strength=1.0)
    assert weights.mean() == pytest.approx(1.0)
    assert weights[0] > 2 * weights[150]
    assert np.all(misread_weights(_samples(y), right, strength=0.0) == 1.0)
    assert np.all(misread_weights(_samples(y), np.ones(200, dtype=bool), strength=1.0) == 1.0)


def test_fair_threshold_weighs_each_dataset_equally():
    y = np.array([0] * 10 + [1] * 10 + [0] * 100 + [1] * 100)
    dataset = ["celeba"] * 20 + ["utkface"] * 200
    # CelebA is read well at 0; UTKFace's women sit at +0.4, its men at +1.
    decisions = np.array([-1.0] * 10 + [1.0] * 10 + [0.4] * 100 + [1.0] * 100)
    t = fair_threshold(decisions, _samples(y, dataset=dataset))
    assert 0.4 < t < 1.0


def test_calibration_at_the_threshold_gives_one_half_there():
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], 300)
    decisions = rng.normal(np.where(y == 1, 1.0, -1.0), 1.0)
    a, b = calibrate_at(0.3, decisions, y)
    assert 1.0 / (1.0 + np.exp(a * 0.3 + b)) == pytest.approx(0.5)
    assert a < 0  # p(male) rises with the decision value


def test_choose_fairest_prefers_the_worst_group_among_accuracy_ties():
    from training.fairness import Assessment

    def assessment(first_wrong, n_wrong, worst):
        right = np.ones(10_000, dtype=bool)
        right[first_wrong:first_wrong + n_wrong] = False
        return Assessment(0.0, right, right[:0], float(right.mean()), "g", worst, {})

    # 1,000 against 1,010 faces wrong, mostly other faces: a tie (paired standard error 0.3
    # points); 1,300 wrong is far behind, however fair.
    options = [assessment(0, 1000, 0.80), assessment(500, 1010, 0.86),
               assessment(0, 1300, 0.95)]
    assert choose_fairest(options) == 1


def test_a_probe_is_scored_by_the_fold_model_that_never_saw_its_person():
    rng = np.random.default_rng(0)
    n = 90
    y = np.repeat([0, 1], n // 2)
    faces = np.clip(rng.normal(0.5, 0.1, (n, 100, 100)) + y[:, None, None] * 0.05, 0, 1)
    faces = faces.astype(np.float32)
    owners = np.array([3, 50, 77])
    probes = Probes(faces[owners].copy(), owners)  # exact copies of their owners' faces
    candidate = Candidate((ChannelSpec(PIXELS, 5),), 1.0, 1.0)
    search = grid_search(faces, y, np.arange(n).astype(str), np.ones(n), [candidate],
                         n_jobs=1, probes=probes)
    assert np.array_equal(search.probe_index, np.arange(3))
    position = {face: i for i, face in enumerate(search.index)}
    owner_decisions = search.decisions[0, [position[o] for o in owners]]
    np.testing.assert_allclose(search.probe_decisions[0], owner_decisions, atol=1e-4)


@pytest.mark.parametrize("name", sorted(DEGRADATIONS))
def test_each_degradation_is_repeatable_and_stays_a_grey_photo(name):
    gray = (np.arange(200 * 300) % 251).astype(np.uint8).reshape(200, 300)
    first = degrade(gray, name, face_width=120, key="a.jpg")
    assert first.dtype == np.uint8 and first.ndim == 2
    assert np.array_equal(first, degrade(gray, name, face_width=120, key="a.jpg"))
    assert not np.array_equal(first, gray)


def test_small_scales_the_face_to_about_fifty_pixels():
    gray = np.zeros((400, 600), np.uint8)
    small = degrade(gray, "small", face_width=200, key="a")
    assert small.shape == (400 * SMALL_FACE // 200, 600 * SMALL_FACE // 200)


def test_degraded_png_decodes_to_the_degraded_pixels():
    import cv2

    gray = (np.arange(120 * 90) % 256).astype(np.uint8).reshape(120, 90)
    png = np.frombuffer(degraded_png(gray, "noise", 60, "b.jpg"), np.uint8)
    assert np.array_equal(cv2.imdecode(png, cv2.IMREAD_GRAYSCALE),
                          degrade(gray, "noise", 60, "b.jpg"))


def test_an_unknown_degradation_names_the_known_ones():
    with pytest.raises(ValueError, match="small, jpeg30"):
        degrade(np.zeros((10, 10), np.uint8), "sepia", 10, "x")


def test_the_fair_search_adds_each_weighting_of_the_first_choice_and_assesses_all():
    import dataclasses

    from training.fairness import search_fairly
    from training.recipes import IMPROVED

    rng = np.random.default_rng(2)
    n = 90
    y = np.repeat([0, 1], n // 2)
    faces = np.clip(rng.normal(0.5, 0.1, (n, 100, 100)) + y[:, None, None] * 0.03, 0, 1)
    grid = (Candidate((ChannelSpec(PIXELS, 5),), 1.0, 1.0),)
    recipe = dataclasses.replace(IMPROVED, grid=grid, misread_strengths=(1.0, 2.0), probe_photos=0,
                                 texture_copies=False)
    fair = search_fairly(faces.astype(np.float32), _samples(y), np.full(n, 100.0), recipe,
                         memory=None, n_jobs=1)
    assert fair.labels == ["grid", "misread-group weights, strength 1",
                           "misread-group weights, strength 2"]
    assert fair.weights.shape == (3, n) and np.all(fair.weights[0] == 1.0)
    assert fair.weights[1].mean() == pytest.approx(1.0)
    assert len(fair.assessments) == 3 and fair.chosen in (0, 1, 2)
    assert fair.threshold == 0.0  # no probes: the SVM's own boundary
    assert fair.card()["chosen"] == fair.labels[fair.chosen]


def test_the_fair_search_tries_its_first_choice_with_texture_copies(monkeypatch):
    """With ``texture_copies`` the search's last candidate is its first choice trained with a
    copy of each photo (``served_texture_copies``, stubbed here: real photos are another
    test's), with the grid's weights; the copies of every photo go with it, for the final fit
    (a search of a subsample trains on those of the faces it used)."""
    import dataclasses

    import training.fairness
    from training.fairness import search_fairly
    from training.recipes import IMPROVED
    from training.search import TrainingCopies

    rng = np.random.default_rng(3)
    n = 90
    y = np.repeat([0, 1], n // 2)
    faces = np.clip(rng.normal(0.5, 0.1, (n, 100, 100)) + y[:, None, None] * 0.03, 0, 1)
    faces = faces.astype(np.float32)
    asked = []

    def copies_of(samples, rows, face_widths, preprocessing, *, memory, n_jobs):
        asked.append(rows)
        return TrainingCopies(faces[rows][:, ::-1].copy(), rows)

    monkeypatch.setattr(training.fairness, "served_texture_copies", copies_of)
    grid = (Candidate((ChannelSpec(PIXELS, 5),), 1.0, 1.0),
            Candidate((ChannelSpec(PIXELS, 5),), 3.0, 1.0))
    recipe = dataclasses.replace(IMPROVED, grid=grid, misread_strengths=(1.0,), probe_photos=0,
                                 texture_copies=True)
    fair = search_fairly(faces, _samples(y), np.full(n, 100.0), recipe, memory=None, n_jobs=1,
                         max_samples=60)

    assert fair.labels[:3] == ["grid", "grid", "misread-group weights, strength 1"]
    assert fair.labels[3].startswith("texture copies")
    assert len(fair.search.index) < n
    np.testing.assert_array_equal(asked[0], np.arange(n))
    assert fair.copies[:3] == [None] * 3
    np.testing.assert_array_equal(fair.copies[3].owner, np.arange(n))
    first = grid.index(fair.search.candidates[2])  # the misread weights' candidate too
    assert fair.search.candidates[3] == grid[first]
    np.testing.assert_array_equal(fair.weights[3], fair.weights[0])
    assert len(fair.assessments) == 4
    assert not np.allclose(fair.search.decisions[3], fair.search.decisions[first])


def test_texture_copies_are_a_noisy_and_a_blurred_crop_of_each_face_owned_by_it():
    from training.fairness_levers import texture_copies

    yy, xx = np.mgrid[0:100, 0:100]
    faces = np.stack([(0.3 + 0.4 * (xx > 50 + k)).astype(np.float32) for k in range(3)])
    copies = texture_copies(faces, np.array([7, 8, 9]))

    np.testing.assert_array_equal(copies.owner, [7, 8, 9, 7, 8, 9])
    noisy, blurred = copies.faces[:3], copies.faces[3:]
    assert copies.faces.dtype == np.float32
    assert copies.faces.min() >= 0 and copies.faces.max() <= 1
    np.testing.assert_allclose(noisy.std(axis=(1, 2)), faces.std(axis=(1, 2)), rtol=0.1)
    assert 9.2 < 255 * np.abs(noisy - faces).mean() < 9.9  # sigma 12 grey levels: 12 * 0.80
    edge = np.abs(np.diff(blurred, axis=2)).max(axis=(1, 2))
    assert np.all(edge < 0.4 / 3)
    np.testing.assert_allclose(blurred.mean(axis=(1, 2)), faces.mean(axis=(1, 2)), rtol=1e-5)


def test_served_texture_copies_are_one_degraded_photo_each_through_detection(tmp_path):
    """Real photos (skimage's public-domain astronaut), degraded before detection and cropped
    by the served path; each copy owned by its photo's row, noisy or blurred."""
    import cv2
    from joblib import Memory
    from skimage.data import astronaut

    from training.crops import dataset_faces_and_framings
    from training.probes import served_texture_copies
    from training.recipes import IMPROVED

    gray = cv2.cvtColor(astronaut(), cv2.COLOR_RGB2GRAY)
    paths = []
    for i in range(4):
        paths.append(str(tmp_path / f"photo{i}.png"))
        cv2.imwrite(paths[-1], np.roll(gray, 3 * i, axis=1))
    n = len(paths)
    train = Samples(np.array(paths), np.array([0, 1, 0, 1]), np.arange(n),
                    np.array(["utkface"] * n), np.array(["utkface"] * n), np.array(["White"] * n),
                    np.array(["20-39"] * n), np.full(n, 30))
    memory = Memory(None, verbose=0)
    clean, framings = dataset_faces_and_framings(train.paths, IMPROVED.preprocessing,
                                                 memory=memory, n_jobs=1)
    rows = np.array([3, 0, 2])
    copies = served_texture_copies(train, rows, framings[:, 2], IMPROVED.preprocessing,
                                   memory=memory, n_jobs=1)

    assert sorted(copies.owner) == sorted(rows)
    assert copies.faces.shape == (len(rows), 100, 100) and not np.isnan(copies.faces).any()
    grain = [np.abs(np.diff(f, axis=1)).mean() - np.abs(np.diff(clean[o], axis=1)).mean()
             for f, o in zip(copies.faces, copies.owner)]
    assert min(np.abs(grain)) > 0.005  # every copy is noisier or smoother than its clean crop
    assert max(grain) > 0 > min(grain)  # both kinds, for these three rows and seed 0
