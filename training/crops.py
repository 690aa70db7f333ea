"""Find and crop the face of every image of a dataset, in parallel, cached.

The served recipe goes through :func:`facegender.faces.find_faces`, the function the service
calls, with the recipe's :class:`~facegender.faces.Preprocessing`; the largest face of an image
is its training face. Detection dominates the cost (about 15-25 ms an image), so each chunk's
crops are cached by ``joblib.Memory``, keyed by the paths and every preprocessing value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from joblib import Memory, Parallel, delayed
from tqdm.auto import tqdm

from facegender.detection import Box
from facegender.faces import Preprocessing, find_faces
from facegender.imaging import decode_image
from facegender.preprocessing import FACE_SIZE, CropParams, crop_face
from facegender.service import use_one_thread_per_request

CHUNK = 64


def dataset_faces(paths: np.ndarray, preprocessing: Preprocessing, *, memory: Memory,
                  n_jobs: int = 2, desc: str = "faces") -> np.ndarray:
    """The model input of each image's largest face, as served.

    Returns
    -------
    ndarray of shape (n, FACE_SIZE, FACE_SIZE), dtype float32
        NaN rows where no face was found.
    """
    return _map_chunks(memory.cache(_served_faces), paths, (preprocessing,), n_jobs, desc)


def seed_faces(paths: np.ndarray, detect: Callable[[np.ndarray], list[Box]], crop: CropParams,
               *, memory: Memory, n_jobs: int = 2, desc: str = "seed faces") -> np.ndarray:
    """Like :func:`dataset_faces`, with another detector and a plain box crop (the seed
    recipe reproduces the original app's detection)."""
    return _map_chunks(memory.cache(_seed_faces), paths, (detect, crop), n_jobs, desc)


def found(faces: np.ndarray) -> np.ndarray:
    """Which rows of :func:`dataset_faces`' output hold a face."""
    return ~np.isnan(faces[:, 0, 0])


def _map_chunks(cached, paths: np.ndarray, args: tuple, n_jobs: int, desc: str) -> np.ndarray:
    chunks = [paths[i:i + CHUNK].tolist() for i in range(0, len(paths), CHUNK)]
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(cached)(chunk, *args) for chunk in chunks)
    parts = list(tqdm(results, total=len(chunks), desc=desc, unit="chunk", leave=False))
    return np.concatenate(parts) if parts else np.empty((0, FACE_SIZE, FACE_SIZE), np.float32)


def _gray(path: str) -> np.ndarray:
    return decode_image(Path(path).read_bytes(), max_bytes=50_000_000).pixels


def _served_faces(paths: list[str], preprocessing: Preprocessing) -> np.ndarray:
    use_one_thread_per_request()  # OpenCV as the service runs it
    faces = np.full((len(paths), FACE_SIZE, FACE_SIZE), np.nan, dtype=np.float32)
    for i, path in enumerate(paths):
        found_faces = find_faces(_gray(path), preprocessing, max_faces=1)
        if found_faces:
            faces[i] = found_faces[0].crop
    return faces


def _seed_faces(paths: list[str], detect, crop: CropParams) -> np.ndarray:
    faces = np.full((len(paths), FACE_SIZE, FACE_SIZE), np.nan, dtype=np.float32)
    for i, path in enumerate(paths):
        gray = _gray(path)
        boxes = detect(gray)
        if boxes:
            faces[i] = crop_face(gray, max(boxes, key=lambda b: b.area), crop)
    return faces
