"""Site and deploy figures (issue 11): what the page uploads, how a stack is deployed, what a
deployer must read, and how big the page's modules are.

- bytes uploaded for a 2048 px JPEG, measured in Chromium on the page as people use it (goal:
  the JPEG's own size), beside what the old base64 JSON body would have weighed;
- ``sam deploy`` passes for a new stack, counted in ``make -n deploy`` (goal 1);
- template parameters: how many, how many have no default, how many `make deploy` fills in
  itself (a deployer of plain ``sam deploy`` must know those), how many infra/README.md
  documents (goal: fewer, every one documented);
- the largest frontend JavaScript module, in lines (goal <= 250).

``BENCH_BASE`` names a git revision to measure the same static figures for (default: where this
branch left main), for the before/after table. Needs Chromium (``make chromium``).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

from facegender.settings import DEFAULT_MAX_FACES
from PIL import Image

from tests.support.paths import REPO_ROOT
from tests.support.server import serve_in_subprocess

from .common import astronaut_rgb

CHROMIUM = "/usr/bin/chromium"
GOALS = {"deploy_passes": 1, "largest_module_lines": 250}


# --- bytes uploaded ----------------------------------------------------------------------------

def jpeg_2048() -> bytes:
    """A 2048 x 1536 JPEG with one face: the largest photo the page sends without shrinking."""
    canvas = Image.new("RGB", (2048, 1536), (90, 90, 90))
    face = Image.fromarray(astronaut_rgb()).resize((1536, 1536), Image.Resampling.BICUBIC)
    canvas.paste(face, (256, 0))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def uploaded_bytes(photo: bytes) -> dict:
    """Choose ``photo`` in the page's file picker; the /v1/predict request body as sent."""
    from playwright.sync_api import sync_playwright

    seen = {}

    def through(route):
        request = route.request
        seen.update(body=len(request.post_data_buffer or b""), type=request.headers.get("content-type"),
                    query=request.url.partition("?")[2])
        route.continue_()

    with tempfile.TemporaryDirectory() as folder, serve_in_subprocess() as server, \
            sync_playwright() as playwright:
        path = Path(folder) / "photo-2048.jpg"
        path.write_bytes(photo)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/")
            page.wait_for_selector("html[data-ready=true]")
            page.route("**/v1/predict*", through)
            page.set_input_files("#file-input", str(path))
            page.wait_for_selector("#results[data-state=faces], #results[data-state=no-face], "
                                   "#error:not([hidden])", timeout=120_000)
        finally:
            browser.close()
    old_body = json.dumps({"image": "data:image/jpeg;base64," + base64.b64encode(photo).decode(),
                           "include_crops": True, "max_faces": DEFAULT_MAX_FACES})
    return {"jpeg_bytes": len(photo), "uploaded_bytes": seen.get("body"),
            "content_type": seen.get("type"), "query": seen.get("query"),
            "old_base64_json_bytes": len(old_body)}


# --- static figures, for this tree and for a base revision -------------------------------------

