"""Find and crop the face of every image of a dataset, in parallel, cached.

The served recipe goes through :func:`facegender.faces.find_faces`, the function the service
calls, with the recipe's :class:`~facegender.faces.Preprocessing`; the largest face of an image
is its training face. Detection dominates the cost (about 15-25 ms an image), so each chunk's
crops are cached by ``joblib.Memory``, keyed by the paths, every preprocessing value and a
digest of the serving modules a crop depends on (joblib itself only tracks the cached
function's own code): a change to detection, eyes, crops or decoding makes new crops.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Callable

import numpy as np
from joblib import Memory, Parallel, delayed
from tqdm.auto import tqdm

import facegender
from facegender.detection import Box
from facegender.eyes import Eyes
from facegender.faces import Preprocessing, find_faces
from facegender.imaging import decode_image
from facegender.preprocessing import FACE_SIZE, CropParams, crop_face
from facegender.service import use_one_thread_per_request

from . import degrade

CHUNK = 64
#: The serving modules between an image file and its crop.
CROP_MODULES = ("imaging", "geometry", "cascades", "haar", "detection", "eyes", "preprocessing",
                "faces")


@cache
def crop_code_digest() -> str:
    """A digest of :data:`CROP_MODULES`' source: part of every crop cache key."""
    package = Path(facegender.__file__).parent
    digest = hashlib.sha256()
    for name in CROP_MODULES:
        digest.update((package / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def dataset_faces(paths: np.ndarray, preprocessing: Preprocessing, *, memory: Memory,
                  n_jobs: int = 2, desc: str = "faces") -> np.ndarray:
    """The model input of each image's largest face, as served.

    Returns
    -------
    ndarray of shape (n, FACE_SIZE, FACE_SIZE), dtype float32
        NaN rows where no face was found.
    """
    return dataset_faces_and_framings(paths, preprocessing, memory=memory, n_jobs=n_jobs,
                                      desc=desc)[0]


def dataset_faces_and_framings(paths: np.ndarray, preprocessing: Preprocessing, *,
                               memory: Memory, n_jobs: int = 2,
                               desc: str = "faces") -> tuple[np.ndarray, np.ndarray]:
    """:func:`dataset_faces`, and where each face was found, so crops can be reframed.

    Returns
    -------
    faces : ndarray of shape (n, FACE_SIZE, FACE_SIZE), dtype float32
        NaN rows where no face was found.
    framings : ndarray of shape (n, 8), dtype float64
        The face box (x, y, width, height) and the eyes the crop is aligned on (left x, y,
        right x, y; NaN for a box crop); NaN rows where no face was found. ``crop_face(gray,
        box, preprocessing.crop, eyes)`` gives the face back (tested), and a crop of other
        :class:`~facegender.preprocessing.CropParams` without a new detection.
    """
    parts = _map_chunks(memory.cache(_served_faces), paths, (preprocessing, crop_code_digest()),
                        n_jobs, desc)
    if not parts:
        return np.empty((0, FACE_SIZE, FACE_SIZE), np.float32), np.empty((0, 8))
    return (np.concatenate([faces for faces, _ in parts]),
            np.concatenate([framings for _, framings in parts]))


def reframed_faces(paths: np.ndarray, framings: np.ndarray, crop: CropParams, *,
                   memory: Memory, n_jobs: int = 2, desc: str = "reframed") -> np.ndarray:
    """Crops with other :class:`CropParams` from the framings of
    :func:`dataset_faces_and_framings`, without detecting again (for the ablation of margins
    and normalisations).

    The eyes are those the served search found, so ``align_eyes`` cannot be switched on
    here; the result has NaN rows where no face was found.
    """
    chunks = [(paths[i:i + CHUNK].tolist(), framings[i:i + CHUNK])
              for i in range(0, len(paths), CHUNK)]
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(memory.cache(_reframed))(chunk, where, crop, crop_code_digest())
        for chunk, where in chunks)
    parts = list(tqdm(results, total=len(chunks), desc=desc, unit="chunk", leave=False))
    return np.concatenate(parts) if parts else np.empty((0, FACE_SIZE, FACE_SIZE), np.float32)


def seed_faces(paths: np.ndarray, detect: Callable[[np.ndarray], list[Box]], crop: CropParams,
               *, memory: Memory, n_jobs: int = 2, desc: str = "seed faces") -> np.ndarray:
    """Like :func:`dataset_faces`, with another detector and a plain box crop (the seed
    recipe reproduces the original app's detection)."""
    parts = _map_chunks(memory.cache(_seed_faces), paths, (detect, crop, crop_code_digest()),
                        n_jobs, desc)
    return np.concatenate(parts) if parts else np.empty((0, FACE_SIZE, FACE_SIZE), np.float32)


def degraded_faces(paths: np.ndarray, face_widths: np.ndarray, degradation: str,
                   preprocessing: Preprocessing, *, memory: Memory, n_jobs: int = 2,
                   desc: str = "degraded") -> np.ndarray:
    """:func:`dataset_faces` of degraded copies of the photos (:mod:`training.degrade`).

    Each photo is degraded before detection, with ``face_widths`` (its face's width as found
    on the clean photo: the ``small`` and ``blur`` degradations scale with it), then goes
    through the served path; NaN rows where no face is found in the copy (or none was in the
    clean photo, NaN width).
    """
    chunks = [(paths[i:i + CHUNK].tolist(), face_widths[i:i + CHUNK])
              for i in range(0, len(paths), CHUNK)]
    digest = crop_code_digest() + hashlib.sha256(
        Path(degrade.__file__).read_bytes()).hexdigest()[:16]
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(memory.cache(_degraded_faces))(chunk, widths, degradation, preprocessing, digest)
        for chunk, widths in chunks)
    parts = list(tqdm(results, total=len(chunks), desc=desc, unit="chunk", leave=False))
    return np.concatenate(parts) if parts else np.empty((0, FACE_SIZE, FACE_SIZE), np.float32)


