"""``python -m facegender predict`` on files and folders, good and bad."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.images import encode
from tests.support.paths import REPO_ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "facegender", *args], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=120)


def test_folder_with_a_bad_file_reports_it_and_carries_on(tmp_path, astronaut_rgb):
    folder = tmp_path / "photos"
    (folder / "nested").mkdir(parents=True)
    (folder / "astronaut.jpg").write_bytes(encode(astronaut_rgb, "JPEG"))
    (folder / "nested" / "astronaut.png").write_bytes(encode(astronaut_rgb, "PNG"))
    (folder / "notes.jpg").write_text("this is text, not a photo")
    (folder / "readme.txt").write_text("ignored: not an image suffix")
    annotated = tmp_path / "annotated"

    result = run_cli("predict", str(folder), "--json", "--annotate", str(annotated))
    assert result.returncode == 1, "a file became an error line: exit code 1\n" + result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_name = {line["path"].rsplit("/", 1)[-1]: line for line in lines}
    assert set(by_name) == {"astronaut.jpg", "astronaut.png", "notes.jpg"}
    assert by_name["notes.jpg"]["error"]["code"] == "not_an_image"
    for name in ("astronaut.jpg", "astronaut.png"):
        assert len(by_name[name]["faces"]) == 1
        assert by_name[name]["faces"][0]["gender"] in ("female", "male")
    written = sorted(str(p.relative_to(annotated)) for p in annotated.rglob("*.jpg"))
    assert written == ["astronaut.annotated.jpg", "nested/astronaut.annotated.jpg"]


def test_text_output_and_crops(tmp_path, astronaut_rgb):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(encode(astronaut_rgb, "JPEG"))
    text = run_cli("predict", str(photo))
    assert text.returncode == 0 and "1 face" in text.stdout
    crops = run_cli("predict", str(photo), "--json", "--include-crops")
    assert "crop_png" in json.loads(crops.stdout)["faces"][0]


def test_missing_path_is_a_usage_error(tmp_path):
    result = run_cli("predict", str(tmp_path / "nope.jpg"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_resume_needs_an_output_and_an_existing_output_needs_resume(tmp_path, astronaut_jpeg):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(astronaut_jpeg)
    alone = run_cli("predict", str(photo), "--resume")
    assert alone.returncode == 2 and "--resume needs --output" in alone.stderr
    existing = tmp_path / "results.jsonl"
    existing.write_text("")
    again = run_cli("predict", str(photo), "--output", str(existing))
    assert again.returncode == 2 and "pass --resume" in again.stderr


def test_batch_is_the_s3_batch_client_from_the_repository_root():
    result = run_cli("batch", "--help")
    assert result.returncode == 0, result.stderr
    assert "--fetch ARN" in result.stdout and "--no-wait" in result.stdout
