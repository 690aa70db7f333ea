"""What the page shows for a photo: boxes on the canvas, one row per face, no-face, resizing."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def limits(base_url) -> dict:
    """GET /v1/limits: the sizes the page shrinks photos to, as the API states them."""
    with urllib.request.urlopen(f"{base_url}/v1/limits", timeout=30) as reply:
        return json.load(reply)


def shown_percent(p: float) -> int:
    """The page's rounding: whole percent, never 100 unless the model said exactly 1."""
    value = round(p * 100)
    return min(value, 99) if p < 1 else value


def css_colour(page, name: str) -> tuple[int, int, int]:
    value = page.evaluate(f"getComputedStyle(document.documentElement).getPropertyValue('{name}').trim()")
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), f"{name} should be a hex colour, got {value!r}"
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def canvas_pixel(page, x: float, y: float) -> tuple[int, int, int]:
    return tuple(
        page.evaluate(
            """([x, y]) => {
                const data = document.getElementById("photo-canvas").getContext("2d")
                    .getImageData(Math.floor(x), Math.floor(y), 1, 1).data;
                return [data[0], data[1], data[2]];
            }""",
            [x, y],
        )
    )


def assert_box_drawn(page, face: dict) -> None:
    """The face's box is on the canvas, in its label's colour, at its relative position."""
    width, height = page.locator("#photo-canvas").evaluate("c => [c.width, c.height]")
    rel = face["box_relative"]
    edge = canvas_pixel(page, rel["left"] * width, (rel["top"] + rel["height"] / 2) * height)
    expected = css_colour(page, f"--{face['gender']}")
    assert all(abs(a - b) <= 16 for a, b in zip(edge, expected)), f"box edge is {edge}, want {expected}"


class Exchange:
    """One /v1/predict request the page sent and the server's reply, as they crossed the wire."""

    def __init__(self, request, response):
        self.url = request.url
        self.headers = request.headers
        # Read while intercepted: Chromium does not keep a large Blob body for later.
        self.body = request.post_data_buffer
        self.status = response.status
        self.reply = response.json()


def watch_predictions(page) -> list[Exchange]:
    """Every /v1/predict exchange from now on (passed through to the server unchanged)."""
    seen = []

    def through(route):
        response = route.fetch()
        seen.append(Exchange(route.request, response))
        route.fulfill(response=response)

    page.route("**/v1/predict*", through)
    return seen


def uploaded_image(exchange: Exchange) -> tuple[Image.Image, int]:
    """The photo a /v1/predict request carried as its body, and its size in bytes."""
    return Image.open(io.BytesIO(exchange.body)), len(exchange.body)


def test_single_face_photo_shows_one_box_and_one_result_row(
    page, upload, single_face_photo, predict_directly, screenshot
):
    # A portrait where the detector itself finds exactly one face (Haar has false positives).
    portraits = [single_face_photo, *sorted(single_face_photo.parent.glob("*.jpg"))]
    photo = next((p for p in portraits if len(predict_directly(p)["faces"]) == 1), None)
    assert photo is not None, "the API found exactly one face in none of the portraits"

    seen = watch_predictions(page)
    upload(page, photo)
    reply = seen[-1].reply
    assert len(reply["faces"]) == 1
    face = reply["faces"][0]
    label, pct = face["gender"], shown_percent(face["confidence"])

    rows = page.locator("#face-list > li")
    expect(rows).to_have_count(1)
    expect(rows.locator(".face-label")).to_have_text(label)
    expect(rows.locator(".face-pct")).to_have_text(f"{pct}%")
    bar_width = rows.locator(".bar-fill").evaluate("el => el.style.width")
    assert bar_width == f"{pct}%"
    expect(page.locator("#summary-count")).to_have_text("1 face found")
    expect(page.locator("#summary-time")).to_contain_text("ms")
    expect(page.locator("#error")).to_be_hidden()

    # The crop and its eigenface reconstruction arrived as real images.
    loaded = rows.locator(".face-figures img").evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
    assert loaded == [True, True]

    # One box, drawn in the label's colour on the face's left edge, wherever the photo is scaled.
    canvas = page.locator("#photo-canvas")
    expect(canvas).to_have_attribute("data-boxes", "1")
    expect(canvas).to_have_attribute("aria-label", re.compile(rf"1 face marked: 1, {label} {pct}%"))
    assert_box_drawn(page, face)
    screenshot(page, "desktop_single_face")


