"""OpenCV's Haar cascades: which files, loading them, and the pool each search borrows from."""

from __future__ import annotations

import queue
from contextlib import AbstractContextManager, contextmanager
from typing import Iterator, NamedTuple

import cv2

CASCADE_FILE = "haarcascade_frontalface_default.xml"
ALT_CASCADE_FILE = "haarcascade_frontalface_alt2.xml"
PROFILE_CASCADE_FILE = "haarcascade_profileface.xml"
EYE_CASCADE_FILE = "haarcascade_eye.xml"


class Cascades(NamedTuple):
    """The Haar cascades one search uses: frontal, second frontal, profile, eyes.

    ``CascadeClassifier`` keeps scratch state inside the object, so two searches running at
    the same time must not share one.
    """

    face: cv2.CascadeClassifier
    alt: cv2.CascadeClassifier
    profile: cv2.CascadeClassifier
    eye: cv2.CascadeClassifier


#: The cascade files :class:`Cascades` loads, in its order (the Lambda package keeps these).
CASCADE_FILES = (CASCADE_FILE, ALT_CASCADE_FILE, PROFILE_CASCADE_FILE, EYE_CASCADE_FILE)

def load_cascade(name: str = CASCADE_FILE) -> cv2.CascadeClassifier:
    """A new Haar cascade that ships with OpenCV (``cv2.data.haarcascades``)."""
    path = cv2.data.haarcascades + name
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(f"Cannot load the Haar cascade from {path}")
    return cascade


def load_cascades() -> Cascades:
    """A new set of the cascades one search uses (about 15 ms: build them once, then reuse)."""
    return Cascades(*(load_cascade(name) for name in CASCADE_FILES))


class CascadePool:
    """Sets of cascades built up front, each lent to one search at a time.

    A service builds one set per request it runs at once, at load, so no request builds a
    cascade and the pool is also the limit on concurrent searches: :meth:`checkout` waits while
    every set is lent. With ``grow``, it builds another set instead of waiting (for library
    callers that pass no cascades: one set per thread that searches at the same time).
    """

    def __init__(self, size: int, *, grow: bool = False):
        self._free: queue.SimpleQueue[Cascades] = queue.SimpleQueue()
        self._grow = grow
        for _ in range(size):
            self._free.put(load_cascades())

    @contextmanager
    def checkout(self) -> Iterator[Cascades]:
        """A set of cascades for the duration of the ``with`` block."""
        if self._grow:
            try:
                cascades = self._free.get_nowait()
            except queue.Empty:
                cascades = load_cascades()
        else:
            cascades = self._free.get()
        try:
            yield cascades
        finally:
            self._free.put(cascades)


#: Lends cascades to callers that pass none (training, notebooks, tests).
_shared = CascadePool(0, grow=True)


def shared_cascades() -> AbstractContextManager[Cascades]:
    """A set of cascades from the process-wide pool, for callers that keep none of their own."""
    return _shared.checkout()
