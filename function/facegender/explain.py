"""Why the model labelled a face: occlusion sensitivity over a grid, and the facial regions.

Each patch of a grid over the 100x100 crop is hidden in turn (replaced by the mean face's
pixels there) and the change in the calibrated probability is recorded. The occluded copies go
through :meth:`FaceModel.predict` as one batch, so the map measures the whole served model:
every feature channel, the mirror-image average and the Platt calibration, with the model's
own code and nothing re-implemented here.

Why the mean face as the "grey": the eigenfaces channel codes the mean face as all zeros, so a
patch of it carries no evidence for either label there; and it is shaded like an average face
at that place (brighter cheeks, darker eyes), so it draws fewer edges of its own into the HOG
and LBP channels than a flat grey square would. ``python -m benchmarks explain`` compares it
with the crop's mean grey on the faithfulness figure.

The regions (:data:`REGIONS`) are bands of the aligned crop placed relative to its eye line,
so their names mean the same place on every face the crop aligns on its eyes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .eigenfaces import mean_face
from .model import FaceModel
from .preprocessing import FACE_SIZE, CropParams

#: Region names, in the order of :func:`region_map`'s indices.
REGIONS = ("forehead", "eyes", "nose", "mouth", "jaw", "hair/edges")
#: Bands between the regions, as offsets from the eye line in eye spans (the distance between
#: the eyes): forehead from -0.75 to -0.3, eyes (with the brows) to +0.25, nose (with the
#: cheeks) to +0.8, mouth to +1.3, the jaw below. Above the forehead and more than one eye
#: span either side of the centre line is hair/edges. Measured off the typical adult face:
#: the mouth sits about one eye span below the eyes, the face about two spans wide.
_BANDS = (("forehead", -0.75), ("eyes", -0.3), ("nose", 0.25), ("mouth", 0.8), ("jaw", 1.3))
_FACE_HALF_WIDTH = 1.0
FILLS = ("mean_face", "crop_mean")
#: Regions listed in ``top_regions`` at most, and the smallest share of the map they need.
TOP_REGIONS = 3
MIN_REGION_WEIGHT = 0.05


@dataclass(frozen=True)
class Explanation:
    """The occlusion map of one face.

    Attributes
    ----------
    effects : ndarray of shape (grid, grid)
        For each patch, the calibrated probability of ``classes[1]`` with the face whole minus
        with the patch hidden: positive where the patch pushed toward ``classes[1]``, negative
        where it pushed toward ``classes[0]``.
    patch : int
        Side of a patch in pixels of the crop.
    regions : list of dict
        ``{"region", "push", "weight"}`` for the regions that pushed the decision most
        (:func:`top_regions`): ``push`` is the label they pushed toward, ``weight`` the size
        of that push as a share of the whole map's.
    method : str
        How the map was made, in one sentence.
    probabilities : ndarray of shape (n_classes,)
        The calibrated probabilities of the whole face, from the same batch as the map.
    """

    effects: np.ndarray
    patch: int
    regions: list[dict]
    method: str
    probabilities: np.ndarray


def region_map(crop: CropParams) -> np.ndarray:
    """The region index of every pixel of a crop made with ``crop``.

    Returns
    -------
    ndarray of shape (FACE_SIZE, FACE_SIZE), dtype int
        Indices into :data:`REGIONS`.
    """
    frame = 1 + 2 * crop.margin
    eye_line = FACE_SIZE * (crop.eye_height + crop.margin) / frame
    span = FACE_SIZE * crop.eye_span / frame
    rows, cols = np.mgrid[0:FACE_SIZE, 0:FACE_SIZE] + 0.5
    offset = (rows - eye_line) / span
    out = np.full((FACE_SIZE, FACE_SIZE), REGIONS.index("hair/edges"))
    for name, start in _BANDS:
        out[offset >= start] = REGIONS.index(name)
    outside = (offset < _BANDS[0][1]) | (np.abs(cols - FACE_SIZE / 2) >= _FACE_HALF_WIDTH * span)
    out[outside] = REGIONS.index("hair/edges")
    return out


def occluded_copies(face: np.ndarray, fill: np.ndarray, patch: int) -> np.ndarray:
    """The face with each patch of a ``patch`` px grid replaced by ``fill`` in turn, row by row.

    Returns
    -------
    ndarray of shape (grid * grid, FACE_SIZE, FACE_SIZE), grid = FACE_SIZE // patch
    """
    return np.stack([hide_patches(face, fill, [i], patch) for i in range(_grid(patch) ** 2)])


def hide_patches(face: np.ndarray, fill: np.ndarray, patches, patch: int) -> np.ndarray:
    """A copy of the face with the patches numbered ``patches`` (row by row) replaced by
    ``fill``: shape (FACE_SIZE, FACE_SIZE), float64."""
    grid = _grid(patch)
    out = np.array(face, dtype=np.float64).reshape(FACE_SIZE, FACE_SIZE)
    for index in patches:
        rows = slice(index // grid * patch, (index // grid + 1) * patch)
        cols = slice(index % grid * patch, (index % grid + 1) * patch)
        out[rows, cols] = fill[rows, cols]
    return out


def explain_face(model: FaceModel, face: np.ndarray, *, patch: int = 10,
                 fill: str = "mean_face") -> Explanation:
    """Occlusion sensitivity of the served model on one crop.

    Parameters
    ----------
    model : FaceModel
    face : ndarray of shape (FACE_SIZE, FACE_SIZE), values in [0, 1]
    patch : int
        Side of the square patches; must divide FACE_SIZE (10 gives a 10x10 grid).
    fill : {"mean_face", "crop_mean"}
        What a hidden patch shows: the model's mean face there, or the crop's mean grey.
    """
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {', '.join(FILLS)}; got {fill!r}")
    face = np.asarray(face, dtype=np.float64).reshape(FACE_SIZE, FACE_SIZE)
    grey = mean_face(model) if fill == "mean_face" else np.full_like(face, face.mean())
    copies = occluded_copies(face, grey, patch)
    # The face itself rides in the same batch, so every probability comes from one call.
    probabilities = model.predict(np.concatenate([face[None], copies])).probabilities
    grid = _grid(patch)
    effects = (probabilities[0, 1] - probabilities[1:, 1]).reshape(grid, grid)
    return Explanation(effects, patch, top_regions(effects, patch, model),
                       _method(model, grid, patch, fill), probabilities[0])


def top_regions(effects: np.ndarray, patch: int, model: FaceModel) -> list[dict]:
    """The regions whose patches pushed the decision most, toward either label, largest first.

    A patch belongs to the region of its centre pixel. Each region's patches are summed by
    the label they pushed toward, so a region whose parts pushed both ways can appear twice
    (and does not cancel out to nothing); ``weight`` is that sum over the sum of every
    patch's size, so all the weights of a map add up to 1.
    """
    grid = _grid(patch)
    centres = np.arange(grid) * patch + patch // 2
    owner = region_map(model.preprocessing.crop)[np.ix_(centres, centres)].ravel()
    effects = np.asarray(effects, dtype=np.float64).ravel()
    total = np.abs(effects).sum()
    if total == 0:
        return []
    pushes = []
    for side, toward in ((effects < 0, model.classes[0]), (effects > 0, model.classes[1])):
        sums = np.bincount(owner[side], weights=np.abs(effects[side]), minlength=len(REGIONS))
        pushes += [(float(size / total), REGIONS[i], toward) for i, size in enumerate(sums)]
    pushes.sort(key=lambda item: -item[0])
    return [{"region": region, "push": toward, "weight": round(weight, 3)}
            for weight, region, toward in pushes[:TOP_REGIONS] if weight >= MIN_REGION_WEIGHT]


#: The colour of each label: the maps are drawn in them, the page reads them from GET /v1/limits
#: for its labels, and the CLI frames faces in them.
LABEL_COLOURS = {"female": "#c2410c", "male": "#1d4ed8"}
#: :data:`LABEL_COLOURS` as OpenCV's BGR triples.
MAP_COLOURS = {label: tuple(int(hex_[i:i + 2], 16) for i in (5, 3, 1))
               for label, hex_ in LABEL_COLOURS.items()}


def map_png(effects: np.ndarray, classes: tuple[str, str], scale: float | None = None) -> bytes:
    """The map as a FACE_SIZE x FACE_SIZE RGBA PNG, aligned with the crop.

    Each patch is one flat square in the colour of the label it pushed toward
    (:data:`MAP_COLOURS`; ``effects`` > 0 is ``classes[1]``), as opaque as its effect is
    large next to ``scale`` (by default the map's largest), transparent where hiding it
    changed nothing: a diverging scale with no colour at zero.
    """
    effects = np.asarray(effects, dtype=np.float64)
    scale = float(np.abs(effects).max()) if scale is None else scale
    strength = np.clip(np.abs(effects) / scale, 0.0, 1.0) if scale > 0 else np.zeros_like(effects)
    colours = np.where((effects > 0)[..., None], MAP_COLOURS[classes[1]],
                       MAP_COLOURS[classes[0]])
    bgra = np.concatenate([colours, np.rint(strength * 255)[..., None]], axis=-1).astype(np.uint8)
    bgra = cv2.resize(bgra, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_NEAREST)
    ok, encoded = cv2.imencode(".png", bgra)
    if not ok:  # pragma: no cover - OpenCV only fails here on an empty array
        raise ValueError("Cannot encode the map as PNG")
    return encoded.tobytes()


def _grid(patch: int) -> int:
    if patch < 1 or FACE_SIZE % patch:
        raise ValueError(f"patch must divide {FACE_SIZE}; got {patch}")
    return FACE_SIZE // patch


def _method(model: FaceModel, grid: int, patch: int, fill: str) -> str:
    grey = "the mean face's pixels" if fill == "mean_face" else "the crop's mean grey"
    channels = ", ".join(c.channel.name for c in model.channels)
    mirror = ", averaged with the mirror image" if model.mirror_average else ""
    return (f"Occlusion sensitivity: each of the {grid}x{grid} patches of {patch}x{patch} "
            f"pixels of the crop was replaced by {grey} in turn, and the map shows how much "
            f"the calibrated probability changed; computed with the whole model "
            f"({channels} features{mirror}, Platt-calibrated), all copies in one batch.")
