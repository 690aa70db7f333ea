"""Every error the API can answer with reaches the person as a sentence, never as a code."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

API_ERRORS = {
    "invalid_input": 400,
    "invalid_base64": 400,
    "empty_image": 400,
    "payload_too_large": 413,
    "image_too_large": 413,
    "unsupported_media_type": 415,
    "not_an_image": 415,
    "corrupt_image": 422,
    "validation_error": 422,
    "not_found": 404,
    "method_not_allowed": 405,
}


def answer_with(status, payload):
    """A route handler that answers with this status and JSON body."""
    body = json.dumps(payload)
    return lambda route: route.fulfill(status=status, content_type="application/json", body=body)


def test_every_api_error_code_becomes_its_own_human_sentence(page, upload, single_face_photo, screenshot):
    sentences = {}
    for code, status in API_ERRORS.items():
        envelope = {"error": {"code": code, "message": f"<b>{code}</b> from the server"}}
        page.route("**/v1/predict*", answer_with(status, envelope))
        upload(page, single_face_photo)
        page.unroute("**/v1/predict*")

        expect(page.locator("#error")).to_be_visible()
        expect(page.locator("#results")).to_be_hidden()
        text = page.locator("#error-text").inner_text()
        assert code not in text and len(text) > 30, f"{code} was shown as {text!r}"
        # The server's own words are kept, as text: markup in them stays inert.
        expect(page.locator("#error-detail")).to_have_text(f"Server message: <b>{code}</b> from the server")
        assert page.locator("#error b").count() == 0
        sentences[code] = text
        if code == "corrupt_image":
            screenshot(page, "desktop_error_api")

    assert len(set(sentences.values())) == len(API_ERRORS), "each code should get its own sentence"


def test_error_without_envelope_is_mapped_by_status(page, upload, single_face_photo):
    # API Gateway answers 413 with {"message": ...} when a body is over its limit.
    page.route("**/v1/predict*", answer_with(413, {"message": "Request Entity Too Large"}))
    upload(page, single_face_photo)
    expect(page.locator("#error-text")).to_contain_text("too large to send")


def test_network_failure_says_the_server_could_not_be_reached(page, upload, single_face_photo):
    page.route("**/v1/predict*", lambda route: route.abort("failed"))
    upload(page, single_face_photo)
    expect(page.locator("#error-text")).to_contain_text("Could not reach the server")
    expect(page.locator("#error-detail")).to_be_hidden()

    page.unroute("**/v1/predict*")
    upload(page, single_face_photo)
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#face-list > li")).not_to_have_count(0)


def test_progress_is_shown_while_the_server_works(page, single_face_photo):
    held = []
    page.route("**/v1/predict*", lambda route: held.append(route))
    page.set_input_files("#file-input", str(single_face_photo))
    page.wait_for_function("document.querySelector('#status').classList.contains('is-busy')")
    expect(page.locator("#status-text")).to_have_text("Looking for faces…")
    expect(page.locator(".photo")).to_have_class("photo card is-busy")
    expect(page.locator(".photo-busy .spinner")).to_be_visible()
    expect(page.locator("#results")).to_have_attribute("aria-busy", "true")
    for _ in range(100):  # route handlers run while Playwright is waiting on something
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_selector("#results[data-state=faces], #results[data-state=no-face]")
    expect(page.locator(".photo-busy .spinner")).to_be_hidden()
    expect(page.locator("#results")).to_have_attribute("aria-busy", "false")
