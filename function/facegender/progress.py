"""Progress of a collection run on stderr: a tqdm bar on a terminal, else a periodic line.

The local batch and the S3 batch client show the same thing: done/total, images per second,
time left, faces found (when known) and errors. A log file or a pipe gets one plain line every
``interval`` seconds instead of a bar's carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .records import Tally


class Progress:
    """Counts images done out of ``total``; ``done`` starts at what an earlier run answered."""

    def __init__(self, total: int, *, done: int = 0, stream: TextIO | None = None,
                 interval: float = 10.0, unit: str = "img"):
        self.stream = stream or sys.stderr
        self.total, self.done, self.interval = total, done, interval
        self._start = time.monotonic()
        self._first = done
        self._last_line = self._start
        self._bar = None
        if _is_terminal(self.stream):
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, file=self.stream, unit=unit,
                             dynamic_ncols=True, smoothing=0.1)
        else:
            self._print_line(None)

    def update(self, done: int, tally: Tally | None = None, failed: int | None = None) -> None:
        """Set the count of images done; ``tally`` (faces, errors) or a bare ``failed`` count."""
        step, self.done = done - self.done, done
        failed = tally.failed if tally is not None else failed
        if self._bar is not None:
            postfix = f"errors={failed or 0}"
            if tally is not None:
                postfix = f"faces={tally.faces}, " + postfix
            self._bar.set_postfix_str(postfix, refresh=False)
            self._bar.update(step)
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._last_line = now
            self._print_line(tally, failed)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def _print_line(self, tally: Tally | None, failed: int | None = None) -> None:
        from tqdm import tqdm

        elapsed = time.monotonic() - self._start
        new = self.done - self._first
        rate = new / elapsed if elapsed > 0 else 0.0
        left = (f", {tqdm.format_interval((self.total - self.done) / rate)} left"
                if rate > 0 else "")
        faces = f", {tally.faces} faces" if tally is not None else ""
        failed = tally.failed if tally is not None else failed
        print(f"[{tqdm.format_interval(elapsed)}] {self.done}/{self.total} images "
              f"({rate:.1f}/s{left}){faces}, {failed or 0} errors",
              file=self.stream, flush=True)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
