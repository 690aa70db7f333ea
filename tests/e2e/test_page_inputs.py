"""Every way in: file picker, paste, drag and drop, webcam; and files the page refuses."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# Files the browser refuses by their first bytes, whatever their name says.
REFUSED_FILES = {
    "text named .jpg": ("holiday.jpg", b"Dear diary,\nthis is not a photo at all.\n", "contains text, not a picture"),
    "pdf": ("scan.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF document"),
    "heic": ("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "HEIC photos"),
    "empty": ("empty.png", b"", "empty (0 bytes)"),
}


def predict_requests(page):
    sent = []
    page.on("request", lambda r: sent.append(r.url) if urlsplit(r.url).path == "/v1/predict" else None)
    return sent


@pytest.mark.parametrize("kind", list(REFUSED_FILES), ids=list(REFUSED_FILES))
def test_unsupported_file_gets_a_friendly_message_without_a_request(page, upload, tmp_path, kind):
    name, content, phrase = REFUSED_FILES[kind]
    path = tmp_path / name
    path.write_bytes(content)
    sent = predict_requests(page)

    upload(page, path)
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-text")).to_contain_text(phrase)
    expect(page.locator("#results")).to_be_hidden()
    assert sent == [], "a refused file must not be uploaded"


def test_text_file_named_jpg_gets_friendly_error_and_the_page_still_works(
    page, upload, tmp_path, single_face_photo, screenshot
):
    fake = tmp_path / "holiday.jpg"
    fake.write_text("Dear diary,\nthis is not a photo at all.\n")
    sent = predict_requests(page)

    upload(page, fake)
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(page.locator("#error-title")).to_have_text("This file cannot be used")
    expect(page.locator("#error-text")).to_contain_text("JPEG, PNG, WebP or BMP")
    assert sent == []
    screenshot(page, "desktop_error_text_file")

    upload(page, single_face_photo)
    expect(error).to_be_hidden()
    expect(page.locator("#face-list > li")).not_to_have_count(0)
    assert len(sent) == 1


def test_damaged_jpeg_gets_a_friendly_message(page, upload, tmp_path, single_face_photo):
    # Half a JPEG: either the browser or the server refuses it, each with a sentence for people.
    broken = tmp_path / "broken.jpg"
    data = single_face_photo.read_bytes()
    broken.write_bytes(data[: len(data) // 3])

    upload(page, broken)
    if page.locator("#error").is_visible():
        expect(page.locator("#error-text")).to_contain_text("damaged")
    else:  # the browser and the server both coped with the partial image
        expect(page.locator("#results")).to_be_visible()


def test_pasting_an_image_shows_results(page, wait_settled, single_face_photo, screenshot):
    page.evaluate(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], "pasted.jpg", { type: "image/jpeg" }));
            document.body.dispatchEvent(
                new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        base64.b64encode(single_face_photo.read_bytes()).decode(),
    )
    wait_settled(page)
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#face-list > li")).not_to_have_count(0)
    screenshot(page, "desktop_paste")


def test_dropping_an_image_shows_results(page, wait_settled, single_face_photo):
    page.evaluate(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], "dropped.jpg", { type: "image/jpeg" }));
            const zone = document.getElementById("dropzone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
            }
        }""",
        base64.b64encode(single_face_photo.read_bytes()).decode(),
    )
    wait_settled(page)
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#face-list > li")).not_to_have_count(0)
    expect(page.locator("body")).not_to_have_class("is-dragging")


# ---------------------------------------------------------------- webcam


def write_y4m(path, rgb: np.ndarray, frames: int = 15) -> None:
    """Write frames of one RGB image as YUV4MPEG2, 4:2:0 with full-range (JPEG) BT.601 colour."""
    height, width = rgb.shape[:2]
    assert width % 2 == 0 and height % 2 == 0
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b

    def plane(p, subsample=False):
        if subsample:  # average each 2x2 block
            p = p.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))
        return np.clip(np.rint(p), 0, 255).astype(np.uint8).tobytes()

    frame = plane(y) + plane(cb, True) + plane(cr, True)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)


@pytest.fixture
def fake_camera_video(tmp_path, single_face_photo):
    face = Image.open(single_face_photo).convert("RGB")
    face.thumbnail((640, 480))
    frame = Image.new("RGB", (640, 480), (110, 110, 110))
    frame.paste(face, ((640 - face.width) // 2, (480 - face.height) // 2))
    path = tmp_path / "camera.y4m"
    write_y4m(path, np.asarray(frame))
    return path


def test_webcam_capture_finds_a_face(launch, base_url, fake_camera_video, wait_settled, screenshot):
    browser = launch(
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={fake_camera_video}",
        ]
    )
    errors = []
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base_url}/")
        page.wait_for_selector("html[data-ready=true]")

        page.click("#camera-start")
        expect(page.locator("#camera")).to_be_visible()
        page.wait_for_function("document.getElementById('camera-video').videoWidth > 0", timeout=15_000)
        assert page.evaluate("document.getElementById('camera-video').videoWidth") == 640
        expect(page.locator("#camera-start")).to_be_disabled()
        screenshot(page, "desktop_webcam_live")

        page.click("#camera-capture")
        wait_settled(page)
        expect(page.locator("#error")).to_be_hidden()
        expect(page.locator("#face-list > li")).not_to_have_count(0)
        expect(page.locator("#photo-caption")).to_contain_text("640×480")
        screenshot(page, "desktop_webcam_captured")

        page.click("#camera-stop")
        expect(page.locator("#camera")).to_be_hidden()
        assert page.evaluate("document.getElementById('camera-video').srcObject") is None
        expect(page.locator("#camera-start")).to_be_enabled()
    finally:
        browser.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


@pytest.mark.parametrize(
    ("error_name", "phrase"),
    [("NotAllowedError", "Camera access was denied"), ("NotFoundError", "No camera was found")],
)
def test_camera_problems_get_a_clear_message(open_page, error_name, phrase):
    # Make getUserMedia fail the way a browser does when permission is refused or no camera exists.
    page = open_page(
        init_script=f"""
            navigator.mediaDevices.getUserMedia = () =>
                Promise.reject(new DOMException("test", "{error_name}"));
        """
    )
    page.click("#camera-start")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-title")).to_have_text("Camera problem")
    expect(page.locator("#error-text")).to_contain_text(phrase)
    expect(page.locator("#camera")).to_be_hidden()
    expect(page.locator("#camera-start")).to_be_enabled()


def test_the_file_picker_offers_the_formats_the_api_lists(page, base_url):
    """The page reads GET /v1/formats: no copy of the list lives in the page."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{base_url}/v1/formats", timeout=30) as reply:
        formats = json.load(reply)["formats"]
    types = [t for f in formats for t in f["media_types"]]
    expect(page.locator("#file-input")).to_have_attribute(
        "accept", ",".join([*types, "image/gif", "image/avif", "image/*"]))
