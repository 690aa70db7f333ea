"""The page calls its API on its own origin: it works under the deployed CSP (connect-src 'self'),
and served from an origin without the API it fails cleanly, with a message."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cfnlint.decode import cfn_yaml
from playwright.sync_api import expect

from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.e2e

SETTLED = "#results[data-state=faces], #results[data-state=no-face], #error:not([hidden])"


class QuietStaticFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test output is no place for an access log
        pass


@pytest.fixture(scope="module")
def static_origin():
    """frontend/ served by a plain file server on its own port: a page without its API."""
    handler = functools.partial(QuietStaticFiles, directory=str(REPO_ROOT / "frontend"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def context_page(browser):
    """A page in a fresh context whose uncaught JavaScript errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


def deployed_csp() -> str:
    """The Content-Security-Policy CloudFront adds to every response (template.yaml)."""
    template = cfn_yaml.load(str(REPO_ROOT / "template.yaml"))
    policy = template["Resources"]["WebsiteSecurityHeaders"]["Properties"]
    csp = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    # The local server speaks plain http: upgrading its requests to https would break them.
    return "; ".join(
        d.strip() for d in csp["ContentSecurityPolicy"].split(";") if "upgrade-insecure" not in d
    )


def test_page_without_its_api_says_so_instead_of_hanging(context_page, static_origin, single_face_photo, screenshot):
    page = context_page
    page.goto(f"{static_origin}/")
    page.wait_for_selector("html[data-ready=true]")

    page.set_input_files("#file-input", str(single_face_photo))
    page.wait_for_selector(SETTLED, timeout=30_000)
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-title")).to_have_text("Could not analyse the photo")
    expect(page.locator("#error-text")).to_contain_text("does not answer as the face service")
    expect(page.locator("#results")).to_be_hidden()
    expect(page.locator("#status")).not_to_have_class("status is-busy")
    screenshot(page, "desktop_error_no_api")

    page.click("#nav-how")
    card = page.locator("#model-card")
    expect(card).to_have_attribute("aria-busy", "false")
    expect(card).to_contain_text("does not answer as the face service")
    # The notes keep the names written into the page.
    expect(page.locator("[data-slot=training-datasets]").first).not_to_be_empty()


def test_page_works_under_the_deployed_csp(context_page, base_url, single_face_photo, static_origin):
    page = context_page
    csp = deployed_csp()
    assert "connect-src 'self'" in csp

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": csp})

    page.route(f"{base_url}/**", with_csp)
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base_url}/")
    page.wait_for_selector("html[data-ready=true]")

    page.set_input_files("#file-input", str(single_face_photo))
    page.wait_for_selector(SETTLED, timeout=60_000)
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#face-list > li")).not_to_have_count(0)
    expect(page.locator("#face-list img").first).to_have_js_property("naturalWidth", 100)
    page.locator(".why-toggle").first.click()  # the occlusion map, a data: image
    expect(page.locator(".why-map").first).to_have_js_property("naturalWidth", 100)

    page.click("#nav-how")
    pictures = page.locator("#gallery img")
    expect(pictures).not_to_have_count(0)
    for picture in pictures.all():  # (no wait_for_function: this CSP forbids its eval)
        expect(picture).to_have_js_property("naturalWidth", 100)
    # The explorer's binary eigenfaces and its decisions are same-origin calls too.
    expect(page.locator("#explorer")).to_have_attribute("data-state", "ready")
    expect(page.locator("#explorer-probability")).to_contain_text("%")
    assert violations == []
    # The same policy keeps the page from sending anything to another origin.
    blocked = page.evaluate(
        "(url) => fetch(url).then(() => 'sent', () => 'blocked')", f"{static_origin}/index.html"
    )
    assert blocked == "blocked"
    assert any("connect-src" in v for v in violations)
