"""Side-by-side timing of the first step of `make run` on a fresh machine: creating the virtual
environment and installing what the main job needs.

A: pip, the recipe before uv (``pip install --upgrade pip``, then ``pip install -e .``);
B: the Makefile's own recipe (``make .venv/.installed``: uv from PyPI, then ``uv pip install -e .``).
Each round clones the repository afresh and installs with the download caches off (as on a new
machine), alternating A B A B; medians go to ``bench/results/<date>-install-ab.json``.

    flock -x /tmp/kuairec-bench.lock python3 bench/ab_install.py --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP_RECIPE = ("{python} -m venv .venv && .venv/bin/pip install --quiet --upgrade pip "
              "&& .venv/bin/pip install --quiet -e .")
MAKE_RECIPE = "make --no-print-directory PYTHON={python} .venv/.installed"
NO_CACHE = {"PIP_NO_CACHE_DIR": "1", "UV_NO_CACHE": "1"}


def _timed_install(recipe: str, name: str) -> float:
    with tempfile.TemporaryDirectory(prefix="kuairec-install-") as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        command = recipe.format(python=sys.executable)
        start = time.perf_counter()
        subprocess.run(command, shell=True, cwd=clone, check=True, env={**os.environ, **NO_CACHE})
        seconds = time.perf_counter() - start
    print(f"{name}: {seconds:.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    pip, make = [], []
    for _ in range(args.rounds):
        pip.append(_timed_install(PIP_RECIPE, "A pip"))
        make.append(_timed_install(MAKE_RECIPE, "B make (uv)"))
    result = {
        "date": date.today().isoformat(), "rounds": args.rounds, "pip_seconds": pip, "make_uv_seconds": make,
        "pip_median": statistics.median(pip), "make_uv_median": statistics.median(make),
        "ratio_make_uv_over_pip": statistics.median(b / a for a, b in zip(pip, make)),
        "note": "fresh clone per run, download caches off (PIP_NO_CACHE_DIR, UV_NO_CACHE)",
    }
    out = ROOT / "bench" / "results" / f"{result['date']}-install-ab.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"pip {result['pip_median']:.1f} s, make (uv) {result['make_uv_median']:.1f} s, "
          f"ratio {result['ratio_make_uv_over_pip']:.2f} -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
