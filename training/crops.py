"""Detect and crop the faces of a whole dataset with the serving code, in parallel, cached.

Detection dominates the cost (about 12 ms an image), so boxes and crops are cached separately
by ``joblib.Memory``: trying another crop framing re-uses the boxes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import numpy as np
from joblib import Memory, Parallel, delayed
from tqdm.auto import tqdm

from facegender.detection import Box, DetectorParams, detect_faces
from facegender.imaging import decode_image
from facegender.eyes import EyeSearch
from facegender.preprocessing import FACE_SIZE, CropParams, crop_face, eyes_to_align
from facegender.service import use_one_thread_per_request

log = logging.getLogger(__name__)
CHUNK = 64


def largest_face_boxes(
    paths: np.ndarray,
    detect: Callable[[np.ndarray], list[Box]],
    *,
    memory: Memory,
    n_jobs: int = 2,
    desc: str = "detect",
) -> list[Box | None]:
    """The largest detected face of each image (``None`` where none was found)."""
    cached = memory.cache(_boxes_for_chunk)
    chunks = [paths[i:i + CHUNK].tolist() for i in range(0, len(paths), CHUNK)]
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(cached)(chunk, detect) for chunk in chunks
    )
    boxes: list[Box | None] = []
    for chunk_boxes in tqdm(results, total=len(chunks), desc=desc, unit="chunk", leave=False):
        boxes.extend(chunk_boxes)
    return boxes


def crop_boxes(
    paths: np.ndarray,
    boxes: list[Box | None],
    params: CropParams,
    *,
    memory: Memory,
    n_jobs: int = 2,
    desc: str = "crop",
) -> np.ndarray:
    """Preprocessed faces, shape (n, FACE_SIZE, FACE_SIZE); rows without a box are NaN."""
    cached = memory.cache(_crops_for_chunk)
    jobs = [
        (paths[i:i + CHUNK].tolist(), boxes[i:i + CHUNK])
        for i in range(0, len(paths), CHUNK)
    ]
    # The eye search's settings are an argument so that they are part of the cache key.
    search = EyeSearch()
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(cached)(chunk, chunk_boxes, params, search) for chunk, chunk_boxes in jobs
    )
    parts = [r for r in tqdm(results, total=len(jobs), desc=desc, unit="chunk", leave=False)]
    return np.concatenate(parts) if parts else np.empty((0, FACE_SIZE, FACE_SIZE), np.float32)


def serving_detector(params: DetectorParams) -> Callable[[np.ndarray], list[Box]]:
    """The detector the service uses, as a picklable callable."""
    return _ServingDetector(params)


class _ServingDetector:
    def __init__(self, params: DetectorParams):
        self.params = params

    def __call__(self, gray: np.ndarray) -> list[Box]:
        return detect_faces(gray, self.params)

    def __repr__(self) -> str:  # part of the joblib cache key
        return f"serving{self.params}"


def _gray(path: str) -> np.ndarray:
    return decode_image(Path(path).read_bytes(), max_bytes=50_000_000).pixels


def _boxes_for_chunk(paths: list[str], detect) -> list[Box | None]:
    out = []
    for path in paths:
        faces = detect(_gray(path))
        out.append(max(faces, key=lambda b: b.area) if faces else None)
    return out


def _crops_for_chunk(paths: list[str], boxes: list, params: CropParams,
                     search: EyeSearch = EyeSearch()) -> np.ndarray:
    use_one_thread_per_request()  # OpenCV as the service runs it
    faces = np.full((len(paths), FACE_SIZE, FACE_SIZE), np.nan, dtype=np.float32)
    for i, (path, box) in enumerate(zip(paths, boxes)):
        if box is not None:
            gray, box = _gray(path), Box(*box)
            faces[i] = crop_face(gray, box, params, eyes_to_align(gray, box, params, search))
    return faces
