"""facegender: find faces with a Haar cascade and guess apparent binary gender presentation
with eigenfaces (PCA) and an SVM, evaluated with numpy alone.

>>> from facegender import FaceService
>>> reply = FaceService.load().classify(open("photo.jpg", "rb").read())
"""

from .detection import Box, DetectorParams, detect_faces
from .errors import FaceGenderError
from .imaging import DecodedImage, decode_image
from .model import EigenfaceModel
from .preprocessing import FACE_SIZE, CropParams, crop_face
from .service import FaceService

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
