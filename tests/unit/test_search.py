"""The grouped search's codes and decisions are the served pipeline's, fold by fold (seeded
synthetic faces: no dataset)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from facegender.features import Channel, LbpParams
from facegender.preprocessing import FACE_SIZE, mirror
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from training.codespace import ChannelPCA, ChannelSpec, build_union
from training.fit import TrainedModel, fit_final
from training.folds import cached_features, fit_folds, fold_codes
from training.recipes import COARSE_HOG, HOG, PIXELS
from training.search import Candidate, Probes, TrainingCopies, build_svm, grid_search

#: Every way a channel's codes are scaled: whitened, one shared scale, a weight.
CANDIDATE = Candidate((ChannelSpec(PIXELS, 12), ChannelSpec(HOG, 8, weight=0.7, whiten=False)),
                      C=3.0, gamma_scale=1.2)
SPLITS = 2


@pytest.fixture(scope="module")
def people():
    """60 smooth random faces, two a person, the second class lighter on its left half, with
    uneven sample weights."""
    rng = np.random.default_rng(0)
    y = np.repeat(rng.permutation(np.arange(30) % 2), 2)
    faces = np.stack([cv2.GaussianBlur(rng.normal(0.5, 0.2, (FACE_SIZE, FACE_SIZE)), (0, 0), 3)
                      for _ in y])
    faces[y == 1, :, :FACE_SIZE // 2] += 0.05
    faces = np.clip(faces, 0.0, 1.0)
    return faces, y, np.arange(len(y)) // 2, rng.uniform(0.5, 2.0, len(y))


@pytest.fixture(scope="module")
def first_fold(people):
    """The search's first fold, and the served pipeline fitted on its training faces."""
    faces, y, groups, weights = people
    train, test = next(GroupKFold(n_splits=SPLITS).split(faces, y, groups))
    pipeline = Pipeline([("channels", build_union(CANDIDATE.channels)),
                         ("svm", build_svm(CANDIDATE))])
    pipeline.fit(flat(faces[train]), y[train], svm__sample_weight=weights[train])
    return train, test, pipeline


def flat(faces):
    return faces.reshape(len(faces), -1)


def test_a_fold_codes_are_the_pipeline_codes_fitted_on_that_fold(people, first_fold):
    faces = people[0]
    train, _, pipeline = first_fold
    sizes = {spec.channel: spec.n_components for spec in CANDIDATE.channels}
    fitted = fit_folds(cached_features(faces, sizes, n_jobs=1), sizes, [train], n_jobs=1)
    _, codes = fold_codes(CANDIDATE.channels, {channel: fitted[channel, 0] for channel in sizes})

    union = pipeline.named_steps["channels"]
    every = np.arange(len(faces))
    # The search keeps features and projections in float32: the codes agree to its precision.
    np.testing.assert_allclose(codes(every), union.transform(flat(faces)), rtol=0, atol=1e-5)
    np.testing.assert_allclose(codes(every, mirrored_faces=True),
                               union.transform(flat(mirror(faces))), rtol=0, atol=1e-5)


def test_features_computed_in_chunks_into_files_are_each_channels_own(people, tmp_path):
    """Chunks of rows computed on two workers and written into memory-mapped files in their
    place: every face's features, and the first rows' mirror images', as one call gives them;
    two scales of one channel (one name) each keep their own."""
    faces = people[0]
    features = cached_features(faces, [PIXELS, HOG, COARSE_HOG], n_jobs=2, mirrored_rows=25,
                               scratch=str(tmp_path), chunk=7)
    for channel, (plain, mirrored) in features.items():
        assert isinstance(plain, np.memmap) and plain.dtype == np.float32
        np.testing.assert_array_equal(plain, channel.extract(faces).astype(np.float32))
        np.testing.assert_array_equal(mirrored,
                                      channel.extract(mirror(faces[:25])).astype(np.float32))


def test_a_fold_decisions_are_those_of_the_pipeline_fitted_on_that_fold(people, first_fold):
    """Out of fold and mirror-averaged, as served (``TrainedModel.decision``)."""
    faces, y, groups, weights = people
    _, test, pipeline = first_fold
    search = grid_search(faces, y, groups, weights, [CANDIDATE], n_splits=SPLITS, n_jobs=1)
    served = TrainedModel(pipeline, (0.0, 0.0), True, ("female", "male"), CANDIDATE)
    np.testing.assert_allclose(search.decisions[0, test], served.decision(faces[test]),
                               rtol=0, atol=1e-6)


