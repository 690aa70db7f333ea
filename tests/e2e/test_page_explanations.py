"""The page's explanations: "Why?" opens the occlusion map over a face's crop, and the
eigenface explorer redraws a face and asks the model again as its sliders move."""

from __future__ import annotations

import json
import re

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


def test_why_shows_the_map_over_the_crop_from_the_keyboard(page, upload, single_face_photo,
                                                          screenshot):
    upload(page, single_face_photo)
    card = page.locator("#face-list > li").first
    button = card.get_by_role("button", name="Why?")
    expect(button).to_have_attribute("aria-expanded", "false")
    panel = card.locator(".why-panel")
    expect(panel).to_be_hidden()

    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    map_image = panel.locator("img.why-map")
    page.wait_for_function("img => img.complete && img.naturalWidth === 100",
                           arg=map_image.element_handle())
    assert map_image.get_attribute("alt").strip()
    assert "toward female" in panel.text_content() or "toward male" in panel.text_content() \
        or "barely moved" in panel.text_content()
    expect(panel.locator(".why-caveat")).to_contain_text("not evidence about the person")
    expect(panel.locator(".why-legend li")).to_have_count(3)
    screenshot(page, "desktop_why")

    page.keyboard.press("Space")  # the same button closes it
    expect(panel).to_be_hidden()


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
