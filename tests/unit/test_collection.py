"""The local batch (``python -m facegender predict DIR``): workers, bad files as lines, resume after
an interruption, progress on a terminal and off one."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from facegender.collection import Job, run
from facegender.progress import Progress
from facegender.records import Tally, read_records
from tests.support.paths import REPO_ROOT
from tests.support.images import encode, png_header_only

GOOD = {"astronaut.jpg", "nested/astronaut.png", "nested/small.jpg", "grey.jpg"}
BAD = {"notes.jpg": "not_an_image", "truncated.jpg": "corrupt_image",
       "bomb.png": "image_too_large", "huge.jpg": "payload_too_large",
       "movie.gif": None}  # a .gif is not an image suffix we read: no line at all


@pytest.fixture(scope="module")
def photos(tmp_path_factory, astronaut_rgb):
    """Faces, a face-less photo and every kind of bad file, in nested folders."""
    folder = tmp_path_factory.mktemp("collection") / "photos"
    (folder / "nested").mkdir(parents=True)
    jpeg = encode(astronaut_rgb, "JPEG", quality=90)
    (folder / "astronaut.jpg").write_bytes(jpeg)
    (folder / "nested" / "astronaut.png").write_bytes(encode(astronaut_rgb, "PNG"))
    (folder / "nested" / "small.jpg").write_bytes(encode(astronaut_rgb[::2, ::2], "JPEG"))
    (folder / "grey.jpg").write_bytes(encode(np.full((200, 300, 3), 128, np.uint8), "JPEG"))
    (folder / "notes.jpg").write_text("this is text, not a photo")
    (folder / "truncated.jpg").write_bytes(jpeg[:len(jpeg) // 2])
    (folder / "bomb.png").write_bytes(png_header_only(30_000, 30_000))
    # Over the API's 4.4 MB limit: refused from its size, never read.
    (folder / "huge.jpg").write_bytes(b"\xff\xd8\xff" + bytes(4_500_000))
    (folder / "movie.gif").write_bytes(b"GIF89a")
    return folder


def lines_by_name(records, folder) -> dict[str, dict]:
    return {os.path.relpath(r["path"], folder): r for r in records}


def without_timings(record: dict) -> str:
    return json.dumps({k: v for k, v in record.items() if k != "timings_ms"}, sort_keys=True)


def test_two_workers_answer_every_image_once_with_bad_files_as_error_lines(photos, tmp_path):
    out, err = tmp_path / "results.jsonl", io.StringIO()
    missing = photos / "deleted-meanwhile.jpg"  # named on the command line, gone when read
    code = run(Job(paths=(photos, missing), workers=2, output=out), stderr=err)

    records, _ = read_records(out)
    by_name = lines_by_name(records, photos)
    assert len(records) == len(by_name), "each image exactly once"
    expected_errors = {k: v for k, v in BAD.items() if v} | {
        "deleted-meanwhile.jpg": "unreadable_file"}
    assert set(by_name) == GOOD | set(expected_errors)
    for name, code_ in expected_errors.items():
        assert by_name[name]["error"]["code"] == code_, by_name[name]
    for name in GOOD - {"grey.jpg"}:
        assert len(by_name[name]["faces"]) == 1 and "timings_ms" in by_name[name]
    assert by_name["grey.jpg"]["faces"] == []
    assert code == 1, "any error line makes the exit code 1"
    summary = err.getvalue().splitlines()[-1]
    assert summary.startswith("9 images, 3 faces (")
    assert "1 no-face images, 5 errors (corrupt_image: 1, image_too_large: 1, " \
           "not_an_image: 1, payload_too_large: 1, unreadable_file: 1)" in summary


def test_no_error_means_exit_code_0_and_lines_on_stdout(photos, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = run(Job(paths=(photos / "astronaut.jpg", photos / "grey.jpg"), workers=2),
               stdout=out, stderr=err)
    assert code == 0
    assert sorted(json.loads(line)["path"] for line in out.getvalue().splitlines()) == sorted(
        [str(photos / "astronaut.jpg"), str(photos / "grey.jpg")])


def test_resumed_run_gives_the_lines_of_an_uninterrupted_one(photos, tmp_path):
    whole = tmp_path / "whole.jsonl"
    run(Job(paths=(photos,), workers=2, output=whole), stderr=io.StringIO())
    parts = tmp_path / "parts.jsonl"
    run(Job(paths=(photos,), workers=2, output=parts, limit=3), stderr=io.StringIO())
    with parts.open("a") as handle:  # a crash in the middle of a line
        handle.write('{"path": "' + str(photos / "grey.jpg") + '", "fa')
    assert len(read_records(parts)[0]) == 3
    err = io.StringIO()
    run(Job(paths=(photos,), workers=1, output=parts, resume=True), stderr=err)

    first, resumed = read_records(whole)[0], read_records(parts)[0]
    assert parts.read_bytes().endswith(b"\n")
    assert sorted(map(without_timings, resumed)) == sorted(map(without_timings, first))
    assert err.getvalue().splitlines()[-1].startswith("8 images, "), "the summary counts both"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_leaves_whole_lines_and_resume_finishes_the_folder(photos, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    jpeg = (photos / "astronaut.jpg").read_bytes()
    for i in range(40):
        (folder / f"{i:02d}.jpg").write_bytes(jpeg)
    out = tmp_path / "results.jsonl"
    command = [sys.executable, "-m", "facegender", "predict", str(folder), "--workers", "2",
               "--output", str(out)]
    # Its own process group, so the SIGINT reaches the workers too, as a terminal's Ctrl-C does.
    # SIGINT at its default: a test run started in the background (`make test &`) inherits it
    # ignored, and Python then keeps ignoring it, as a shell's background job should.
    process = subprocess.Popen(command, cwd=REPO_ROOT, start_new_session=True,
                               preexec_fn=_default_sigint,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 3:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    data = out.read_bytes()
    assert data.endswith(b"\n") and all(json.loads(line) for line in data.splitlines())
    done_before = data.count(b"\n")
    assert 3 <= done_before < 40

    resumed = subprocess.run([*command, "--resume"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    paths = [record["path"] for record in read_records(out)[0]]
    assert sorted(paths) == sorted(str(p) for p in folder.iterdir())


def test_progress_off_a_terminal_is_a_plain_line_each_interval(photos):
    err = io.StringIO()
    run(Job(paths=(photos / "nested",), workers=1, progress_interval=0.0),
        stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert "\r" not in err.getvalue()
    assert lines[0].startswith("[00:00] 0/2 images"), "shown before the first image finishes"
    assert any("2/2 images" in line and "2 faces, 0 errors" in line for line in lines[1:-1])
    assert lines[-1].startswith("2 images, 2 faces")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_a_tqdm_bar_with_faces_and_errors():
    stream = Terminal()
    progress = Progress(10, done=2, stream=stream)
    tally = Tally(images=5, faces=7)
    tally.errors["not_an_image"] += 1
    progress.update(5, tally)
    progress.close()
    text = stream.getvalue()
    assert "\r" in text and "5/10" in text and "img/s" in text
    assert "faces=7, errors=1" in text