def test_training_copies_join_the_folds_that_train_on_their_person_and_are_never_scored(people):
    """A copy (here a blurred one of some faces, in shuffled order) is a training row, with its
    owner's label and weight, of each fold whose training set holds its owner; never a test row
    or a decision. Probes and a subsample of people ride along, so a copy's row, its owner's row
    among all faces and its owner's position among the used faces are three different numbers."""
    faces, y, groups, weights = people
    blurred = np.stack([cv2.GaussianBlur(face, (0, 0), 2) for face in faces])
    owner = np.arange(len(faces))[::-3]
    copies = TrainingCopies(blurred[owner], owner)
    probes = Probes(faces[1::4][::-1] * 0.9, np.arange(len(faces))[1::4][::-1])
    search = grid_search(faces, y, groups, weights, [CANDIDATE], n_splits=SPLITS, n_jobs=1,
                         max_samples=40, probes=probes, copies=copies)
    used = search.index
    assert 0 < len(used) < len(faces) and search.decisions.shape == (1, len(used))

    position = {face: i for i, face in enumerate(used)}
    copied = np.array([position.get(face, -1) for face in owner])
    probed = np.array([position.get(face, -1) for face in probes.owner])
    for train, test in GroupKFold(n_splits=SPLITS).split(used, y[used], groups[used]):
        extra = np.flatnonzero(np.isin(copied, train))
        rows = np.concatenate([used[train], owner[extra]])
        pipeline = Pipeline([("channels", build_union(CANDIDATE.channels)),
                             ("svm", build_svm(CANDIDATE))])
        pipeline.fit(flat(np.concatenate([faces[used[train]], blurred[owner[extra]]])), y[rows],
                     svm__sample_weight=weights[rows])
        served = TrainedModel(pipeline, (0.0, 0.0), True, ("female", "male"), CANDIDATE)
        # The search's float32 features move libsvm's stopping point by up to 5e-4 here; copies
        # left out, or trained on in the fold that scores their person, move it by 0.08-0.28.
        np.testing.assert_allclose(search.decisions[0, test], served.decision(faces[used[test]]),
                                   rtol=0, atol=2e-3)
        scored = np.flatnonzero(np.isin(probed, test))
        assert len(scored) > 0
        np.testing.assert_allclose(
            search.probe_decisions[0, np.searchsorted(search.probe_index, scored)],
            served.decision(probes.faces[scored]), rtol=0, atol=2e-3)


def test_a_candidate_names_the_channel_parameters_that_differ_from_the_defaults():
    served = Candidate((ChannelSpec(PIXELS, 150, whiten=False),), 3.0, 1.2)
    coarse = Candidate((ChannelSpec(Channel("lbp", LbpParams(grid=6, radius=4)), 150),), 3.0, 1.2)
    assert served.describe() == "pixels 150 unwhitened, C 3, gamma 1.2/d"
    assert coarse.describe() == "lbp (grid 6, radius 4) 150, C 3, gamma 1.2/d"


def test_the_final_fit_trains_on_the_copies_with_their_owners_labels_and_weights(people):
    """The served model of a candidate searched with copies is fitted on the faces and the
    copies alike (each copy with its owner's label and weight), and calibrated on the faces'
    out-of-fold decisions alone. A small C puts most faces and copies at their weight's bound,
    so a copy's weight matters."""
    faces, y, groups, weights = people
    candidate = dataclasses.replace(CANDIDATE, C=0.1)
    owner = np.arange(len(faces))[::-2]
    copies = TrainingCopies(np.stack([cv2.GaussianBlur(faces[o], (0, 0), 2) for o in owner]),
                            owner)
    search = grid_search(faces, y, groups, weights, [candidate], n_splits=SPLITS, n_jobs=1,
                         copies=copies)
    trained = fit_final(faces, y, weights, search, 0, ("female", "male"), copies=copies)

    rows = np.concatenate([np.arange(len(faces)), owner])
    expected = Pipeline([("channels", build_union(candidate.channels)),
                         ("svm", build_svm(candidate))])
    expected.fit(flat(np.concatenate([faces, copies.faces])), y[rows],
                 svm__sample_weight=weights[rows])
    without = fit_final(faces, y, weights, search, 0, ("female", "male"))
    np.testing.assert_allclose(trained.pipeline.decision_function(flat(faces)),
                               expected.decision_function(flat(faces)), rtol=0, atol=1e-9)
    assert np.abs(without.pipeline.decision_function(flat(faces))
                  - expected.decision_function(flat(faces))).max() > 1e-3
    assert trained.calibration == without.calibration


def test_the_final_fit_of_float32_grey_level_crops_is_that_of_their_float64_values(people):
    """Training crops are float32 grey levels k / 255: the final fit takes them as they are."""
    faces, y, groups, weights = people
    crops = np.rint(faces * 255.0).astype(np.float32) / np.float32(255.0)
    search = grid_search(crops, y, groups, weights, [CANDIDATE], n_splits=SPLITS, n_jobs=1)
    as_float32 = fit_final(crops, y, weights, search, 0, ("female", "male"))
    as_float64 = fit_final(crops.astype(np.float64), y, weights, search, 0, ("female", "male"))
    np.testing.assert_allclose(as_float32.decision(crops), as_float64.decision(crops),
                               rtol=0, atol=1e-9)


def test_a_channel_pca_that_overwrites_its_rows_refuses_fit_transform(people):
    rows = people[0].reshape(len(people[0]), -1).copy()
    with pytest.raises(ValueError, match="overwrites"):
        ChannelPCA(5, copy=False).fit_transform(rows)
