"""Helpers shared by the test tiers and the benchmarks."""

from __future__ import annotations

import struct
import zlib


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def png_header_only(width: int, height: int, color_type: int = 0) -> bytes:
    """A valid PNG signature and header claiming ``width`` x ``height`` (gray, or RGB with
    ``color_type=2``), with almost no pixel data: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _png_chunk(b"IEND", b""))
