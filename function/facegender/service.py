"""Classify one image: decode, detect, crop, classify; plain data out, shaped like the API reply."""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field

import numpy as np

from .cascades import CascadePool, Cascades
from .geometry import Box
from .eigenfaces import EIGENFACES_SHOWN, eigenface_weights, mean_face, predict_edited, reconstruct
from .explain import Explanation, explain_face, map_png
from .faces import FoundFace, find_faces
from .imaging import DecodedImage, decode_image
from .model import FaceModel
from .preprocessing import FACE_SIZE, from_grey_levels, to_png_gray
from .errors import ImageTooLarge, InvalidCrop, InvalidRequest
from .settings import MAX_FACES_LIMIT, Settings, get_settings
from .telemetry import Telemetry, stage

#: Largest crop_png accepted by :meth:`FaceService.classify_edited` and
#: :meth:`FaceService.explain` (a 100x100 PNG is at most ~30 kB).
MAX_CROP_BYTES = 100_000


@dataclass
class FaceService:
    """The loaded model and limits; one per process, shared by every request."""

    model: FaceModel
    settings: Settings
    telemetry: Telemetry = field(default_factory=Telemetry)

    def __post_init__(self):
        # The limit on requests run at once: more threads would not finish sooner on these
        # cores, and each decode may hold up to max_pixels of memory.
        self._slots = threading.BoundedSemaphore(self.settings.max_concurrent)
        # One set of cascades per slot, built now (in the Lambda init phase, and so in a
        # SnapStart snapshot): no request builds one, and one is always free to lend.
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
                 include_explanation: bool = False, max_faces: int | None = None) -> dict:
        """Find and classify every face in an image.

        Parameters
        ----------
        data : bytes or str
            Image bytes, base64 or a data URL.
        include_crops : bool
            Add each face's model input and its eigenface reconstruction as base64 PNGs, and
            its first eigenface weights.
        include_explanation : bool
            Add an occlusion map to each of the ``settings.max_explained_faces`` largest
            faces (:func:`facegender.explain.explain_face`); implies ``include_crops``.
        max_faces : int, optional
            Classify at most this many faces, the largest first.

        Returns
        -------
        dict
            ``faces``, ``image``, ``model`` and ``timings_ms``, as in the API reply.
        """
        max_faces = check_max_faces(self.settings.default_max_faces if max_faces is None
                                    else max_faces)
        with self._slots, self._cascades.checkout() as cascades:
            return self._classify(data, include_crops or include_explanation,
                                  include_explanation, max_faces, cascades)

    def classify_edited(self, crop_png: str | None, weights: list[float]) -> dict:
        """The calibrated probabilities of a face with its first eigenface weights edited.

        Parameters
        ----------
        crop_png : str or None
            The face as ``crop_png`` of a reply (a FACE_SIZE x FACE_SIZE image, base64); the
            mean face when None. The server keeps nothing between requests, so the face
            comes with every request and its other channels are computed from it again.
        weights : list of float
            Its first eigenface weights as edited (:func:`facegender.eigenfaces.predict_edited`).

        Returns
        -------
        dict
            ``gender``, ``confidence``, ``probabilities`` and ``model``, as the API reply.
        """
        model = self.model
        if len(weights) > model.n_components:
            raise InvalidRequest(f"The model has {model.n_components} eigenfaces; got "
                                 f"{len(weights)} weights.")
        face = mean_face(model) if crop_png is None else _decode_crop(crop_png)
        with self._slots:
            out = predict_edited(model, face, weights)
        return {**_label_fields(model.classes, out.probabilities[0]),
                "model": {"version": model.version}}

    def explain(self, crop_png: str) -> dict:
        """The occlusion map of one face, asked for after its prediction.

        Parameters
        ----------
        crop_png : str
            The face as ``crop_png`` of a reply (a FACE_SIZE x FACE_SIZE image, base64). It
            is the very input the face was classified from, so the explanation is the one
            ``include_explanation`` would have given it.

        Returns
        -------
        dict
            ``explanation`` (as a face's in the predict reply), ``gender``, ``confidence``,
            ``probabilities`` (of the face whole, from the map's own batch) and ``model``.
        """
        face = _decode_crop(crop_png)
        with self._slots:
            explained = explain_face(self.model, face)
        return {"explanation": self._explanation_entry(explained),
                **_label_fields(self.model.classes, explained.probabilities),
                "model": {"version": self.model.version}}

    def _classify(self, data: bytes | str, include_crops: bool, include_explanation: bool,
                  max_faces: int, cascades: Cascades) -> dict:
        span, timings = self.telemetry.stage, {}
        with stage("total", timings):
            with stage("decode", timings, span):
                # Detection works on at most max_side pixels; decoding twice that keeps crops
                # sharp.
                image = decode_image(data,
                                     max_side=2 * self.model.preprocessing.detector.max_side,
                                     max_bytes=self.settings.max_image_bytes,
                                     max_pixels=self.settings.max_pixels)
            with stage("detect", timings, span):
                found = find_faces(image.pixels, self.model.preprocessing, max_faces=max_faces,
                                   cascades=cascades)
            with stage("classify", timings, span):
                faces = self._classify_found(image, found, include_crops)
            if include_explanation:
                with stage("explain", timings, span):
                    for face, found_face in zip(faces[:self.settings.max_explained_faces], found):
                        face["explanation"] = self._explanation(found_face.crop)
        return {
            "faces": faces,
            "image": {
                "width": image.width,
                "height": image.height,
                "format": image.format,
                "orientation_applied": image.orientation_applied,
            },
            "model": {"version": self.model.version},
            "timings_ms": {name: round(ms, 2) for name, ms in timings.items()},
        }

    def _classify_found(self, image: DecodedImage, found: list[FoundFace],
                        include_crops: bool) -> list[dict]:
        if not found:
            return []
        model = self.model
        crops = np.stack([face.crop for face in found])
        out = model.predict(crops)
        if include_crops:
            rebuilt = reconstruct(model, crops)
            weights = eigenface_weights(model, crops, EIGENFACES_SHOWN)
        faces = []
        for i in range(len(crops)):
            face = _face_entry(found[i].box, image, model.classes, out.probabilities[i])
            if include_crops:
                face["crop_png"] = _b64png(crops[i])
                face["eigenface_png"] = _b64png(rebuilt[i])
                face["eigenface_weights"] = [round(float(w), 4) for w in weights[i]]
            faces.append(face)
        return faces

    def _explanation(self, crop: np.ndarray) -> dict:
        return self._explanation_entry(explain_face(self.model, crop))

    def _explanation_entry(self, explained: Explanation) -> dict:
        return {
            "method": explained.method,
            "map_png": base64.b64encode(map_png(explained.effects, self.model.classes))
                             .decode("ascii"),
            "top_regions": explained.regions,
            "patch_effects": [[round(float(v), 4) for v in row] for row in explained.effects],
        }


