"""facegender: find faces with a Haar cascade and guess apparent binary gender presentation
with eigenfaces (PCA) and an SVM, evaluated with numpy alone.

>>> from facegender import FaceService
>>> reply = FaceService.load().classify(open("photo.jpg", "rb").read())
"""

import os

# Per-request matrices are small: a multi-threaded BLAS only spins against the other requests
# (measured: 6-60 ms a face with 2 threads under load, 1 ms with one). Parallelism comes from
# serving requests on several threads instead. An explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .detection import Box, DetectorParams, detect_faces  # noqa: E402
from .errors import FaceGenderError  # noqa: E402
from .imaging import DecodedImage, decode_image  # noqa: E402
from .model import EigenfaceModel  # noqa: E402
from .preprocessing import FACE_SIZE, CropParams, crop_face  # noqa: E402
from .service import FaceService  # noqa: E402

__all__ = [
    "FACE_SIZE",
    "Box",
    "CropParams",
    "DecodedImage",
    "DetectorParams",
    "EigenfaceModel",
    "FaceGenderError",
    "FaceService",
    "crop_face",
    "decode_image",
    "detect_faces",
]
