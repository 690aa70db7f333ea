"""Command line: ``python -m facegender predict PATH... [--json] [--include-crops] [--annotate DIR]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator

from .errors import FaceGenderError
from .formats import SUFFIXES as IMAGE_SUFFIXES
from .settings import get_settings

NOTE = ("Labels are apparent, binary gender presentation as guessed by the model, "
        "not anyone's identity.")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "predict":
        return _predict(args, parser)
    if args.command == "serve":
        from .local import serve

        serve(host=args.host, port=args.port)
        return 0
    parser.print_help()
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m facegender", description=NOTE)
    commands = parser.add_subparsers(dest="command")
    predict = commands.add_parser(
        "predict", help="classify the faces in image files or folders",
        description="Classify every face in each image. " + NOTE)
    predict.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                         help="image files, or folders to walk")
    predict.add_argument("--json", action="store_true",
                         help="one JSON object per image (JSON lines)")
    predict.add_argument("--include-crops", action="store_true",
                         help="add base64 PNGs of each face crop and its reconstruction")
    predict.add_argument("--annotate", type=Path, metavar="OUTDIR",
                         help="write copies with boxes and labels drawn into OUTDIR")
    predict.add_argument("--max-faces", type=int, default=None, help="at most this many faces")
    serve = commands.add_parser("serve", help="run the web page and API locally")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    return parser


def _predict(args, parser) -> int:
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    from .service import FaceService

    service = FaceService.load(get_settings())
    if args.annotate:
        args.annotate.mkdir(parents=True, exist_ok=True)
    for path, relative in _walk(args.paths):
        try:
            data = path.read_bytes()
            reply = service.classify(data, include_crops=args.include_crops,
                                     max_faces=args.max_faces)
        except FaceGenderError as error:
            _emit_error(path, error.code, error.message, args.json)
            continue
        except OSError as error:
            _emit_error(path, "unreadable_file", str(error), args.json)
            continue
        if args.annotate:
            out = args.annotate / relative.with_name(relative.stem + ".annotated.jpg")
            out.parent.mkdir(parents=True, exist_ok=True)
            _annotate(data, reply, out)
        if args.json:
            print(json.dumps({"path": str(path), **reply}), flush=True)
        else:
            _print_text(path, reply)
    return 0


def _walk(paths: list[Path]) -> Iterator[tuple[Path, Path]]:
    """Each image file with its path relative to the folder it was found in."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in IMAGE_SUFFIXES:
                    yield found, found.relative_to(path)
        else:
            yield path, Path(path.name)


def _emit_error(path: Path, code: str, message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"path": str(path), "error": {"code": code, "message": message}}),
              flush=True)
    else:
        print(f"{path}: error {code}: {message}", flush=True)


def _print_text(path: Path, reply: dict) -> None:
    faces = reply["faces"]
    print(f"{path}: {len(faces)} face{'s' if len(faces) != 1 else ''} "
          f"({reply['timings_ms']['total']:.0f} ms)")
    for face in faces:
        box = face["box"]
        print(f"  {face['gender']:<6} {face['confidence']:.0%}  at x={box['x']} y={box['y']} "
              f"{box['width']}x{box['height']}")


def _annotate(data: bytes, reply: dict, out: Path) -> None:
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


if __name__ == "__main__":
    sys.exit(main())