def test_exif_rotated_photo_is_drawn_upright_with_its_box_in_place(page, upload, single_face_photo, tmp_path):
    # Stored sideways with EXIF orientation 6 ("rotate 90° clockwise to view"), like a phone photo.
    upright = Image.open(single_face_photo).convert("RGB")
    upright.thumbnail((900, 900))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    upright.rotate(90, expand=True).save(path, quality=92, exif=exif.tobytes())

    seen = watch_predictions(page)
    upload(page, path)
    reply = seen[-1].reply
    assert reply["image"]["width"] == upright.width and reply["image"]["height"] == upright.height
    assert len(reply["faces"]) >= 1, "the API should find the face once the photo is upright"
    canvas_size = page.locator("#photo-canvas").evaluate("c => [c.width, c.height]")
    assert canvas_size == [upright.width, upright.height]
    assert_box_drawn(page, reply["faces"][0])


def test_group_photo_lists_at_least_as_many_rows_as_faces_the_api_found(
    page, upload, samples_dir, predict_directly, screenshot
):
    preferred = ["two_people.jpg", "kit_with_rose.jpg", "obama_and_biden.jpg"]
    photos = sorted((samples_dir / "group").glob("*.jpg"), key=lambda p: (p.name not in preferred, p.name))
    chosen = None
    for photo in photos:
        found = len(predict_directly(photo)["faces"])
        if found >= 2:
            chosen = photo
            break
    assert chosen is not None, "the API found fewer than two faces in every group photo"

    upload(page, chosen)
    rows = page.locator("#face-list > li")
    assert rows.count() >= found
    expect(page.locator("#photo-canvas")).to_have_attribute("data-boxes", str(rows.count()))
    expect(page.locator("#summary-count")).to_contain_text(f"{rows.count()} faces found")
    for i in range(rows.count()):
        expect(rows.nth(i).locator(".face-label")).to_have_text(re.compile(r"\S+"))
        expect(rows.nth(i).locator(".face-pct")).to_have_text(re.compile(r"^\d{1,3}%$"))

    # Hovering a row highlights its box; the row is marked too.
    rows.nth(1).hover()
    expect(rows.nth(1)).to_have_class(re.compile("is-highlighted"))
    screenshot(page, "desktop_group")


def test_photo_without_faces_shows_no_face_state_with_tips(
    page, upload, samples_dir, predict_directly, tmp_path, screenshot
):
    candidates = [samples_dir / "nonface" / n for n in ("coffee.jpg", "brick.jpg", "rocket.jpg", "motorcycle.jpg")]
    photo = next((p for p in candidates if p.is_file() and not predict_directly(p)["faces"]), None)
    if photo is None:  # every sample fooled the detector; a smooth gradient cannot
        photo = tmp_path / "gradient.png"
        ramp = np.linspace(0, 255, 480, dtype=np.uint8)
        Image.fromarray(np.tile(ramp, (360, 1))).save(photo)
        assert not predict_directly(photo)["faces"]

    upload(page, photo)
    no_face = page.locator("#no-face")
    expect(no_face).to_be_visible()
    expect(no_face).to_contain_text("No face found")
    assert no_face.locator("li").count() >= 3, "the no-face state should give tips"
    expect(page.locator("#face-list > li")).to_have_count(0)
    expect(page.locator("#photo-canvas")).to_have_attribute("data-boxes", "0")
    expect(page.locator("#error")).to_be_hidden()
    screenshot(page, "desktop_no_face")


