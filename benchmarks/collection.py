"""Local batch throughput (issue 18): ``python -m facegender predict DIR`` with 1 worker and with
every core, on the same 1,000 dev-test photos (500 female, 500 male from faces/test, sorted).

Goal: all workers / 1 worker >= 1.8x on 2 cores. The runs are interleaved (1, N, 1, N, ...) so a
noisy neighbour (a training run) weighs on both alike; the figures are medians. Each run is a new
process, as a user starts it: import, model load per worker, progress, JSONL output included.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.paths import DATA, REPO_ROOT

from .common import median

IMAGES = 1000
ROUNDS = int(os.environ.get("FACEGENDER_BENCH_ROUNDS", "3"))


def _folder(root: Path) -> Path:
    folder = root / "photos"
    for label in ("female", "male"):
        (folder / label).mkdir(parents=True)
        for photo in sorted((DATA / "faces" / "test" / label).glob("*.jpg"))[:IMAGES // 2]:
            (folder / label / photo.name).symlink_to(photo)
    return folder


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(folder: Path, workers: int, out: Path) -> tuple[float, float]:
    """Wall seconds and the CPU seconds the run's processes used (all workers together)."""
    out.unlink(missing_ok=True)
    cpu = _cpu()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "facegender", "predict", str(folder),
                           "--workers", str(workers), "--output", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    summary = done.stderr.strip().splitlines()[-1]
    if not re.match(rf"{IMAGES} images", summary):
        raise RuntimeError(f"unexpected summary: {summary}\n{done.stderr[-2000:]}")
    return seconds, cpu


def main() -> dict:
    if not (DATA / "faces" / "test").exists():
        print(f"collection: skipped, no dataset at {DATA / 'faces' / 'test'}")
        return {"skipped": "no dataset"}
    cores = os.cpu_count() or 1
    times: dict[int, list[float]] = {1: [], cores: []}
    cpus: dict[int, list[float]] = {1: [], cores: []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(tmp))
        for _ in range(ROUNDS):
            for workers in times:
                seconds, cpu = _run(folder, workers, Path(tmp) / "out.jsonl")
                times[workers].append(seconds)
                cpus[workers].append(cpu)
    rate = {w: IMAGES / median(t) for w, t in times.items()}
    result = {"images": IMAGES, "rounds": ROUNDS, "cores": cores,
              "seconds": {str(w): [round(s, 1) for s in t] for w, t in times.items()},
              "images_per_s_1_worker": round(rate[1], 2),
              f"images_per_s_{cores}_workers": round(rate[cores], 2),
              "ratio": round(rate[cores] / rate[1], 2),
              # Cores the run kept busy (CPU s / wall s): below the worker count when the
              # machine's other work takes the cores.
              "cores_busy": {str(w): [round(c / s, 2) for c, s in zip(cpus[w], times[w])]
                             for w in times},
              "cpu_ms_per_image": {str(w): round(1000 * median(c) / IMAGES, 1)
                                   for w, c in cpus.items()}}
    print(f"collection: {IMAGES} images, median of {ROUNDS} interleaved runs: "
          f"1 worker {rate[1]:.1f} img/s, {cores} workers {rate[cores]:.1f} img/s, "
          f"ratio {rate[cores] / rate[1]:.2f}x (goal >= 1.8x on 2 cores); cores busy "
          f"{result['cores_busy']}, CPU ms per image {result['cpu_ms_per_image']}")
    return result


if __name__ == "__main__":
    main()
