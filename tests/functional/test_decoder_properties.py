"""Property-based tests of the decoder: whatever a client sends, the answer is an upright image or
one of our errors (a FaceGenderError with an HTTP status and a code), never anything else."""

from __future__ import annotations

import io
import string

import numpy as np
import pytest
from facegender.errors import FaceGenderError
from facegender.imaging import DecodedImage, decode_image, image_bytes_from_text
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from .images import astronaut, encode

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
MAGIC_NUMBERS = {
    "jpeg": b"\xff\xd8\xff",
    "jpeg-jfif": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "png": b"\x89PNG\r\n\x1a\n",
    "png-ihdr": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    "webp-lossless": b"RIFF\x00\x00\x00\x00WEBPVP8L",
    "bmp": b"BM",
    "gif": b"GIF89a",
    "tiff": b"II*\x00",
    "pdf": b"%PDF",
    "heic": b"\x00\x00\x00\x18ftypheic",
    "svg": b"<svg",
}
ERROR_STATUSES = {400, 413, 415, 422}


def small_image(fmt: str) -> bytes:
    rgb = np.ascontiguousarray(astronaut()[150:214:2, 180:244:2])  # 32x32
    return encode(rgb, fmt)


VALID_SMALL = {fmt: small_image(fmt) for fmt in ("JPEG", "PNG", "WEBP", "BMP")}


def check_outcome(data, *, color: bool = False) -> None:
    """Decode ``data``; any exception other than a FaceGenderError fails the test."""
    try:
        image = decode_image(data, color=color)
    except FaceGenderError as error:
        event(error.code)  # shown by --hypothesis-show-statistics
        assert error.status in ERROR_STATUSES, (error.status, error.code)
        assert error.code and error.code != "bad_request", error.code
        assert error.message
        return
    event("decoded")
    assert isinstance(image, DecodedImage)
    assert image.pixels.dtype == np.uint8
    assert image.pixels.ndim == (3 if color else 2)
    if color:
        assert image.pixels.shape[2] == 3
    assert image.width > 0 and image.height > 0
    assert image.format in ("jpeg", "png", "webp", "bmp")
    h, w = image.pixels.shape[:2]
    assert (w, h) == (image.width, image.height) or image.scale < 1


@PROPERTY_SETTINGS
@given(st.binary(max_size=2048))
@example(b"")
@example(b"\xff\xd8\xff")
@example(b"BM" + bytes(24))
def test_any_bytes_decode_to_an_image_or_one_of_our_errors(data):
    check_outcome(data)


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(MAGIC_NUMBERS)), st.binary(max_size=4096), st.booleans())
def test_bytes_behind_each_magic_number_decode_or_fail_with_our_errors(name, tail, color):
    check_outcome(MAGIC_NUMBERS[name] + tail, color=color)


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(VALID_SMALL)), st.data())
def test_damaged_real_images_decode_or_fail_with_our_errors(fmt, data):
    """Real files with bytes overwritten, cut short or inserted: deep inside the decoders."""
    original = bytearray(VALID_SMALL[fmt])
    damage = data.draw(st.sampled_from(["overwrite", "truncate", "insert"]))
    if damage == "truncate":
        damaged = bytes(original[: data.draw(st.integers(0, len(original) - 1))])
    else:
        position = data.draw(st.integers(0, len(original) - 1))
        chunk = data.draw(st.binary(min_size=1, max_size=16))
        if damage == "overwrite":
            original[position:position + len(chunk)] = chunk
            damaged = bytes(original)
        else:
            damaged = bytes(original[:position] + chunk + original[position:])
    check_outcome(damaged, color=data.draw(st.booleans()))


@PROPERTY_SETTINGS
@given(st.text(max_size=600))
@example("")
@example("data:")
@example("data:image/png;base64,")
@example("====")
@example("\ud800")
def test_any_text_gives_bytes_or_one_of_our_errors(text):
    try:
        data = image_bytes_from_text(text)
    except FaceGenderError as error:
        assert error.status in ERROR_STATUSES
        assert error.code in ("invalid_base64", "payload_too_large")
        return
    assert isinstance(data, bytes)


BASE64_ALPHABET = string.ascii_letters + string.digits + "+/=-_ \n\r\t"


@PROPERTY_SETTINGS
@given(st.sampled_from(["", "data:image/jpeg;base64,", "data:;base64,", "DATA:IMAGE/PNG;BASE64,",
                        "data:image/png;charset=utf-8;base64,"]),
       st.text(alphabet=BASE64_ALPHABET, max_size=800))
def test_base64_looking_text_and_data_urls_give_an_image_or_our_errors(prefix, payload):
    check_outcome(prefix + payload)


@PROPERTY_SETTINGS
@given(st.binary(min_size=1, max_size=600), st.sampled_from(["", "data:image/png;base64,"]),
       st.integers(0, 3), st.booleans())
def test_base64_round_trips_through_wrapping_padding_and_the_url_safe_alphabet(
        data, prefix, wrap_every, url_safe):
    import base64

    encoded = (base64.urlsafe_b64encode(data) if url_safe else base64.b64encode(data)).decode()
    if wrap_every:
        width = 76 // wrap_every
        encoded = "\n".join(encoded[i:i + width] for i in range(0, len(encoded), width))
    assert image_bytes_from_text(prefix + encoded.rstrip("=") + "\n") == data


@pytest.mark.parametrize("fmt", sorted(VALID_SMALL))
def test_the_undamaged_seed_images_decode(fmt):
    image = decode_image(VALID_SMALL[fmt])
    assert (image.width, image.height) == (32, 32)
    assert Image.open(io.BytesIO(VALID_SMALL[fmt])).size == (32, 32)
