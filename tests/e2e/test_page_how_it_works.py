"""The "How it works" view: five steps, the model's images, and its card from /v1/model."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

IMAGES_LOADED = """() => {
    const imgs = [...document.querySelectorAll("#gallery img")];
    return imgs.length >= 2 && imgs.every((img) => img.complete && img.naturalWidth > 0);
}"""


def short_strings(value, found=None):
    """Every short string leaf of a JSON value: each must appear, as text, on the page."""
    found = [] if found is None else found
    if isinstance(value, str) and 0 < len(value) <= 80:
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            short_strings(item, found)
    elif isinstance(value, list):
        for item in value:
            short_strings(item, found)
    return found


def test_how_it_works_shows_the_mean_face_and_eigenfaces(page, screenshot):
    page.click("#tab-how")
    expect(page.locator("#view-how-it-works")).to_be_visible()
    expect(page.locator("#view-classify")).to_be_hidden()
    expect(page.locator("#tab-how")).to_have_attribute("aria-selected", "true")
    assert page.url.endswith("#how-it-works")
    expect(page.locator(".steps > li")).to_have_count(5)

    page.wait_for_function(IMAGES_LOADED, timeout=15_000)
    mean = page.locator("#gallery .mean img")
    expect(mean).to_have_count(1)
    assert mean.evaluate("img => img.src").endswith("/v1/model/mean-face.png")
    eigen_srcs = page.locator("#gallery img").evaluate_all("imgs => imgs.map((i) => i.src)")[1:]
    assert eigen_srcs and eigen_srcs[0].endswith("/v1/model/eigenfaces/0.png")
    alts = page.locator("#gallery img").evaluate_all("imgs => imgs.map((i) => i.alt)")
    assert all(alt.strip() for alt in alts), "every model image needs alt text"
    screenshot(page, "desktop_how_it_works")


def test_model_card_shows_what_the_api_reports(page, base_url):
    with urllib.request.urlopen(f"{base_url}/v1/model", timeout=30) as reply:
        card = json.load(reply)

    page.goto(f"{base_url}/#how-it-works")
    body = page.locator("#model-card")
    expect(body).to_have_attribute("aria-busy", "false")
    text = body.text_content()  # folded <details> count too
    assert "Loading" not in text
    assert "[object" not in text, "nested values must be rendered, not stringified"
    missing = [s for s in short_strings(card) if s not in text and s.strip() not in text]
    assert not missing, f"model card values not shown: {missing[:5]}"
    # Server strings are text: nothing in the card may become an element of its own.
    assert body.locator("script, iframe, object, embed").count() == 0


def test_views_switch_with_the_keyboard(page):
    page.focus("#tab-classify")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#view-how-it-works")).to_be_visible()
    expect(page.locator("#tab-how")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#view-classify")).to_be_visible()
    expect(page.locator("#tab-classify")).to_be_focused()
    page.go_back()  # the hash keeps the browser's back button meaningful
    expect(page.locator("#view-how-it-works")).to_be_visible()
