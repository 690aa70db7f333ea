"""Fixtures for the browser tests: a real local server, Debian's Chromium, and sample photos.

The server is ``python -m facegender serve`` started from the repository root on a free port.
Set ``FACEGENDER_E2E_BASE_URL`` to test an already running server instead (for example a
deployed site). Photos come from ``FACEGENDER_DATA`` (default ``<repo>/../shared/data``);
tests that need them skip with the reason when the folder is absent. Screenshots of every
state land in ``tests/e2e/screenshots/`` (ignored by git).
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests.support.paths import DATA
from tests.support.server import ServerStartError, is_healthy, serve_in_subprocess

SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ENV_BASE_URL = "FACEGENDER_E2E_BASE_URL"

# Reached when a photo has been answered: faces, no face, or an error message.
SETTLED = "#results[data-state=faces], #results[data-state=no-face], #error:not([hidden])"


@pytest.fixture(scope="session")
def base_url():
    """URL of a running facegender server (started here unless FACEGENDER_E2E_BASE_URL is set)."""
    external = os.environ.get(ENV_BASE_URL, "").strip().rstrip("/")
    if external:
        if not is_healthy(external):
            pytest.fail(f"{ENV_BASE_URL}={external} does not answer GET /health with 200")
        yield external
        return

    try:
        with serve_in_subprocess() as server:
            yield server.url
    except ServerStartError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        pytest.skip(
            "E2E SKIPPED: /usr/bin/chromium is missing. Install Debian's Chromium with "
            "`apt-get install -y chromium` (never `playwright install`)."
        )
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def playwright_instance():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def launch(playwright_instance, chromium_path):
    """Launch Chromium with the standard flags plus any extra ones; closed by the caller."""

    def _launch(extra_args=()):
        return playwright_instance.chromium.launch(
            executable_path=chromium_path, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
        )

    return _launch


@pytest.fixture(scope="session")
def browser(launch):
    browser = launch()
    yield browser
    browser.close()


class PageErrors(list):
    """Uncaught JavaScript errors seen on a page; a test fails if any occurred."""


@pytest.fixture
def open_page(browser, base_url):
    """Open the app at a viewport size; uncaught JavaScript errors fail the test."""
    contexts = []
    errors = PageErrors()

    def _open(width=1280, height=900, path="/", init_script=None, **context_options):
        context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
        contexts.append(context)
        page = context.new_page()
        if init_script:
            page.add_init_script(init_script)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base_url}{path}")
        page.wait_for_selector("html[data-ready=true]")
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture(scope="session")
def screenshot():
    SCREENSHOT_DIR.mkdir(exist_ok=True)

    def _shot(page, name, full_page=True):
        if full_page:  # from the top, so the sticky header sits where a person sees it
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=full_page)

    return _shot


@pytest.fixture(scope="session")
def upload():
    """Choose a file in the page's picker and wait until the page has answered."""

    def _upload(page, path):
        page.set_input_files("#file-input", str(path))
        page.wait_for_selector(SETTLED, timeout=60_000)

    return _upload


@pytest.fixture(scope="session")
def wait_settled():
    """Wait until the page has answered a photo given some other way (paste, drop, camera)."""

    def _wait(page):
        page.wait_for_selector(SETTLED, timeout=60_000)

    return _wait


# ---------------------------------------------------------------- data


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    samples = DATA / "samples"
    if not samples.is_dir():
        pytest.skip(f"sample photos not found at {samples} (set FACEGENDER_DATA to the data folder)")
    return samples


@pytest.fixture(scope="session")
def single_face_photo(tmp_path_factory) -> Path:
    """A portrait with exactly one frontal face (falls back to scikit-image's public-domain astronaut)."""
    for name in ("astronaut.jpg", "obama.jpg"):
        candidate = DATA / "samples" / "single" / name
        if candidate.is_file():
            return candidate
    skimage_data = pytest.importorskip("skimage.data", reason="no sample photos and no scikit-image")
    from PIL import Image

    path = tmp_path_factory.mktemp("photos") / "astronaut.jpg"
    Image.fromarray(skimage_data.astronaut()).save(path, quality=92)
    return path


@pytest.fixture(scope="session")
def predict_directly(base_url):
    """POST a photo to the API without the page, to know what the page should show."""

    def _predict(path: Path) -> dict:
        body = json.dumps({"image": base64.b64encode(Path(path).read_bytes()).decode(), "max_faces": 20})
        request = urllib.request.Request(
            f"{base_url}/v1/predict",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.load(reply)

    return _predict
