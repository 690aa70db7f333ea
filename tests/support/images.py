"""Helpers shared by the test tiers and the benchmarks."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def png_header_only(width: int, height: int, color_type: int = 0) -> bytes:
    """A valid PNG signature and header claiming ``width`` x ``height`` (gray, or RGB with
    ``color_type=2``), with almost no pixel data: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _png_chunk(b"IEND", b""))


def encode(pixels: np.ndarray, fmt: str = "JPEG", **options) -> bytes:
    """Encode an RGB/gray/RGBA array with Pillow."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, **options)
    return buffer.getvalue()


def malformed_exif(orientation: int) -> bytes:
    """An EXIF block with ``orientation`` that Pillow reads but cannot write back: its
    ResolutionUnit (a SHORT) is stored as two BYTEs."""
    entries = [(0x0112, 3, 1, struct.pack("<HH", orientation, 0)),  # Orientation, SHORT
               (0x0128, 1, 2, b"\x02\x00\x00\x00")]  # ResolutionUnit as BYTE x 2
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", tag, kind, count) + value for tag, kind, count, value in entries)
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)


def jpeg_with_orientation(rgb: np.ndarray, orientation: int) -> bytes:
    """A JPEG of the stored pixels ``rgb`` tagged with EXIF ``orientation``."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(rgb, "JPEG", quality=95, exif=exif.tobytes())


def first_face_crops(folder, preprocessing, count: int, stride: int) -> list[np.ndarray]:
    """Model inputs of the largest face in every ``stride``-th photo of ``folder``/female and
    ``folder``/male (sorted), up to ``count // 2`` of each label; photos without a face are
    skipped."""
    from pathlib import Path

    from facegender.faces import find_faces
    from facegender.imaging import decode_image

    crops = []
    for label in ("female", "male"):
        found = 0
        for path in sorted((Path(folder) / label).glob("*.jpg"))[::stride]:
            faces = find_faces(decode_image(path.read_bytes()).pixels, preprocessing)
            if faces:
                crops.append(faces[0].crop)
                found += 1
            if found == count // 2:
                break
    return crops
