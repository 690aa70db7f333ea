"""The image formats the service decodes: one table, read by the decoder, the API schema, the
CLI and (through ``GET /v1/formats``) the page."""

from __future__ import annotations

from typing import NamedTuple


class ImageFormat(NamedTuple):
    """One supported format.

    name : what the API reports (``image.format`` in a reply).
    pil : Pillow's name for it.
    label : how messages spell it.
    media_types : content types a raw request body may carry.
    suffixes : file name endings the CLI picks up in folders.
    """

    name: str
    pil: str
    label: str
    media_types: tuple[str, ...]
    suffixes: tuple[str, ...]


FORMATS = (
    ImageFormat("jpeg", "JPEG", "JPEG", ("image/jpeg",), (".jpg", ".jpeg")),
    ImageFormat("png", "PNG", "PNG", ("image/png",), (".png",)),
    ImageFormat("webp", "WEBP", "WebP", ("image/webp",), (".webp",)),
    ImageFormat("bmp", "BMP", "BMP", ("image/bmp", "image/x-ms-bmp"), (".bmp",)),
)

FORMAT_NAMES = tuple(f.name for f in FORMATS)
BY_PIL_NAME = {f.pil: f for f in FORMATS}
MEDIA_TYPES = tuple(t for f in FORMATS for t in f.media_types)
SUFFIXES = frozenset(s for f in FORMATS for s in f.suffixes)
#: "JPEG, PNG, WebP or BMP", for messages.
LABELS = ", ".join(f.label for f in FORMATS[:-1]) + " or " + FORMATS[-1].label
