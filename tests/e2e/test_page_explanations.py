"""The page's explanations: "Why?" asks /v1/model/explain for a face's occlusion map when it
first opens and draws it over the crop, and the eigenface explorer redraws a face and asks the
model again as its sliders move."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BUSY = re.compile(r"\bis-busy\b")
CANVAS_PIXELS = """() => {
    const c = document.getElementById("explorer-canvas");
    return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
}"""


def watch_decisions(page) -> list[dict]:
    """The body of every POST /v1/model/decide the page sends (passed through unchanged)."""
    sent = []

    def through(route):
        sent.append(json.loads(route.request.post_data))
        route.continue_()

    page.route("**/v1/model/decide", through)
    return sent


def hold_explanations(page) -> list:
    """Every POST /v1/model/explain the page sends, held until the test continues it."""
    held = []
    page.route("**/v1/model/explain", lambda route: held.append(route))
    return held


def wait_for(page, held: list, count: int) -> None:
    for _ in range(100):  # route handlers run while Playwright is waiting on something
        if len(held) >= count:
            return
        page.wait_for_timeout(50)
    assert len(held) >= count, f"{len(held)} requests, expected {count}"


def test_why_asks_for_the_map_on_first_open_and_draws_it_from_the_keyboard(
        page, upload, single_face_photo, screenshot):
    predictions = []
    page.on("request", lambda r: predictions.append(r.url)
            if urlsplit(r.url).path == "/v1/predict" else None)
    held = hold_explanations(page)
    upload(page, single_face_photo)
    [predict_url] = predictions
    assert "include_explanation" not in parse_qs(urlsplit(predict_url).query), \
        "the photo's answer must not wait for maps nobody asked for"
    assert held == [], "no map is asked for before Why? opens"

    card = page.locator("#face-list > li").first
    button = card.get_by_role("button", name="Why?")
    expect(button).to_have_attribute("aria-expanded", "false")
    panel = card.locator(".why-panel")
    expect(panel).to_be_hidden()

    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("aria-busy", "true")
    expect(panel.get_by_role("status")).to_contain_text("Working out")
    wait_for(page, held, 1)
    crop = card.locator(".face-figures img").first.get_attribute("src")
    assert crop == "data:image/png;base64," + json.loads(held[0].request.post_data)["crop_png"]
    held[0].continue_()

    map_image = panel.locator("img.why-map")
    expect(map_image).to_have_count(1)
    page.wait_for_function("img => img.complete && img.naturalWidth === 100",
                           arg=map_image.element_handle())
    expect(panel).not_to_have_attribute("aria-busy", "true")
    assert map_image.get_attribute("alt").strip()
    assert "toward female" in panel.text_content() or "toward male" in panel.text_content() \
        or "barely moved" in panel.text_content()
    expect(panel.locator(".why-caveat")).to_contain_text("not evidence about the person")
    expect(panel.locator(".why-legend li")).to_have_count(3)
    screenshot(page, "desktop_why")

    page.keyboard.press("Space")  # the same button closes it
    expect(panel).to_be_hidden()
    page.keyboard.press("Enter")  # and opens it again, from what it already has
    expect(map_image).to_be_visible()
    page.wait_for_timeout(300)
    assert len(held) == 1, "the map is asked for once per face"


def test_a_new_photo_abandons_a_map_still_coming(page, upload, single_face_photo):
    held = hold_explanations(page)
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url)
            if urlsplit(r.url).path == "/v1/model/explain" else None)
    upload(page, single_face_photo)
    page.locator("#face-list > li").first.get_by_role("button", name="Why?").click()
    wait_for(page, held, 1)

    upload(page, single_face_photo)  # the same photo again: a new answer all the same
    for _ in range(40):
        if failed:
            break
        page.wait_for_timeout(50)
    assert failed, "the map asked for the old photo is aborted"
    expect(page.locator("#face-list > li")).not_to_have_count(0)
    expect(page.locator(".why-panel[data-state=busy]")).to_have_count(0)
    expect(page.locator(".why-panel[data-state=error]")).to_have_count(0)


def test_the_explorer_moves_the_mean_face_with_the_keyboard(page, base_url, screenshot):
    sent = watch_decisions(page)
    page.goto(f"{base_url}/#how-it-works")
    expect(page.locator("#explorer")).to_have_attribute("data-state", "ready")
    probability = page.locator("#explorer-probability")
    expect(probability).to_contain_text("%")
    expect(probability).not_to_have_class(BUSY)
    before_text = probability.text_content()
    before = page.evaluate(CANVAS_PIXELS)
    assert len(set(before)) > 2, "the mean face is drawn"

    slider = page.get_by_label("Eigenface 1", exact=True)
    slider.focus()
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("3")
    expect(probability).not_to_have_class(BUSY)  # the newest answer is in
    expect(probability).not_to_have_text(before_text)
    expect(probability).to_contain_text("%")
    assert page.evaluate(CANVAS_PIXELS) != before, "the picture changed"
    assert sent[-1]["eigenface_weights"][0] == pytest.approx(3.0)
    assert "crop_png" not in sent[-1], "the mean face needs no crop"
    # Thirty key presses, debounced: far fewer requests than moves.
    assert len(sent) < 10, len(sent)
    screenshot(page, "desktop_explorer")


def test_the_explorer_edits_a_face_from_the_photo(page, base_url, upload, single_face_photo):
    sent = watch_decisions(page)
    upload(page, single_face_photo)
    page.click("#nav-how")
    expect(page.locator("#explorer")).to_have_attribute("data-state", "ready")
    expect(page.locator("#explorer-face")).to_have_value("0")
    probability = page.locator("#explorer-probability")
    expect(probability).to_contain_text("%")
    expect(probability).not_to_have_class(BUSY)
    before_text = probability.text_content()
    before = page.evaluate(CANVAS_PIXELS)

    slider = page.get_by_label("Eigenface 2", exact=True)
    slider.focus()
    page.keyboard.press("End")  # to the slider's maximum
    expect(slider).to_have_value("4")
    expect(probability).not_to_have_class(BUSY)  # the newest answer is in
    expect(probability).not_to_have_text(before_text)
    assert page.evaluate(CANVAS_PIXELS) != before
    assert sent[-1]["crop_png"], "the face travels with the request"
    assert sent[-1]["eigenface_weights"][1] == pytest.approx(4.0)
