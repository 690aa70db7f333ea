"""One error tree for everything a client can get wrong.

Each error carries the HTTP status the API answers with and a stable, machine-readable
``code``. The message is a sentence meant for a person, and says how to fix the input.
"""

from __future__ import annotations


class FaceGenderError(Exception):
    """Base of every error this package raises on purpose."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, dict[str, str]]:
        """The error envelope of the HTTP API: ``{"error": {"code", "message"}}``."""
        return {"error": {"code": self.code, "message": self.message}}


class InvalidInput(FaceGenderError):
    """The request is malformed: missing image, bad base64, bad option."""

    status = 400
    code = "invalid_input"


class InvalidJson(InvalidInput):
    """The body is empty or is not JSON."""

    code = "invalid_json"


class InvalidRequest(FaceGenderError):
    """The request is well-formed but a field or option is wrong, missing or extra."""

    status = 422
    code = "validation_error"


class InvalidCrop(FaceGenderError):
    """A crop_png that is not a crop of the model's size, as ``/v1/predict`` gives it."""

    status = 422
    code = "invalid_crop"


class InvalidBase64(InvalidInput):
    """The image string is neither valid base64 nor a base64 data URL."""

    code = "invalid_base64"


class EmptyImage(InvalidInput):
    """The image has zero bytes."""

    code = "empty_image"


class PayloadTooLarge(FaceGenderError):
    """The image or request body is over the byte limit."""

    status = 413
    code = "payload_too_large"


class ImageTooLarge(FaceGenderError):
    """The image has more pixels than the limit (checked before decoding)."""

    status = 413
    code = "image_too_large"


class UnsupportedMediaType(FaceGenderError):
    """The bytes are an image format or content type we do not accept."""

    status = 415
    code = "unsupported_media_type"


class NotAnImage(UnsupportedMediaType):
    """The bytes are not an image in any format we know."""

    code = "not_an_image"


class CorruptImage(FaceGenderError):
    """The header is a known format, but the pixels cannot be decoded (truncated, damaged)."""

    status = 422
    code = "corrupt_image"


class NotFound(FaceGenderError):
    """The requested resource does not exist."""

    status = 404
    code = "not_found"


class MethodNotAllowed(FaceGenderError):
    """The path exists, but not with this HTTP method."""

    status = 405
    code = "method_not_allowed"


class InternalError(FaceGenderError):
    """A bug of ours, never the client's input."""

    status = 500
    code = "internal_error"


#: The error for an HTTP status the framework itself raises (404, 405, 413, 415), by status;
#: any other status keeps the base class's ``bad_request``.
BY_STATUS = {error.status: error for error in (NotFound, MethodNotAllowed, PayloadTooLarge,
                                               UnsupportedMediaType)}