def checkout(revision: str, folder: Path) -> Path:
    """The files the static figures read, as they were at ``revision``."""
    for name in ("Makefile", "infra/aws.mk", "template.yaml", "infra/README.md", "pyproject.toml",
                 "requirements.txt", "function/requirements.txt"):  # (make deploy's prerequisites)
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shown = subprocess.run(["git", "show", f"{revision}:{name}"], cwd=REPO_ROOT,
                               capture_output=True, check=True)
        target.write_bytes(shown.stdout)
    listing = subprocess.run(["git", "ls-tree", "--name-only", f"{revision}:frontend"],
                             cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    for name in listing.stdout.split():
        if name.endswith((".js", ".mjs")):
            shown = subprocess.run(["git", "show", f"{revision}:frontend/{name}"], cwd=REPO_ROOT,
                                   capture_output=True, check=True)
            (folder / "frontend").mkdir(exist_ok=True)
            (folder / "frontend" / name).write_bytes(shown.stdout)
    return folder


def deploy_passes(root: Path) -> int:
    """``sam deploy`` commands in the dry run of ``make deploy`` (a line may hold several)."""
    dry = subprocess.run(["make", "-n", "-C", str(root), "deploy", "STACK_NAME=bench"],
                         capture_output=True, text=True, env={**os.environ, "MAKEFLAGS": ""})
    if dry.returncode != 0:
        raise RuntimeError(f"make -n deploy failed in {root}:\n{dry.stderr}")
    return len(re.findall(r"\bsam deploy\b", dry.stdout))


def parameters(root: Path) -> dict:
    from cfnlint.decode import cfn_yaml

    declared = cfn_yaml.load(str(root / "template.yaml"))["Parameters"]
    recipe = (root / "infra" / "aws.mk").read_text()
    readme = (root / "infra" / "README.md").read_text()
    return {
        "total": len(declared),
        "without_default": sorted(n for n, p in declared.items() if "Default" not in p),
        "filled_in_by_make_deploy": sorted(n for n in declared if f"{n}=" in recipe),
        "undocumented_in_infra_readme": sorted(n for n in declared if f"`{n}`" not in readme),
    }


def module_lines(root: Path) -> dict[str, int]:
    return {p.name: len(p.read_text().splitlines())
            for p in sorted((root / "frontend").glob("*.js"))}


def static_figures(root: Path) -> dict:
    lines = module_lines(root)
    largest = max(lines, key=lines.get)
    return {"deploy_passes": deploy_passes(root), "parameters": parameters(root),
            "largest_module": largest, "largest_module_lines": lines[largest],
            "module_lines": lines}


def base_revision() -> str | None:
    wanted = os.environ.get("BENCH_BASE")
    if wanted:
        return wanted
    found = subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=REPO_ROOT,
                           capture_output=True, text=True)
    return found.stdout.strip() or None


# --- report ------------------------------------------------------------------------------------

def counted(figures: dict | None, key: str):
    if figures is None:
        return "-"
    value = figures["parameters"][key]
    return value if isinstance(value, int) else len(value)


def main() -> dict:
    now = static_figures(REPO_ROOT)
    base = base_revision()
    before = None
    if base:
        with tempfile.TemporaryDirectory() as folder:
            before = static_figures(checkout(base, Path(folder)))
    upload = uploaded_bytes(jpeg_2048())

    rows = [
        ("sam deploy passes for a new stack",
         before["deploy_passes"] if before else "-", now["deploy_passes"]),
        ("template parameters", counted(before, "total"), counted(now, "total")),
        ("  filled in by make deploy (plain sam deploy: yours to set)",
         counted(before, "filled_in_by_make_deploy"), counted(now, "filled_in_by_make_deploy")),
        ("  without a default", counted(before, "without_default"), counted(now, "without_default")),
        ("  not documented in infra/README.md", counted(before, "undocumented_in_infra_readme"),
         counted(now, "undocumented_in_infra_readme")),
        ("largest frontend module, lines",
         f"{before['largest_module']} {before['largest_module_lines']}" if before else "-",
         f"{now['largest_module']} {now['largest_module_lines']}"),
    ]
    print(f"\nsite and deploy figures (before: {base[:10] if base else 'n/a'}; after: this tree)")
    print(f"  {'':<60} {'before':>12} {'after':>12}")
    for name, then, current in rows:
        print(f"  {name:<60} {str(then):>12} {str(current):>12}")
    growth = upload["old_base64_json_bytes"] / upload["jpeg_bytes"] - 1
    print(f"\n  2048 x 1536 JPEG of {upload['jpeg_bytes']:,} bytes: the page uploaded "
          f"{upload['uploaded_bytes']:,} bytes as {upload['content_type']} ({upload['query']});"
          f" the old base64 JSON body would be {upload['old_base64_json_bytes']:,} (+{growth:.1%})")
    return {"upload": upload, "after": now, "before": before, "base": base, "goals": GOALS}