def check_max_faces(max_faces: int) -> int:
    """``max_faces`` when it is in range (the one check of it), else 422 ``validation_error``."""
    if not 1 <= max_faces <= MAX_FACES_LIMIT:
        raise InvalidRequest(f"max_faces must be between 1 and {MAX_FACES_LIMIT}; "
                             f"got {max_faces}.")
    return max_faces


def use_one_thread_per_request() -> None:
    """Run OpenCV single-threaded in this process (BLAS: ``OPENBLAS_NUM_THREADS``, set on import).

    A request's matrices are small: library thread pools only spin against the other requests
    (measured on 2 cores under load: 70-90 ms for a 1 ms projection, 5 ms for a 1 ms CLAHE).
    Lambda gives one vCPU at the default memory, and the local server gets its parallelism from
    serving requests on several threads.
    """
    import cv2

    cv2.setNumThreads(1)


def _decode_crop(crop_png: str) -> np.ndarray:
    """A crop_png back to the model input it was made from, value for value."""
    wrong = InvalidCrop(f"crop_png must be a {FACE_SIZE}x{FACE_SIZE} image, as crop_png in a "
                        "/v1/predict reply.")
    try:
        image = decode_image(crop_png, max_bytes=MAX_CROP_BYTES, max_pixels=FACE_SIZE ** 2)
    except ImageTooLarge:
        raise wrong from None
    if image.pixels.shape != (FACE_SIZE, FACE_SIZE):
        raise wrong
    return from_grey_levels(image.pixels)


def _face_entry(box: Box, image: DecodedImage, classes, probabilities) -> dict:
    full = _to_full_resolution(box, image)
    return {
        "box": full._asdict(),
        "box_relative": {
            "left": round(full.x / image.width, 4),
            "top": round(full.y / image.height, 4),
            "width": round(full.width / image.width, 4),
            "height": round(full.height / image.height, 4),
        },
        **_label_fields(classes, probabilities),
    }


def _label_fields(classes, probabilities) -> dict:
    """``gender`` (the likelier label, as :meth:`FaceModel.predict` labels), ``confidence``
    and ``probabilities``, as the replies give them."""
    label = classes[int(np.argmax(probabilities))]
    return {
        "gender": label,
        "confidence": round(float(np.max(probabilities)), 4),
        "probabilities": {c: round(float(p), 4) for c, p in zip(classes, probabilities)},
    }


def _to_full_resolution(box: Box, image: DecodedImage) -> Box:
    if image.scale == 1.0:
        return box
    x, y, w, h = box.scaled(1.0 / image.scale)
    return Box(x, y, min(w, image.width - x), min(h, image.height - y))


def _b64png(face: np.ndarray) -> str:
    return base64.b64encode(to_png_gray(np.clip(face, 0.0, 1.0))).decode("ascii")

