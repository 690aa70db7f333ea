"""facegender: find faces with a Haar cascade and guess apparent binary gender presentation
with eigenfaces (PCA) and an SVM, evaluated with numpy alone.

>>> from facegender import FaceService
>>> reply = FaceService.load().classify(open("photo.jpg", "rb").read())
"""

import os

# One BLAS thread per request: see service.use_one_thread_per_request. Set before NumPy loads
# OpenBLAS (the entry points import this package first); an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .detection import Box, DetectorParams, detect_faces  # noqa: E402
from .errors import FaceGenderError  # noqa: E402
from .imaging import DecodedImage, decode_image  # noqa: E402
from .model import EigenfaceModel  # noqa: E402
from .eyes import Eyes, EyeSearch, find_eyes  # noqa: E402
from .preprocessing import FACE_SIZE, CropParams, crop_face, eyes_to_align  # noqa: E402
from .service import FaceService  # noqa: E402

__all__ = [
    "FACE_SIZE",
    "Box",
    "CropParams",
    "DecodedImage",
    "DetectorParams",
    "EigenfaceModel",
    "EyeSearch",
    "Eyes",
    "FaceGenderError",
    "FaceService",
    "crop_face",
    "decode_image",
    "detect_faces",
    "eyes_to_align",
    "find_eyes",
]