def found(faces: np.ndarray) -> np.ndarray:
    """Which rows of :func:`dataset_faces`' output hold a face."""
    return ~np.isnan(faces[:, 0, 0])


def _map_chunks(cached, paths: np.ndarray, args: tuple, n_jobs: int, desc: str) -> list:
    chunks = [paths[i:i + CHUNK].tolist() for i in range(0, len(paths), CHUNK)]
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(cached)(chunk, *args) for chunk in chunks)
    return list(tqdm(results, total=len(chunks), desc=desc, unit="chunk", leave=False))


def _gray(path: str) -> np.ndarray:
    return decode_image(Path(path).read_bytes(), max_bytes=50_000_000).pixels


def _served_faces(paths: list[str], preprocessing: Preprocessing, code_digest: str):
    del code_digest  # only part of the cache key
    use_one_thread_per_request()  # OpenCV as the service runs it
    faces = np.full((len(paths), FACE_SIZE, FACE_SIZE), np.nan, dtype=np.float32)
    framings = np.full((len(paths), 8), np.nan)
    for i, path in enumerate(paths):
        found_faces = find_faces(_gray(path), preprocessing, max_faces=1)
        if found_faces:
            face = found_faces[0]
            faces[i] = face.crop
            framings[i, :4] = face.box
            if face.eyes is not None:
                framings[i, 4:] = (*face.eyes.left, *face.eyes.right)
    return faces, framings


def _reframed(paths: list[str], framings: np.ndarray, crop: CropParams,
              code_digest: str) -> np.ndarray:
    del code_digest  # only part of the cache key
    use_one_thread_per_request()
    faces = np.full((len(paths), FACE_SIZE, FACE_SIZE), np.nan, dtype=np.float32)
    for i, (path, where) in enumerate(zip(paths, framings)):
        if np.isnan(where[0]):
            continue
        box = Box(*(int(v) for v in where[:4]))
        eyes = None if np.isnan(where[4]) else Eyes((where[4], where[5]), (where[6], where[7]))
        faces[i] = crop_face(_gray(path), box, crop, eyes)
    return faces


def _degraded_faces(paths: list[str], face_widths: np.ndarray, degradation: str,
                    preprocessing: Preprocessing, code_digest: str) -> np.ndarray:
    del code_digest  # only part of the cache key
    use_one_thread_per_request()
    faces = np.full((len(paths), FACE_SIZE, FACE_SIZE), np.nan, dtype=np.float32)
    for i, (path, width) in enumerate(zip(paths, face_widths)):
        if np.isnan(width):
            continue
        gray = degrade.degrade(_gray(path), degradation, width, Path(path).name)
        found_faces = find_faces(gray, preprocessing, max_faces=1)
        if found_faces:
            faces[i] = found_faces[0].crop
    return faces


def _seed_faces(paths: list[str], detect, crop: CropParams, code_digest: str) -> np.ndarray:
    del code_digest  # only part of the cache key
    faces = np.full((len(paths), FACE_SIZE, FACE_SIZE), np.nan, dtype=np.float32)
    for i, path in enumerate(paths):
        gray = _gray(path)
        boxes = detect(gray)
        if boxes:
            faces[i] = crop_face(gray, max(boxes, key=lambda b: b.area), crop)
    return faces
