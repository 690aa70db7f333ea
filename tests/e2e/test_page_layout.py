"""Layout and accessibility basics: a 360 px phone, the visible note, names for every control."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 780}


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def assert_labels_leave_their_faces_visible(page, reply: dict) -> None:
    """On the canvas, each face's label sits off its own box, and no two labels stack."""
    canvas = page.locator("#photo-canvas")
    labels = json.loads(canvas.get_attribute("data-labels"))
    width, height = canvas.evaluate("c => [c.width, c.height]")
    faces = reply["faces"]
    assert len(faces) >= 2, "a group photo, so labels could collide"
    assert sorted(label["index"] for label in labels) == list(range(len(faces))), "every face keeps its number"
    for label in labels:
        rel = faces[label["index"]]["box_relative"]
        box = {"x": rel["left"] * width, "y": rel["top"] * height,
               "w": rel["width"] * width, "h": rel["height"] * height}
        assert not overlaps(label, box), f"label {label['text']!r} covers its own face"
        assert label["text"] == str(label["index"] + 1), "a small screen shows numbers; the cards name the label"
    for i, first in enumerate(labels):
        for second in labels[i + 1:]:
            assert not overlaps(first, second), f"labels {first['text']} and {second['text']} stack"


def test_nothing_overflows_at_360px(open_page, upload, samples_dir, tmp_path, screenshot, predict_directly):
    page = open_page(**PHONE)
    assert scroll_width(page) <= 360, "start"
    screenshot(page, "phone_start")

    group = samples_dir / "group" / "voc_2008_002079.jpg"
    group = group if group.is_file() else sorted((samples_dir / "group").glob("*.jpg"))[0]
    upload(page, group)
    expect(page.locator("#results")).to_be_visible()
    assert scroll_width(page) <= 360, "results"
    assert_labels_leave_their_faces_visible(page, predict_directly(group))
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

    page.click("#nav-how")
    page.wait_for_selector("#model-card[aria-busy=false]")
    page.wait_for_function("[...document.querySelectorAll('#gallery img')].every((i) => i.complete)")
    assert scroll_width(page) <= 360, "how it works"
    screenshot(page, "phone_how_it_works")


def test_note_on_the_label_and_privacy_is_visible(page, base_url):
    note = page.locator("#view-classify .note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("apparent, binary gender presentation")
    expect(note).to_contain_text("not a statement about anyone's identity")
    expect(note).to_contain_text("never stored")
    expect(note).to_contain_text("IP address")
    expect(note).to_contain_text("30 days")


def test_notes_and_model_card_name_the_same_training_data(page, base_url):
    """The notes take the datasets' names from the model card, as the card section says them."""
    with urllib.request.urlopen(f"{base_url}/v1/model", timeout=30) as reply:
        datasets = json.load(reply)["training_data"]["datasets"]
    names = [re.split(r"[(;,]", text)[0].strip() for text in datasets.values()]
    spoken = " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    for note in page.locator(".note").all():
        expect(note.locator("[data-slot=training-datasets]")).to_have_text(spoken)
    expect(page.locator(".note").first).not_to_contain_text("celebrities")
    page.click("#nav-how")
    expect(page.locator("#model-card")).to_contain_text(f"from {spoken}, with their binary gender labels")


def test_the_label_note_names_who_the_model_fails_as_the_card_measured_it(page, base_url):
    """The note under the label names the groups with the lowest out-of-fold recall, and "How
    it works" shows the card's own sentences about who the model fails."""
    with urllib.request.urlopen(f"{base_url}/v1/model", timeout=30) as reply:
        card = json.load(reply)
    words = [group["words"] for group in card["fairness"]["weakest_groups"]]
    spoken = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    expect(page.locator(".note").first.locator("[data-slot=weakest-groups]")).to_have_text(spoken)
    page.click("#nav-how")
    section = page.locator("#model-card")
    expect(section).to_contain_text("Who it fails")
    for sentence in card["known_failures"]:
        expect(section).to_contain_text(sentence)


def test_every_control_has_a_name_and_a_visible_focus(page):
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll("button, a[href], input")]
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
    assert focused == "nav-classify"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "keyboard focus must be visible"
    expect(page.locator("#status")).to_have_attribute("aria-live", "polite")