@pytest.mark.parametrize(
    ("size", "kind"),
    [((4000, 3000), "photo"), ((1800, 1400), "noise")],
    ids=["4000x3000-photo", "over-4MB-png"],
)
def test_big_photo_is_downscaled_in_the_browser_before_upload(
    page, upload, single_face_photo, tmp_path, screenshot, size, kind, limits
):
    max_side, max_upload_bytes = limits["upload_max_side"], limits["max_image_bytes"]
    width, height = size
    if kind == "photo":
        # A phone-sized portrait: the face photo scaled to fill a 4000x3000 frame's height, as
        # a phone would frame it. (A 93-px face on a 4000-px canvas is 2% of the frame: smaller
        # than the detector's 640-px working copy can see, which is not what this test is about.)
        face = Image.open(single_face_photo).convert("RGB")
        scale = (height - 200) / face.height
        face = face.resize((round(face.width * scale), height - 200))
        big = Image.new("RGB", size, (128, 128, 128))
        big.paste(face, ((width - face.width) // 2, (height - face.height) // 2))
        path = tmp_path / "big.jpg"
        big.save(path, quality=95)
    else:
        # Few enough pixels, but noise makes the PNG far bigger than 4 MB.
        noise = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
        path = tmp_path / "noise.png"
        Image.fromarray(noise).save(path)
        assert path.stat().st_size > max_upload_bytes

    sent = watch_predictions(page)
    upload(page, path)

    assert len(sent) == 1
    assert sent[0].headers["content-type"] == "image/jpeg"
    image, nbytes = uploaded_image(sent[0])
    assert image.format == "JPEG"
    assert max(image.size) <= max_side
    assert nbytes <= max_upload_bytes
    assert abs(image.size[0] / image.size[1] - width / height) < 0.01, "the aspect ratio must survive"
    if kind == "photo":
        assert image.size == (max_side, max_side * 3 // 4)
        expect(page.locator("#face-list > li")).not_to_have_count(0)
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#photo-caption")).to_contain_text("shrunk")
    screenshot(page, f"desktop_downscaled_{kind}")


def test_a_2048px_jpeg_is_sent_as_it_is(page, upload, single_face_photo, tmp_path, limits):
    """The upload is the file's own bytes: no base64, no JSON, options in the query string."""
    max_side, max_upload_bytes = limits["upload_max_side"], limits["max_image_bytes"]
    face = Image.open(single_face_photo).convert("RGB")
    photo = face.resize((max_side, round(max_side * face.height / face.width)))
    path = tmp_path / "2048.jpg"
    photo.save(path, quality=90)
    assert path.stat().st_size <= max_upload_bytes

    sent = watch_predictions(page)
    upload(page, path)
    (request,) = sent
    assert request.status == 200
    assert request.body == path.read_bytes()
    assert request.headers["content-type"] == "image/jpeg"
    # No include_explanation: "Why?" asks /v1/model/explain for one face when it opens.
    assert parse_qs(urlsplit(request.url).query) == {
        "include_crops": ["true"], "max_faces": [str(limits["max_faces"]["default"])]}
    expect(page.locator("#face-list > li")).not_to_have_count(0)
    expect(page.locator("#face-list img").first).to_have_js_property("complete", True)
    expect(page.locator("#photo-caption")).to_contain_text(f"{max_side}×")


def test_face_cards_are_not_in_the_tab_order_only_their_why_buttons(page, upload,
                                                                     single_face_photo):
    upload(page, single_face_photo)
    cards = page.locator("#face-list > li")
    expect(cards).not_to_have_count(0)
    assert cards.evaluate_all("items => items.map((li) => li.tabIndex)") == [-1] * cards.count()
    assert cards.locator("[tabindex], a, input").count() == 0
    assert cards.locator("button").all_text_contents() == ["Why?"] * cards.count()
