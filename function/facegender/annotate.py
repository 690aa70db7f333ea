"""Copies of a photo with each face's box and label drawn on (``predict --annotate``)."""

from __future__ import annotations

from pathlib import Path


def annotate(data: bytes, reply: dict, out: Path) -> None:
    """Draw ``reply``'s faces on the image ``data`` and write it to ``out`` (JPEG)."""
    import cv2

    from .explain import MAP_COLOURS
    from .imaging import decode_image

    image = decode_image(data, color=True, max_bytes=len(data) + 1).pixels.copy()
    thickness = max(2, round(max(image.shape[:2]) / 400))
    for face in reply["faces"]:
        box = face["box"]
        colour = MAP_COLOURS[face["gender"]]
        top_left = (box["x"], box["y"])
        bottom_right = (box["x"] + box["width"], box["y"] + box["height"])
        cv2.rectangle(image, top_left, bottom_right, colour, thickness)
        text = f"{face['gender']} {face['confidence']:.0%}"
        scale = thickness / 3
        cv2.putText(image, text, (box["x"], max(12, box["y"] - 2 * thickness)),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, colour, max(1, thickness // 2), cv2.LINE_AA)
    cv2.imwrite(str(out), image)
