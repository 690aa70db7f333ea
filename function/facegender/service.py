"""Classify one image: decode, detect, crop, classify; plain data out, shaped like the API reply."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

import numpy as np

from .detection import Box, CascadePool, Cascades
from .faces import FoundFace, find_faces
from .imaging import DecodedImage, decode_image
from .model import FaceModel
from .preprocessing import FACE_SIZE, to_png_gray
from .errors import InvalidInput
from .settings import MAX_FACES_LIMIT, Settings, get_settings
from .telemetry import Telemetry


@dataclass
class FaceService:
    """The loaded model and limits; one per process, shared by every request."""

    model: FaceModel
    settings: Settings
    telemetry: Telemetry = field(default_factory=Telemetry)

    def __post_init__(self):
        # One set of cascades per request run at once, built now (in the Lambda init phase,
        # and so in a SnapStart snapshot): no request builds one. Checking a set out is also
        # the limit on concurrency: more threads would not finish sooner on these cores, and
        # each decode may hold up to max_pixels of memory.
        self._cascades = CascadePool(self.settings.max_concurrent)
        # The feature channels' tables (HOG descriptor, LBP sampling weights) are built on
        # first use; a first prediction now keeps that out of the first request.
        self.model.predict(np.zeros((1, FACE_SIZE, FACE_SIZE), np.float32))

    @classmethod
    def load(cls, settings: Settings | None = None,
             telemetry: Telemetry | None = None) -> "FaceService":
        """Load the model from ``settings.model_dir`` and build the cascades, OpenCV on one
        thread."""
        settings = settings or get_settings()
        use_one_thread_per_request()
        return cls(FaceModel.load(settings.model_dir), settings, telemetry or Telemetry())

    def classify(self, data: bytes | str, *, include_crops: bool = False,
                 max_faces: int | None = None) -> dict:
        """Find and classify every face in an image.

        Parameters
        ----------
        data : bytes or str
            Image bytes, base64 or a data URL.
        include_crops : bool
            Add each face's model input and its eigenface reconstruction as base64 PNGs.
        max_faces : int, optional
            Classify at most this many faces, the largest first.

        Returns
        -------
        dict
            ``faces``, ``image``, ``model`` and ``timings_ms``, as in the API reply.
        """
        max_faces = self.settings.default_max_faces if max_faces is None else max_faces
        if not 1 <= max_faces <= MAX_FACES_LIMIT:
            raise InvalidInput(f"max_faces must be between 1 and {MAX_FACES_LIMIT}; "
                               f"got {max_faces}.", code="validation_error", status=422)
        with self._cascades.checkout() as cascades:
            return self._classify(data, include_crops, max_faces, cascades)

    def _classify(self, data: bytes | str, include_crops: bool, max_faces: int,
                  cascades: Cascades) -> dict:
        stage = self.telemetry.stage
        start = time.perf_counter()
        with stage("decode"):
            # Detection works on at most max_side pixels; decoding twice that keeps crops sharp.
            image = decode_image(data, max_side=2 * self.model.preprocessing.detector.max_side,
                                 max_bytes=self.settings.max_image_bytes,
                                 max_pixels=self.settings.max_pixels)
        decoded = time.perf_counter()
        with stage("detect"):
            found = find_faces(image.pixels, self.model.preprocessing, max_faces=max_faces,
                               cascades=cascades)
        detected = time.perf_counter()
        with stage("classify"):
            faces = self._classify_found(image, found, include_crops)
        done = time.perf_counter()
        return {
            "faces": faces,
            "image": {
                "width": image.width,
                "height": image.height,
                "format": image.format,
                "orientation_applied": image.orientation_applied,
            },
            "model": {"version": self.model.version},
            "timings_ms": {
                "decode": _ms(decoded - start),
                "detect": _ms(detected - decoded),
                "classify": _ms(done - detected),
                "total": _ms(done - start),
            },
        }

    def _classify_found(self, image: DecodedImage, found: list[FoundFace],
                        include_crops: bool) -> list[dict]:
        if not found:
            return []
        model = self.model
        crops = np.stack([face.crop for face in found])
        out = model.predict(crops)
        rebuilt = model.reconstruct(crops) if include_crops else None
        faces = []
        for i in range(len(crops)):
            face = _face_entry(found[i].box, image, model.classes, out.labels[i],
                               out.probabilities[i])
            if include_crops:
                face["crop_png"] = _b64png(crops[i])
                face["eigenface_png"] = _b64png(rebuilt[i])
            faces.append(face)
        return faces


def use_one_thread_per_request() -> None:
    """Run OpenCV single-threaded in this process (BLAS: ``OPENBLAS_NUM_THREADS``, set on import).

    A request's matrices are small: library thread pools only spin against the other requests
    (measured on 2 cores under load: 70-90 ms for a 1 ms projection, 5 ms for a 1 ms CLAHE).
    Lambda gives one vCPU at the default memory, and the local server gets its parallelism from
    serving requests on several threads.
    """
    import cv2

    cv2.setNumThreads(1)


def _face_entry(box: Box, image: DecodedImage, classes, label: str, probabilities) -> dict:
    full = _to_full_resolution(box, image)
    return {
        "box": full._asdict(),
        "box_relative": {
            "left": round(full.x / image.width, 4),
            "top": round(full.y / image.height, 4),
            "width": round(full.width / image.width, 4),
            "height": round(full.height / image.height, 4),
        },
        "gender": label,
        "confidence": round(float(probabilities[classes.index(label)]), 4),
        "probabilities": {c: round(float(p), 4) for c, p in zip(classes, probabilities)},
    }


def _to_full_resolution(box: Box, image: DecodedImage) -> Box:
    if image.scale == 1.0:
        return box
    x, y, w, h = box.scaled(1.0 / image.scale)
    return Box(x, y, min(w, image.width - x), min(h, image.height - y))


def _b64png(face: np.ndarray) -> str:
    return base64.b64encode(to_png_gray(np.clip(face, 0.0, 1.0))).decode("ascii")


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)
