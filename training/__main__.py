"""Command line: ``python -m training [--recipe improved|seed] ...``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .data import ENV_DATA, data_root
from .pipeline import DEFAULT_MODEL_DIR, DEFAULT_OUTPUT, Options, run
from .recipes import RECIPES
from .report import write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training",
        description="Train the eigenfaces gender-presentation model, evaluate it, export it.",
    )
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="improved",
                        help="'improved' (default) trains the served model; 'seed' reproduces "
                             "the original app's recipe and only evaluates it")
    parser.add_argument("--data", type=Path, default=None,
                        help=f"dataset folder with faces/ and utkface/ (default ${ENV_DATA} "
                             "or ../shared/data)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="plots, report and the scikit-learn model (default %(default)s)")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR,
                        help="where model.npz and model.json go (default %(default)s)")
    parser.add_argument("--no-export", action="store_true",
                        help="do not overwrite the runtime model in --model-dir")
    parser.add_argument("--with-seed", action="store_true",
                        help="also train and evaluate the original app's recipe, for comparison "
                             "(about 4 more minutes)")
    parser.add_argument("--compare-with", type=Path, default=None, metavar="MODEL_DIR",
                        help="also evaluate an earlier model folder (model.npz + model.json) on "
                             "the same test images")
    parser.add_argument("--limit", type=int, default=None,
                        help="use at most this many images per class, dataset and split")
    parser.add_argument("--grid-samples", type=int, default=Options.grid_samples,
                        help="faces the grid search uses (default: all; fewer makes the "
                             "calibration search the chosen candidate again over all faces)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    options = Options(
        data=data_root(args.data),
        output=args.output,
        model_dir=None if args.no_export else args.model_dir,
        recipe=RECIPES[args.recipe],
        with_seed=args.with_seed,
        compare_with=args.compare_with,
        grid_samples=args.grid_samples,
        n_jobs=args.jobs,
        limit=args.limit,
    )
    if not (options.data / "faces" / "labels.csv").exists():
        parser.error(f"no dataset at {options.data}; pass --data or set {ENV_DATA}")
    card = run(options)
    print(write_report(card, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
