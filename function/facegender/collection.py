"""The local batch: every image of some files and folders through a pool of worker processes.

Each worker loads the model once and runs OpenCV and BLAS on one thread, so N workers use N
cores without oversubscribing them. Lines are written as images finish, in **completion order**
(not the folder's order): each line is self-contained (its path and the API's reply, or its path
and an error), so nothing is lost by not sorting, and a line is out as soon as its image is done.

Each line goes to the output file in one unbuffered write: an interruption (Ctrl-C, a kill)
leaves whole lines, and ``resume`` skips every path already answered in the file (a last line cut
short by a crash is dropped). The exit code is 0 when every image was classified, 1 when any
image became an error line, 130 after Ctrl-C.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, TextIO

from .formats import SUFFIXES as IMAGE_SUFFIXES
from .progress import Progress
from .records import (UNREADABLE_FILE, Tally, Unreadable, classify_record, dumps, error_record,
                      read_records)


@dataclass(frozen=True)
class Options:
    """What each image gets: the API's options, and where to draw annotated copies."""

    include_crops: bool = False
    max_faces: int | None = None
    annotate: Path | None = None


@dataclass(frozen=True)
class Job:
    """One run: which images, with how many workers, written where."""

    paths: tuple[Path, ...]
    options: Options = Options()
    workers: int = os.cpu_count() or 1
    output: Path | None = None
    resume: bool = False
    as_json: bool = True
    limit: int | None = None
    progress_interval: float = 10.0


def image_files(paths) -> Iterator[tuple[Path, Path]]:
    """Each image file with its path relative to the folder it was found in."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in IMAGE_SUFFIXES:
                    yield found, found.relative_to(path)
        else:
            yield path, Path(path.name)


def run(job: Job, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Classify the job's images, write a line each, print a summary; the exit code."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    start = time.monotonic()
    tally = Tally()
    done_paths: set[str] = set()
    if job.resume and job.output is not None:
        earlier, length = read_records(job.output)
        if job.output.exists():
            os.truncate(job.output, length)  # a line cut short by a crash goes
        for record in earlier:
            done_paths.add(record["path"])
            tally.add(record)
    todo = [item for item in image_files(job.paths) if str(item[0]) not in done_paths]
    total = len(todo) + tally.images
    if job.limit is not None:
        todo = todo[:job.limit]
    if job.options.annotate:
        job.options.annotate.mkdir(parents=True, exist_ok=True)
    out = job.output.open("ab", buffering=0) if job.output is not None else None
    workers = max(1, min(job.workers, len(todo)))
    interrupted = False
    try:
        with _records(todo, job.options, workers) as records:
            # The bar after the pool: tqdm's monitor thread must not be forked into workers.
            progress = Progress(total, done=tally.images, stream=stderr,
                                interval=job.progress_interval)
            try:
                for record in records:
                    if out is not None:
                        out.write(dumps(record).encode())
                    _print(record, job.as_json, stdout, job.output is None)
                    tally.add(record)
                    progress.update(tally.images, tally)
            finally:
                progress.close()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if out is not None:
            out.close()
    note = " (interrupted: rerun with --resume to go on)" if interrupted else ""
    print(tally.summary(time.monotonic() - start) + note, file=stderr, flush=True)
    return 130 if interrupted else int(tally.failed > 0)


class _records:
    """The records of ``todo`` as they finish: in this process for one worker, else a pool."""

    def __init__(self, todo, options: Options, workers: int):
        self.todo, self.options, self.workers = todo, options, workers
        self.pool = None

    def __enter__(self):
        if self.workers == 1:
            worker = _Worker(self.options)
            return (worker(item) for item in self.todo)
        # fork: the parent has already imported the package; each worker loads its own model.
        context = multiprocessing.get_context("fork")
        self.pool = context.Pool(self.workers, initializer=_start_worker,
                                 initargs=(self.options,))
        # Small chunks: lines come out steadily and an interruption loses little work.
        chunk = max(1, min(8, len(self.todo) // (self.workers * 50)))
        return self.pool.imap_unordered(_work, self.todo, chunksize=chunk)

    def __exit__(self, kind, value, traceback):
        if self.pool is not None:
            if kind is None:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()


class _Worker:
    """One process's model and options."""

    def __init__(self, options: Options):
        from .service import FaceService
        from .settings import get_settings

        # One image at a time per process: one set of cascades.
        self.service = FaceService.load(replace(get_settings(), max_concurrent=1))
        self.options = options

    def __call__(self, item: tuple[Path, Path]) -> dict:
        path, relative = item
        try:
            size = path.stat().st_size
        except OSError as error:
            return error_record(str(path), UNREADABLE_FILE, _os_message(error))

        def read(limit: int) -> bytes:
            try:
                with path.open("rb") as handle:
                    return handle.read(limit)
            except OSError as error:
                raise Unreadable(_os_message(error)) from None

        record = classify_record(self.service, str(path), size, read,
                                 include_crops=self.options.include_crops,
                                 max_faces=self.options.max_faces)
        if self.options.annotate and "error" not in record:
            from .annotate import annotate

            out = self.options.annotate / relative.with_name(relative.stem + ".annotated.jpg")
            out.parent.mkdir(parents=True, exist_ok=True)
            annotate(path.read_bytes(), record, out)
        return record


_worker: _Worker | None = None


def _start_worker(options: Options) -> None:
    global _worker
    # Ctrl-C reaches every process of the terminal's group: the parent alone decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = _Worker(options)


def _work(item: tuple[Path, Path]) -> dict:
    return _worker(item)


def _os_message(error: OSError) -> str:
    return f"The file cannot be read: {error.strerror or error}."


def _print(record: dict, as_json: bool, stdout: TextIO, to_stdout: bool) -> None:
    if not to_stdout:
        return
    if as_json:
        stdout.write(dumps(record))
        stdout.flush()
        return
    path = record["path"]
    if "error" in record:
        print(f"{path}: error {record['error']['code']}: {record['error']['message']}",
              file=stdout, flush=True)
        return
    faces = record["faces"]
    print(f"{path}: {len(faces)} face{'s' if len(faces) != 1 else ''} "
          f"({record['timings_ms']['total']:.0f} ms)", file=stdout)
    for face in faces:
        box = face["box"]
        print(f"  {face['gender']:<6} {face['confidence']:.0%}  at x={box['x']} y={box['y']} "
              f"{box['width']}x{box['height']}", file=stdout, flush=True)
