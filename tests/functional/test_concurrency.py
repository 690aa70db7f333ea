"""Sixteen requests at once on the real local server: each gets the answer its own image gets
when sent alone (no mixed-up replies, no shared state between requests)."""

from __future__ import annotations

import base64
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.paths import SAMPLES

from .images import astronaut_variants, extra_astronaut_variants, no_face_images

CLIENTS = 16
SAMPLE_PHOTOS = ["single/obama.jpg", "group/voc_2008_004176.jpg", "group/voc_2007_007763.jpg",
                 "nonface/coffee.jpg"]


def sixteen_images() -> dict[str, bytes]:
    """8 astronaut variants, 4 pictures without faces, 4 sample photos (or 4 more variants)."""
    images = {**astronaut_variants(), **no_face_images()}
    samples = {name: (SAMPLES / name).read_bytes() for name in SAMPLE_PHOTOS
               if (SAMPLES / name).exists()}
    images.update(samples if len(samples) == 4 else extra_astronaut_variants())
    assert len(images) == CLIENTS and len(set(images.values())) == CLIENTS
    return images


def send(url: str, name: str, data: bytes, client: httpx.Client) -> dict:
    # Half the requests as base64 JSON, half as raw bodies: both parsers run side by side.
    if sum(map(ord, name)) % 2:
        response = client.post(f"{url}/v1/predict",
                               json={"image": base64.b64encode(data).decode(), "max_faces": 10})
    else:
        response = client.post(f"{url}/v1/predict", content=data, params={"max_faces": 10},
                               headers={"content-type": "application/octet-stream"})
    assert response.status_code == 200, (name, response.text[:300])
    reply = response.json()
    reply.pop("timings_ms")
    return reply


@pytest.fixture(scope="module")
def images() -> dict[str, bytes]:
    return sixteen_images()


@pytest.fixture(scope="module")
def answers_alone(server_url, images) -> dict[str, dict]:
    with httpx.Client(timeout=60) as client:
        return {name: send(server_url, name, data, client) for name, data in images.items()}


def test_the_images_have_distinct_answers(answers_alone):
    """Faces in some, none in others, different sizes: a mix-up could not go unnoticed."""
    assert all(len(answers_alone[name]["faces"]) >= 1 for name in astronaut_variants())
    assert all(answers_alone[name]["faces"] == [] for name in no_face_images())
    sizes = {(a["image"]["width"], a["image"]["height"]) for a in answers_alone.values()}
    assert len(sizes) >= 10
    assert len({json.dumps(a, sort_keys=True) for a in answers_alone.values()}) == CLIENTS


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_sixteen_parallel_requests_each_get_their_own_answer(server_url, images, answers_alone,
                                                             round_):
    order = list(images)
    random.Random(round_).shuffle(order)
    start = threading.Barrier(CLIENTS)

    def one(name: str) -> tuple[str, dict]:
        with httpx.Client(timeout=120) as client:
            start.wait(timeout=30)  # all sixteen leave together
            return name, send(server_url, name, images[name], client)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(one, order))
    for name, reply in results:
        assert reply == answers_alone[name], name
