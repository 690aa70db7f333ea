"""The records of a collection run: one JSON line per image, their tally, and the JSONL file.

The local batch (``python -m facegender predict``), the S3 batch handler and the S3 batch client
all write and read these lines, so a line means the same thing wherever it was made::

    {"path": "photos/a.jpg", "faces": [...], "image": {...}, "model": {...}, "timings_ms": {...}}
    {"path": "s3://bucket/input/b.gif", "error": {"code": "unsupported_media_type", "message": "..."}}

A reply line is the API's 200 reply with ``path`` added; an error line carries the API's error
code (plus ``unreadable_file`` / ``unreadable_object`` when the bytes cannot be read at all).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import FaceGenderError
from .imaging import check_byte_count

UNREADABLE_FILE = "unreadable_file"
UNREADABLE_OBJECT = "unreadable_object"


def reply_record(path: str, reply: dict) -> dict:
    """The line of an image that was classified: ``path`` and the API's reply."""
    return {"path": path, **reply}


def error_record(path: str, code: str, message: str) -> dict:
    """The line of an image that could not be classified: ``path`` and the API's error."""
    return {"path": path, "error": {"code": code, "message": message}}


class Unreadable(FaceGenderError):
    """The image's bytes could not be read (a missing or unreadable file or S3 object)."""

    code = UNREADABLE_FILE


def classify_record(service, path: str, size: int, read: Callable[[int], bytes],
                    **options) -> dict:
    """The line of one image, classified through ``service`` (the API's code path).

    ``size`` comes from metadata (a file's stat, an S3 listing): an image over the service's
    byte limit is refused before ``read`` is called, and ``read(limit + 1)`` never reads more
    than one byte past it. Any client error (unreadable, too large, not an image, a bomb, ...)
    becomes an error line, never an exception.
    """
    limit = service.settings.max_image_bytes
    try:
        check_byte_count(size, limit)
        return reply_record(path, service.classify(read(limit + 1), **options))
    except FaceGenderError as error:
        return error_record(path, error.code, error.message)


def dumps(record: dict) -> str:
    """One line of JSON, newline included (written in one call, so a file holds whole lines)."""
    return json.dumps(record, separators=(",", ":")) + "\n"


@dataclass
class Tally:
    """Running counts over records: what the progress bar and the summary line show."""

    images: int = 0
    faces: int = 0
    no_face: int = 0
    genders: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)

    def add(self, record: dict) -> None:
        self.images += 1
        if "error" in record:
            self.errors[record["error"]["code"]] += 1
            return
        faces = record.get("faces", [])
        self.faces += len(faces)
        self.no_face += not faces
        self.genders.update(face["gender"] for face in faces)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def summary(self, seconds: float) -> str:
        """One line: images, faces, female/male, no-face images, errors by code, wall time."""
        genders = ", ".join(f"{self.genders[g]} {g}" for g in sorted({"female", "male"}
                                                                     | set(self.genders)))
        errors = (" (" + ", ".join(f"{code}: {n}" for code, n in sorted(self.errors.items()))
                  + ")") if self.errors else ""
        return (f"{self.images} images, {self.faces} faces ({genders}), "
                f"{self.no_face} no-face images, {self.failed} errors{errors}, "
                f"{seconds:.1f} s")


def read_records(path: Path) -> tuple[list[dict], int]:
    """The whole lines of a JSONL file and the byte length they fill.

    A last line without its newline (a run killed mid-write) or that is not JSON is left out;
    a caller that appends truncates the file to the returned length first.
    """
    data = path.read_bytes() if path.exists() else b""
    end = data.rfind(b"\n") + 1
    records = []
    for line in data[:end].splitlines():
        if line.strip():
            records.append(json.loads(line))
    return records, end
