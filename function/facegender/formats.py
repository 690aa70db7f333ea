"""The image formats the service decodes: one table, read by the decoder (which names a format
from its first bytes with :func:`sniff_format`), the API schema, the CLI and (through
``GET /v1/formats``) the page."""

from __future__ import annotations

from typing import Callable, NamedTuple

from .errors import NotAnImage, UnsupportedMediaType


class ImageFormat(NamedTuple):
    """One supported format.

    name : what the API reports (``image.format`` in a reply).
    pil : Pillow's name for it.
    label : how messages spell it.
    media_types : content types a raw request body may carry.
    suffixes : file name endings the CLI picks up in folders.
    magic : whether a file's first bytes are this format's.
    """

    name: str
    pil: str
    label: str
    media_types: tuple[str, ...]
    suffixes: tuple[str, ...]
    magic: Callable[[bytes], bool]


FORMATS = (
    ImageFormat("jpeg", "JPEG", "JPEG", ("image/jpeg",), (".jpg", ".jpeg"),
                lambda data: data.startswith(b"\xff\xd8\xff")),
    ImageFormat("png", "PNG", "PNG", ("image/png",), (".png",),
                lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
    ImageFormat("webp", "WEBP", "WebP", ("image/webp",), (".webp",),
                lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP"),
    ImageFormat("bmp", "BMP", "BMP", ("image/bmp", "image/x-ms-bmp"), (".bmp",),
                lambda data: data.startswith(b"BM") and len(data) >= 26),
)

FORMAT_NAMES = tuple(f.name for f in FORMATS)
BY_PIL_NAME = {f.pil: f for f in FORMATS}
MEDIA_TYPES = tuple(t for f in FORMATS for t in f.media_types)
SUFFIXES = frozenset(s for f in FORMATS for s in f.suffixes)
#: "JPEG, PNG, WebP or BMP", for messages.
LABELS = ", ".join(f.label for f in FORMATS[:-1]) + " or " + FORMATS[-1].label

# Magic numbers of formats people commonly send that we refuse, to name them in the message.
_KNOWN_UNSUPPORTED = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x01\x00", "ICO"),
)


def sniff_format(data: bytes) -> str:
    """Pillow's name of the image format from its first bytes, or raise the error that explains
    why not."""
    for image_format in FORMATS:
        if image_format.magic(data):
            return image_format.pil
    for magic, name in _KNOWN_UNSUPPORTED:
        if data.startswith(magic):
            raise UnsupportedMediaType(f"{name} images are not supported; send {LABELS}.")
    head = data[:64].lstrip().lower()
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif", b"ftyphevc"):
        raise UnsupportedMediaType(
            f"HEIC/AVIF images are not supported; send {LABELS} "
            "(phones can export photos as JPEG)."
        )
    if head.startswith((b"<svg", b"<?xml")):
        raise UnsupportedMediaType(f"SVG images are not supported; send {LABELS}.")
    raise NotAnImage(f"The data is not an image. Send a {LABELS} file.")
