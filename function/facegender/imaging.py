"""Image decoding and validation: bytes, base64 or a data URL in, an upright pixel array out.

Everything a client can send goes through :func:`decode_image`. Limits are checked on the
cheapest evidence first: the length of the base64 text, then the byte count, then the pixel
count read from the header, and only then are the pixels decoded. A 30000x30000 PNG is refused
without allocating it.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .errors import (
    CorruptImage,
    EmptyImage,
    ImageTooLarge,
    InvalidBase64,
    PayloadTooLarge,
)
from .formats import BY_PIL_NAME, sniff_format
from .settings import DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_PIXELS, MAX_PIXELS_LIMIT, UPLOAD_MAX_SIDE

# Never let Pillow guess at damaged data: a truncated file is the client's error to hear about.
Image.LOAD_TRUNCATED_IMAGES = False
# Pillow's own bomb check (89.5 MP by default) must never refuse an image the configured limit
# allows: it stands at the highest limit FACEGENDER_MAX_PIXELS accepts, and decode_image checks
# the configured one from the header, with a message that names it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS_LIMIT

# Pillow's transpose for each EXIF orientation other than "normal" (1): the table inside
# ImageOps.exif_transpose. Not that function itself: it turns the full-colour image, before
# the conversion to gray (1 byte a pixel more at the peak, measured on 20 MP), and writes the
# EXIF block back, which raises on blocks Pillow reads but cannot write: a valid photo became
# corrupt_image. The decoder keeps no EXIF, so it turns the converted image instead.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112
_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w.+-]+=[\w.+-]+)*)(?P<b64>;base64)?,", re.I)
_WHITESPACE = re.compile(rb"\s+")


@dataclass(frozen=True)
class DecodedImage:
    """An upright image, ready for detection.

    Attributes
    ----------
    pixels : ndarray of shape (h, w) or (h, w, 3), dtype uint8
        Grayscale, or BGR (OpenCV's channel order). May be smaller than ``width`` x ``height``
        when a large JPEG was decoded at reduced scale; ``scale`` says by how much.
    width, height : int
        Size of the full-resolution upright image: the frame that reported boxes refer to.
    format : str
        ``"jpeg"``, ``"png"``, ``"webp"`` or ``"bmp"``.
    orientation_applied : bool
        True when an EXIF orientation other than "normal" was applied.
    """

    pixels: np.ndarray
    width: int
    height: int
    format: str
    orientation_applied: bool

    @property
    def scale(self) -> float:
        """``pixels`` size over full size (1.0 unless decoded at reduced scale)."""
        return self.pixels.shape[1] / self.width


def image_bytes_from_text(text: str, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> bytes:
    """Decode base64 or a ``data:image/...;base64,`` URL into raw bytes.

    Lenient with what people paste: surrounding and embedded whitespace, line wraps, missing
    padding and the URL-safe alphabet are accepted. The length is checked before decoding.
    """
    payload = text.strip()
    if payload[:5].lower() == "data:":
        match = _DATA_URL.match(payload[:256])
        if match is None or not match.group("b64"):
            raise InvalidBase64(
                "The data URL must look like 'data:image/jpeg;base64,<data>'."
            )
        payload = payload[match.end():]
    raw = _WHITESPACE.sub(b"", payload.encode("ascii", errors="replace"))
    if len(raw) * 3 // 4 > max_bytes + 3:
        raise PayloadTooLarge(_too_many_bytes_message(len(raw) * 3 // 4, max_bytes))
    raw = raw.replace(b"-", b"+").replace(b"_", b"/").rstrip(b"=")
    raw += b"=" * (-len(raw) % 4)
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidBase64(
            "The image is not valid base64. Send the file's bytes base64-encoded, "
            "or a data URL such as 'data:image/jpeg;base64,...'."
        ) from None
    return data


def decode_image(
    data: bytes | str,
    *,
    color: bool = False,
    max_side: int | None = None,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> DecodedImage:
    """Validate and decode an image into an upright uint8 array.

    Parameters
    ----------
    data : bytes or str
        The file's bytes, or base64 text / a base64 data URL.
    color : bool
        Return BGR pixels of shape (h, w, 3) instead of grayscale (h, w).
    max_side : int, optional
        A hint that the caller will not need more than this many pixels on the longer side.
        Large JPEGs are then decoded at 1/2, 1/4 or 1/8 scale inside libjpeg, which is several
        times faster than decoding every pixel; the result is never smaller than ``max_side``.
    max_bytes, max_pixels : int
        Limits: the service passes its settings'; the defaults are the settings' own defaults
        (never read from the environment here). ``max_pixels`` is at most ``MAX_PIXELS_LIMIT``
        (200 MP).

    Raises
    ------
    FaceGenderError
        A subclass naming what is wrong: ``invalid_base64``, ``empty_image``,
        ``payload_too_large``, ``image_too_large``, ``unsupported_media_type``,
        ``not_an_image`` or ``corrupt_image``.
    """
    if max_pixels > MAX_PIXELS_LIMIT:
        raise ValueError(f"max_pixels is at most {MAX_PIXELS_LIMIT}; got {max_pixels}")
    if isinstance(data, str):
        data = image_bytes_from_text(data, max_bytes=max_bytes)
    if len(data) == 0:
        raise EmptyImage("The image is empty (0 bytes).")
    check_byte_count(len(data), max_bytes)
    pil_format = sniff_format(data)

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[pil_format])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooLarge(_too_many_pixels_message(None, max_pixels)) from None
        except Exception:
            raise CorruptImage(
                f"The {BY_PIL_NAME[pil_format].label} header is damaged; "
                "the file cannot be read."
            ) from None
        with image:
            return _decode_opened(image, pil_format, color, max_side, max_pixels)


def _decode_opened(
    image: Image.Image, pil_format: str, color: bool, max_side: int | None, max_pixels: int
) -> DecodedImage:
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise ImageTooLarge(_too_many_pixels_message((width, height), max_pixels))
    orientation = _orientation(image)
    if pil_format == "JPEG" and max_side and max(width, height) > 2 * max_side:
        ratio = max_side / max(width, height)
        image.draft("RGB" if color else "L", (int(width * ratio) + 1, int(height * ratio) + 1))
    try:
        image.seek(0)  # first frame of an animation
        image.load()
        converted = _to_8_bit(image, color)
        if orientation in _TRANSPOSE:
            converted = converted.transpose(_TRANSPOSE[orientation])
        pixels = np.asarray(converted)
        if color:
            pixels = np.ascontiguousarray(pixels[:, :, ::-1])  # RGB -> BGR
    except (Image.DecompressionBombError, MemoryError):
        raise ImageTooLarge(_too_many_pixels_message((width, height), max_pixels)) from None
    except Exception:
        raise CorruptImage(
            f"The {BY_PIL_NAME[pil_format].label} data is truncated or damaged; "
            "the pixels cannot be decoded."
        ) from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return DecodedImage(
        pixels=pixels,
        width=width,
        height=height,
        format=BY_PIL_NAME[pil_format].name,
        orientation_applied=orientation in _TRANSPOSE,
    )


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a damaged EXIF block must not cost the user the photo
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _to_8_bit(image: Image.Image, color: bool) -> Image.Image:
    """Any Pillow mode -> "L" or "RGB"; alpha is flattened onto white."""
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        # 16-bit samples (PNG; Pillow may widen them to "I") keep their top 8 bits, whatever
        # the image's brightest pixel: scaled by the bit depth, two nearly equal images stay
        # nearly equal. Integer arithmetic, no float copies.
        values = np.asarray(image)
        if mode == "I":
            values = np.clip(values, 0, 65535)
        image = Image.fromarray((values >> 8).astype(np.uint8))
    elif mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
            mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))  # onto white, in place
        image = flat
    target = "RGB" if color else "L"
    return image if image.mode == target else image.convert(target)


def check_byte_count(size: int, max_bytes: int) -> None:
    """Raise PayloadTooLarge when an image of ``size`` bytes is over ``max_bytes``: callers that
    know the size from metadata (a file's, an S3 object's) refuse it before reading a byte."""
    if size > max_bytes:
        raise PayloadTooLarge(_too_many_bytes_message(size, max_bytes))


def _too_many_bytes_message(size: int, limit: int) -> str:
    return (
        f"The image is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB. "
        "Send a smaller or more compressed photo (for example a JPEG of at most "
        f"{UPLOAD_MAX_SIDE} px)."
    )


def _too_many_pixels_message(size: tuple[int, int] | None, limit: int) -> str:
    what = f"{size[0]}x{size[1]} pixels" if size else "too many pixels"
    return (
        f"The image has {what}; the limit is {limit / 1e6:.0f} megapixels. "
        "Resize it before sending."
    )
