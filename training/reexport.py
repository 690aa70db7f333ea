"""Export a trained model again in the current artifact format, and evaluate it again.

``python -m training.reexport training/output --output NEW`` reads the scikit-learn model a
training run left in its output folder (``sklearn_model.joblib``) and that run's card, rounds
the model's large arrays as ``model.npz`` now stores them
(``training.export.round_stored_arrays``), and evaluates and exports it as ``make train``
does (``training.pipeline.evaluate_and_export``): the same report, plots, card and artifact,
without the hour of search and fit. The card keeps the run's choices, version (the digest of
the fit's dual coefficients) and training stages' times; the evaluation is measured again, and
``training.exported_again`` records when and why.

Arrays that were stored before are rounded a second time. A support vector value that was a
three-byte float becomes the two-byte fixed-point value nearest that float: about one step of
its column's scale (1/16,384 of the column's largest value) from what a fresh run would store,
where the two roundings straddle a half step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

import joblib

from facegender.model import CARD_FILE

from .data import ENV_DATA, data_root
from .export import round_stored_arrays
from .pipeline import DEFAULT_MODEL_DIR, EVALUATION_STAGES, Options, evaluate_and_export, test_splits
from .report import write_report


def reexport(options: Options, trained_run: Path) -> dict:
    """Round, evaluate and export the model of the run whose output folder is ``trained_run``;
    returns its new card."""
    trained = round_stored_arrays(joblib.load(trained_run / "sklearn_model.joblib"))
    card = json.loads((trained_run / "model" / CARD_FILE).read_text(encoding="utf-8"))
    tests = test_splits(options, card["training_data"]["datasets"])
    seed = card.get("metrics", {}).get("seed")
    card["metrics"] = {} if seed is None else {"seed": seed}
    card.pop("known_failures", None)
    card["training"]["exported_again"] = {
        "date": dt.date.today().isoformat(),
        "why": "stored in the current artifact format (training.reexport) and evaluated again",
    }
    # The training stages' times are the run's; the evaluation's are measured again.
    timings = {name: seconds * 1000.0 for name, seconds in card["training"]["timings_s"].items()
               if name not in EVALUATION_STAGES}
    return evaluate_and_export(trained, card, tests, options, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.reexport",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("trained_run", type=Path,
                        help="a training run's output folder (sklearn_model.joblib, model/)")
    parser.add_argument("--output", type=Path, required=True,
                        help="where the new report, plots and models go (not trained_run)")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR,
                        help="where model.npz and model.json go (default %(default)s)")
    parser.add_argument("--compare-with", type=Path, default=None, metavar="MODEL_DIR",
                        help="also evaluate an earlier model folder on the same test images")
    parser.add_argument("--data", type=Path, default=None,
                        help=f"dataset folder (default ${ENV_DATA} or ../shared/data)")
    parser.add_argument("--limit", type=int, default=None,
                        help="at most this many test images per class and dataset: give the "
                             "training run's --limit, if it had one")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers")
    args = parser.parse_args(argv)
    if args.output.resolve() == args.trained_run.resolve():
        parser.error("--output must not be the trained run's folder, which it reads")

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    options = Options(data=data_root(args.data), output=args.output, model_dir=args.model_dir,
                      compare_with=args.compare_with, n_jobs=args.jobs, limit=args.limit)
    print(write_report(reexport(options, args.trained_run), args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
