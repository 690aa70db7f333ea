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


def model_card(base_url) -> dict:
    with urllib.request.urlopen(f"{base_url}/v1/model", timeout=30) as reply:
        return json.load(reply)


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def test_how_it_works_shows_the_mean_face_and_eigenfaces(page, screenshot):
    page.click("#nav-how")
    expect(page.locator("#view-how-it-works")).to_be_visible()
    expect(page.locator("#view-classify")).to_be_hidden()
    expect(page.locator("#nav-how")).to_have_attribute("aria-current", "page")
    expect(page.locator("#nav-classify")).not_to_have_attribute("aria-current", "page")
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


def test_model_card_shows_what_the_api_reports(page, base_url, screenshot):
    card = model_card(base_url)
    page.goto(f"{base_url}/#how-it-works")
    body = page.locator("#model-card")
    expect(body).to_have_attribute("aria-busy", "false")
    text = " ".join(body.text_content().split())  # folded <details> count too

    # The card's own words, as they are.
    for words in [card["version"], card["label_meaning"], card["intended_use"], *card["limitations"]]:
        assert " ".join(words.split()) in text, words[:60]
    # Where the training data came from, and how well the model does on each test set.
    for description in card["training_data"]["datasets"].values():
        assert description in text
    for test_set in card["metrics"]["new"].values():
        assert percent(test_set["accuracy_end_to_end"]) in text
    assert "[object" not in text and "{" not in text, "no raw JSON reaches the page"
    # Server strings are text: nothing in the card may become an element of its own.
    assert body.locator("script, iframe, object, embed").count() == 0
    screenshot(page, "desktop_model_card")


def test_model_card_leaves_out_fields_it_does_not_know(page, base_url):
    card = {**model_card(base_url), "internal_notes": "<b>do not show</b>"}
    page.route("**/v1/model", lambda route: route.fulfill(json=card))
    page.goto(f"{base_url}/#how-it-works")
    expect(page.locator("#model-card")).to_have_attribute("aria-busy", "false")
    assert "do not show" not in page.locator("#model-card").text_content()


def test_views_are_links_and_work_from_the_keyboard(page):
    expect(page.locator("#nav-classify")).to_have_attribute("href", "#classify")
    expect(page.locator("#nav-classify")).to_have_attribute("aria-current", "page")
    page.focus("#nav-classify")
    page.keyboard.press("Tab")
    expect(page.locator("#nav-how")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#view-how-it-works")).to_be_visible()
    expect(page.locator("#nav-how")).to_have_attribute("aria-current", "page")
    expect(page.locator("#title-how")).to_be_focused()  # reading goes on where the link led
    page.go_back()  # the hash keeps the browser's back button meaningful
    expect(page.locator("#view-classify")).to_be_visible()
    expect(page.locator("#nav-classify")).to_have_attribute("aria-current", "page")
