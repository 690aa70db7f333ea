"""Command line: ``python -m facegender predict PATH...`` (one photo or a whole collection, on
every core), ``batch s3://bucket/prefix`` (the S3 batch on AWS) and ``serve``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

NOTE = ("Labels are apparent, binary gender presentation as guessed by the model, "
        "not anyone's identity.")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["batch"]:
        return _batch(argv[1:])
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
        description="Classify every face in each image. " + NOTE,
        epilog="Lines come out in the order images finish (not the folder's order), one "
               "self-contained JSON object each: the path and the API's reply, or the path and "
               "an error. Progress and a summary go to stderr. Exit code: 0 when every image "
               "was classified, 1 when any became an error line, 2 for a usage error, 130 "
               "after Ctrl-C (the output keeps whole lines: rerun with --resume).")
    predict.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                         help="image files, or folders to walk")
    predict.add_argument("--json", action="store_true",
                         help="one JSON object per image (JSON lines)")
    predict.add_argument("--include-crops", action="store_true",
                         help="add base64 PNGs of each face crop and its reconstruction")
    predict.add_argument("--annotate", type=Path, metavar="OUTDIR",
                         help="write copies with boxes and labels drawn into OUTDIR")
    predict.add_argument("--max-faces", type=int, default=None, help="at most this many faces")
    predict.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                         help="worker processes, each with its own model (default: the CPU "
                              "count, %(default)s here)")
    predict.add_argument("--output", "-o", type=Path, metavar="FILE.jsonl",
                         help="write the JSON lines to FILE instead of stdout")
    predict.add_argument("--resume", action="store_true",
                         help="skip the paths already answered in --output and append the rest")
    predict.add_argument("--limit", type=int, metavar="N",
                         help="classify at most N new images, then stop (a sample)")
    predict.add_argument("--progress-interval", type=float, default=10.0, metavar="S",
                         help="when stderr is not a terminal, a progress line every S seconds")
    commands.add_parser("batch", add_help=False,
                        help="classify a whole S3 prefix on AWS (see `batch --help`)")
    serve = commands.add_parser("serve", help="run the web page and API locally")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    return parser


def _predict(args, parser) -> int:
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    if args.resume and args.output is None:
        parser.error("--resume needs --output (the file to go on with)")
    if args.output is not None and args.output.exists() and not args.resume:
        parser.error(f"{args.output} exists: pass --resume to go on with it, or remove it")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    from .collection import Job, Options, run

    options = Options(include_crops=args.include_crops, max_faces=args.max_faces,
                      annotate=args.annotate)
    return run(Job(paths=tuple(args.paths), options=options, workers=args.workers,
                   output=args.output, resume=args.resume, as_json=args.json,
                   limit=args.limit, progress_interval=args.progress_interval))


def _batch(argv: list[str]) -> int:
    """``batch ...``: the S3 batch client lives with the other AWS helpers in ``infra/``."""
    try:
        from infra.batch import main as batch_main
    except ImportError:
        print("error: the S3 batch runs from a clone of the repository: run it from its root "
              "(make batch, or python -m facegender batch ...)", file=sys.stderr)
        return 2
    return batch_main(argv)


if __name__ == "__main__":
    sys.exit(main())
