"""Layout and accessibility basics: a 360 px phone, the visible note, names for every control."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 780}


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_nothing_overflows_at_360px(open_page, upload, samples_dir, tmp_path, screenshot):
    page = open_page(**PHONE)
    assert scroll_width(page) <= 360, "start"
    screenshot(page, "phone_start")

    group = samples_dir / "group" / "voc_2008_002079.jpg"
    upload(page, group if group.is_file() else sorted((samples_dir / "group").glob("*.jpg"))[0])
    expect(page.locator("#results")).to_be_visible()
    assert scroll_width(page) <= 360, "results"
    screenshot(page, "phone_results")

    text = tmp_path / "not-a-photo.jpg"
    text.write_text("hello")
    upload(page, text)
    assert scroll_width(page) <= 360, "error"
    screenshot(page, "phone_error")

    nonface = samples_dir / "nonface" / "coffee.jpg"
    upload(page, nonface)
    assert scroll_width(page) <= 360, "no face"
    screenshot(page, "phone_no_face")

    page.click("#tab-how")
    page.wait_for_selector("#model-card[aria-busy=false]")
    page.wait_for_function("[...document.querySelectorAll('#gallery img')].every((i) => i.complete)")
    assert scroll_width(page) <= 360, "how it works"
    screenshot(page, "phone_how_it_works")


def test_note_on_the_label_and_privacy_is_visible(page):
    note = page.locator("#view-classify .note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("apparent, binary gender presentation")
    expect(note).to_contain_text("celebrities")
    expect(note).to_contain_text("not a statement about anyone's identity")
    expect(note).to_contain_text("never stored")


def test_every_control_has_a_name_and_a_visible_focus(page):
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll("button, [role=tab], input")]
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                            && !el.textContent.trim())
            .map((el) => el.outerHTML)"""
    )
    assert unnamed == []
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "tab-classify"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "keyboard focus must be visible"
    expect(page.locator("#status")).to_have_attribute("aria-live", "polite")
