"""Decoding and validation: every format, orientation, alpha, bit depth, and every way to fail."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from facegender import errors
from facegender.imaging import decode_image, image_bytes_from_text
from PIL import Image

from tests.support.images import encode, jpeg_with_orientation, malformed_exif, png_header_only


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP"])
def test_decodes_each_supported_format(astronaut_rgb, fmt):
    image = decode_image(encode(astronaut_rgb, fmt))
    assert image.pixels.shape == (512, 512)
    assert image.pixels.dtype == np.uint8
    assert (image.width, image.height) == (512, 512)
    assert image.format == fmt.lower()
    assert not image.orientation_applied


def test_grayscale_matches_opencv_luma(astronaut_rgb):
    import cv2

    gray = decode_image(encode(astronaut_rgb, "PNG")).pixels
    expected = cv2.cvtColor(astronaut_rgb, cv2.COLOR_RGB2GRAY)
    assert np.abs(gray.astype(int) - expected).max() <= 1


def test_color_mode_returns_bgr(astronaut_rgb):
    image = decode_image(encode(astronaut_rgb, "PNG"), color=True)
    assert np.array_equal(image.pixels, astronaut_rgb[:, :, ::-1])


# What each EXIF orientation asks a viewer to do to the stored pixels (EXIF 2.32, 0x0112),
# written with numpy independently of the decoder: 2, 4, 5 and 7 are mirrored.
UPRIGHT = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],                # mirrored left-right
    3: lambda a: a[::-1, ::-1],             # turned 180 degrees
    4: lambda a: a[::-1],                   # mirrored top-bottom
    5: lambda a: a.swapaxes(0, 1),          # mirrored along the main diagonal
    6: lambda a: np.rot90(a, k=-1),         # turned 90 degrees clockwise
    7: lambda a: np.rot90(a, k=2).swapaxes(0, 1),  # mirrored along the other diagonal
    8: lambda a: np.rot90(a, k=1),          # turned 90 degrees counter-clockwise
}


def asymmetric_pattern() -> np.ndarray:
    """24x36 gray blocks of 6 px, every block a different level: no flip or turn maps it onto
    itself, and blocks survive JPEG."""
    levels = (np.arange(4 * 6).reshape(4, 6) * 10 + 10).astype(np.uint8)
    return np.kron(levels, np.ones((6, 6), np.uint8))


#: Encoder options: JPEG at high quality, WebP lossless (PNG is lossless anyway).
OPTIONS = {"JPEG": {"quality": 95}, "PNG": {}, "WEBP": {"lossless": True}}


def assert_upright(image, stored: np.ndarray, orientation: int, fmt: str) -> None:
    expected = UPRIGHT[orientation](stored)
    assert image.pixels.shape == expected.shape
    assert (image.height, image.width) == expected.shape
    assert image.orientation_applied == (orientation != 1)
    tolerance = 4 if fmt == "JPEG" else 0  # JPEG blurs the block edges a little
    assert np.abs(image.pixels.astype(int) - expected).mean() <= tolerance


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_undone(orientation, fmt):
    stored = asymmetric_pattern()
    exif = Image.Exif()
    exif[0x0112] = orientation
    image = decode_image(encode(stored, fmt, exif=exif.tobytes(), **OPTIONS[fmt]))
    assert_upright(image, stored, orientation, fmt)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
@pytest.mark.parametrize("orientation", [5, 6])
def test_a_malformed_exif_block_still_gives_the_upright_photo(orientation, fmt):
    """Pillow reads this block but cannot write it back (a BYTE pair where a SHORT belongs):
    the photo is fine, so it decodes, turned."""
    stored = asymmetric_pattern()
    image = decode_image(encode(stored, fmt, exif=malformed_exif(orientation), **OPTIONS[fmt]))
    assert_upright(image, stored, orientation, fmt)


def test_color_decoding_turns_the_photo_too():
    gray = asymmetric_pattern()
    stored = np.dstack([gray, gray // 2, np.zeros_like(gray)])
    exif = Image.Exif()
    exif[0x0112] = 7
    image = decode_image(encode(stored, "PNG", exif=exif.tobytes()), color=True)
    assert np.array_equal(image.pixels, UPRIGHT[7](stored)[:, :, ::-1])


def test_rotated_photo_is_upright(astronaut_rgb):
    """A portrait stored sideways with EXIF orientation 6 decodes to the upright pixels."""
    sideways = np.rot90(astronaut_rgb, k=1).copy()  # 90 degrees counter-clockwise
    image = decode_image(jpeg_with_orientation(sideways, 6), color=True)
    upright = decode_image(encode(astronaut_rgb, "JPEG", quality=95), color=True)
    assert image.pixels.shape == upright.pixels.shape
    assert np.abs(image.pixels.astype(int) - upright.pixels).mean() < 4


def test_alpha_is_flattened_onto_white():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[:, :4] = (0, 0, 0, 255)  # opaque black left half, transparent right half
    pixels = decode_image(encode(rgba, "PNG")).pixels
    assert pixels[:, :4].max() == 0
    assert pixels[:, 4:].min() == 255


def test_16_bit_png_is_scaled_not_clipped():
    ramp = (np.arange(256, dtype=np.uint16) * 257).reshape(16, 16)  # 0..65535
    buffer = io.BytesIO()
    Image.fromarray(ramp).save(buffer, "PNG")
    pixels = decode_image(buffer.getvalue()).pixels
    assert pixels.dtype == np.uint8
    assert np.abs(pixels.astype(int) - np.arange(256).reshape(16, 16)).max() <= 1


def test_16_bit_brightness_follows_the_bit_depth_not_the_brightest_pixel():
    """Two nearly equal dark 16-bit images: one's brightest pixel is 255, the other's 256."""
    rng = np.random.default_rng(0)
    dark = rng.integers(0, 256, (32, 32)).astype(np.uint16)
    dark[0, 0] = 255
    darker_but_one = dark.copy()
    darker_but_one[0, 0] = 256

    def brightness(values: np.ndarray) -> float:
        buffer = io.BytesIO()
        Image.fromarray(values).save(buffer, "PNG")
        return float(decode_image(buffer.getvalue()).pixels.mean())

    assert abs(brightness(dark) - brightness(darker_but_one)) < 0.01
    assert brightness(dark) < 1.0  # values under 256 of 65535 are black in 8 bits


def test_grayscale_and_palette_images(astronaut_rgb):
    gray = decode_image(encode(astronaut_rgb[:, :, 0], "PNG"))
    assert gray.pixels.shape == (512, 512)
    palette = Image.fromarray(astronaut_rgb).convert("P")
    buffer = io.BytesIO()
    palette.save(buffer, "PNG")
    assert decode_image(buffer.getvalue(), color=True).pixels.shape == (512, 512, 3)


def test_large_jpeg_is_decoded_at_reduced_scale_but_reports_full_size(astronaut_rgb):
    import cv2

    big = cv2.resize(astronaut_rgb, (4000, 3000))
    image = decode_image(encode(big, "JPEG"), max_side=1000)
    assert (image.width, image.height) == (4000, 3000)
    assert 1000 <= max(image.pixels.shape) < 4000
    assert image.scale == pytest.approx(image.pixels.shape[1] / 4000)


def test_base64_text_and_data_urls_are_accepted(astronaut_jpeg):
    encoded = base64.b64encode(astronaut_jpeg).decode()
    wrapped = "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    for text in (encoded, wrapped, f"data:image/jpeg;base64,{encoded}",
                 encoded.rstrip("="), base64.urlsafe_b64encode(astronaut_jpeg).decode()):
        assert image_bytes_from_text(text) == astronaut_jpeg
    assert decode_image(f"data:image/jpeg;base64,{encoded}").width == 512


@pytest.mark.parametrize("text, code", [
    ("not base64 at all!", "invalid_base64"),
    ("data:image/png,rawtext", "invalid_base64"),
    ("data:;base64", "invalid_base64"),
    ("", "empty_image"),
    (base64.b64encode(b"plain text, no image").decode(), "not_an_image"),
])
def test_bad_text_input_is_refused_with_a_code(text, code):
    with pytest.raises(errors.FaceGenderError) as caught:
        decode_image(text)
    assert caught.value.code == code
    assert 400 <= caught.value.status < 500


@pytest.mark.parametrize("data, code, status", [
    (b"", "empty_image", 400),
    (b"hello world, this is text", "not_an_image", 415),
    (b"GIF89a" + b"\x00" * 32, "unsupported_media_type", 415),
    (b"%PDF-1.7\n", "unsupported_media_type", 415),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "unsupported_media_type", 415),
    (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 32, "unsupported_media_type", 415),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "corrupt_image", 422),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "corrupt_image", 422),
    (bytes(range(256)) * 4, "not_an_image", 415),
])
def test_bad_bytes_are_refused_with_a_code(data, code, status):
    with pytest.raises(errors.FaceGenderError) as caught:
        decode_image(data)
    assert (caught.value.code, caught.value.status) == (code, status)


def test_truncated_jpeg_is_corrupt(astronaut_jpeg):
    with pytest.raises(errors.CorruptImage):
        decode_image(astronaut_jpeg[: len(astronaut_jpeg) // 2])


def test_truncated_png_is_corrupt(astronaut_rgb):
    data = encode(astronaut_rgb, "PNG")
    with pytest.raises(errors.CorruptImage):
        decode_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding():
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(errors.ImageTooLarge) as caught:
        decode_image(png_header_only(30000, 30000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert caught.value.status == 413
    assert peak < 50_000_000  # 900 megapixels were never allocated


def test_pixel_limit_is_checked_from_the_header():
    with pytest.raises(errors.ImageTooLarge) as caught:
        decode_image(png_header_only(5000, 5000), max_pixels=10_000_000)
    assert "5000x5000" in caught.value.message


@pytest.fixture
def max_pixels_env(monkeypatch):
    """Sets FACEGENDER_MAX_PIXELS for one test; the settings are read again around it."""
    from facegender.settings import get_settings

    def configure(value: int) -> None:
        monkeypatch.setenv("FACEGENDER_MAX_PIXELS", str(value))
        get_settings.cache_clear()

    yield configure
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.slow  # a 100 MP PNG: hundreds of MB; make test runs it, make test-fast does not
def test_the_configured_pixel_limit_applies_on_both_sides_of_pillows_default(max_pixels_env):
    """150 MP configured: a 100 MP PNG (over Pillow's 89.5 MP default) decodes, 156 MP is
    refused naming the configured limit. 100 MB of pixels: a few hundred MB at the peak."""
    from facegender.settings import get_settings

    max_pixels_env(150_000_000)
    configured = get_settings().max_pixels  # decode_image never reads the environment itself
    buffer = io.BytesIO()
    Image.new("L", (10_000, 10_000), 7).save(buffer, "PNG", compress_level=1)
    image = decode_image(buffer.getvalue(), max_pixels=configured)
    assert (image.width, image.height) == (10_000, 10_000)
    assert image.pixels[::1000, ::1000].max() == 7
    del image
    with pytest.raises(errors.ImageTooLarge) as caught:
        decode_image(png_header_only(12_500, 12_500), max_pixels=configured)
    assert caught.value.code == "image_too_large" and caught.value.status == 413
    assert "12500x12500 pixels; the limit is 150 megapixels" in caught.value.message


def test_the_pixel_limit_setting_stops_at_200_megapixels(max_pixels_env):
    from facegender.settings import get_settings

    max_pixels_env(200_000_000)
    assert get_settings().max_pixels == 200_000_000
    max_pixels_env(200_000_001)
    with pytest.raises(ValueError, match="FACEGENDER_MAX_PIXELS"):
        get_settings()


def test_byte_limit_is_checked_before_base64_decoding(astronaut_jpeg):
    with pytest.raises(errors.PayloadTooLarge) as caught:
        decode_image(base64.b64encode(astronaut_jpeg).decode(), max_bytes=10_000)
    assert caught.value.status == 413
    assert "limit" in caught.value.message
    with pytest.raises(errors.PayloadTooLarge):
        decode_image(astronaut_jpeg, max_bytes=10_000)


def test_animated_webp_uses_the_first_frame():
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("black", "white")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert decode_image(buffer.getvalue()).pixels.max() < 10


@pytest.mark.parametrize("mode", ["I;16", "RGBA"])
def test_large_16_bit_and_transparent_pngs_decode_within_a_few_bytes_a_pixel(mode):
    """A tiny file may claim many pixels: decoding must not keep several float or RGBA copies."""
    import tracemalloc

    width, height = 3000, 2000
    image = (Image.new("I;16", (width, height), 40000) if mode == "I;16"
             else Image.new("RGBA", (width, height), (10, 20, 30, 128)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    tracemalloc.start()
    pixels = decode_image(buffer.getvalue()).pixels
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert pixels.shape == (height, width)
    assert peak < 6 * width * height  # was 8+ bytes a pixel (float64) or 4 RGBA copies
