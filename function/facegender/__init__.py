"""facegender: find faces with a Haar cascade and guess apparent binary gender presentation
with eigenfaces, HOG and LBP channels (each with its own PCA) and an SVM, evaluated with numpy
alone.

>>> from facegender import FaceService
>>> reply = FaceService.load().classify(open("photo.jpg", "rb").read())
"""

import os

# One BLAS thread per request: see service.use_one_thread_per_request. Set before NumPy loads
# OpenBLAS (the entry points import this package first); an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .detection import Detection, DetectorParams, detect_faces  # noqa: E402
from .geometry import Box  # noqa: E402
from .errors import FaceGenderError  # noqa: E402
from .imaging import DecodedImage, decode_image  # noqa: E402
from .eyes import Eyes, EyeSearch, find_eyes  # noqa: E402
from .faces import FoundFace, Preprocessing, find_faces  # noqa: E402
from .features import Channel, HogParams, LbpParams, PixelParams  # noqa: E402
from .model import FaceModel  # noqa: E402
from .preprocessing import FACE_SIZE, CropParams, crop_face  # noqa: E402
from .service import FaceService  # noqa: E402

__all__ = [
    "FACE_SIZE",
    "Box",
    "Channel",
    "CropParams",
    "DecodedImage",
    "Detection",
    "DetectorParams",
    "EyeSearch",
    "Eyes",
    "FaceGenderError",
    "FaceModel",
    "FaceService",
    "FoundFace",
    "HogParams",
    "LbpParams",
    "PixelParams",
    "Preprocessing",
    "crop_face",
    "decode_image",
    "detect_faces",
    "find_eyes",
    "find_faces",
]
