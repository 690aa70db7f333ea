"""What each detection pass adds, on the training split and on photos without faces.

``python -m training.detection_ablation`` runs the upright passes of the frontal cascade alone
on every training image (about 12 minutes on two cores), then, on the images where they find
nothing, each later pass of :func:`facegender.faces.find_faces` by itself and all of them in
turn: the second frontal cascade, the turned copies (with their confirmation), the profile
cascade. The same passes run on the no-face sample photos and on scikit-image's photos
without faces, where every face found is a false one.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from joblib import Parallel, delayed

from facegender.detection import (
    confirmed, detection_copy, profile_faces, shared_cascades, turned_faces, upright_faces,
)
from facegender.faces import find_faces
from facegender.imaging import decode_image
from facegender.service import use_one_thread_per_request

from .data import data_root, load_split
from .recipes import SERVED_PREPROCESSING

#: Photos in scikit-image (public domain or CC0) with no human face.
SKIMAGE_WITHOUT_FACES = ("brick", "cell", "chelsea", "clock", "coffee", "coins", "colorwheel",
                         "grass", "gravel", "horse", "hubble_deep_field",
                         "immunohistochemistry", "logo", "microaneurysms", "moon", "page",
                         "retina", "rocket", "text", "checkerboard", "shepp_logan_phantom")
SERVED = SERVED_PREPROCESSING
UPRIGHT_ONLY = replace(SERVED, detector=replace(SERVED.detector, alt_min_neighbors=0,
                                                rotations=(), profile_min_neighbors=0))


def passes(gray: np.ndarray) -> dict[str, bool]:
    """Which passes find a face in ``gray``, each on its own, and the served chain."""
    with shared_cascades() as cascades:
        return _passes(gray, cascades)


def _passes(gray: np.ndarray, cascades) -> dict[str, bool]:
    detector = SERVED.detector
    copy = detection_copy(gray, detector)
    found = {"upright": bool(upright_faces(copy, UPRIGHT_ONLY.detector, cascades))}
    found["second frontal cascade"] = bool(upright_faces(copy, detector, cascades))
    found["turned copies"] = False
    for angle in detector.rotations:
        candidates = turned_faces(copy, detector, angle, cascades)
        if candidates:
            found["turned copies"] = bool(confirmed(gray, copy, candidates, SERVED.eye_search, cascades))
            break
    found["profile cascade"] = bool(profile_faces(copy, detector, cascades))
    found["served chain"] = bool(find_faces(gray, SERVED, cascades=cascades))
    return found


def _passes_of_files(paths: list[str]) -> list[dict[str, bool]]:
    use_one_thread_per_request()
    return [passes(decode_image(Path(p).read_bytes(), max_bytes=50_000_000).pixels)
            for p in paths]


def photos_without_faces(root: Path) -> dict[str, np.ndarray]:
    from skimage import data

    photos = {}
    for name in SKIMAGE_WITHOUT_FACES:
        image = np.asarray(getattr(data, name)())
        gray = cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
        photos[f"skimage {name}"] = gray.astype(np.uint8)
    for path in sorted((root / "samples" / "nonface").glob("*.jpg")):
        photos[f"samples {path.name}"] = decode_image(path.read_bytes()).pixels
    return photos


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.detection_ablation",
                                     description=__doc__)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    root = data_root()
    train = load_split(root, "train")
    chunks = [train.paths[i:i + 256].tolist() for i in range(0, len(train), 256)]
    found = [r for part in Parallel(n_jobs=args.jobs)(delayed(_passes_of_files)(c)
                                                       for c in chunks) for r in part]
    missed = [f for f in found if not f["upright"]]
    print(f"training split: {len(train)} images, the upright passes miss {len(missed)}")
    for name in ("second frontal cascade", "turned copies", "profile cascade", "served chain"):
        print(f"  {name:24s} finds a face in {sum(f[name] for f in missed)} of them")
    print(f"  face found, served chain: {np.mean([f['served chain'] for f in found]):.4f} "
          f"(upright passes alone {np.mean([f['upright'] for f in found]):.4f})")
    print("photos without faces: faces found by the upright passes / by the served chain")
    for name, gray in photos_without_faces(root).items():
        upright = len(find_faces(gray, UPRIGHT_ONLY))
        served = len(find_faces(gray, SERVED))
        flag = "" if served == upright else "   <- the later passes added a face"
        print(f"  {name:34s} {upright} / {served}{flag}")


if __name__ == "__main__":
    main()
