"""``python -m benchmarks [pipeline|api|runtime|site|explain|collection|s3batch|detection]``: run
benchmarks, print and save the figures. ``detection`` (needs the datasets; ``python -m
benchmarks.detection --help`` for its options) runs only when named."""

from __future__ import annotations

import importlib
import json
import sys

from tests.support.paths import REPO_ROOT

ALL = ["pipeline", "api", "runtime", "site", "explain", "collection", "s3batch"]
ON_REQUEST = ["detection", "coarse_to_fine"]


def main(argv: list[str]) -> int:
    names = argv or ALL
    results = {}
    for name in names:
        if name not in ALL + ON_REQUEST:
            print(f"unknown benchmark {name!r}; choose from {', '.join(ALL + ON_REQUEST)}",
                  file=sys.stderr)
            return 2
        results[name] = importlib.import_module(f"benchmarks.{name}").main()
    out = REPO_ROOT / "benchmarks" / "output"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nsaved {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
