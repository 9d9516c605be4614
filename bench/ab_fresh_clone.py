"""Side by side, from fresh clones: a `make` target of an earlier revision (A) against this
checkout's HEAD (B), as a newcomer on a new machine runs it (download caches off).

    flock -x /tmp/kuairec-bench.lock .venv/bin/python bench/ab_fresh_clone.py --base bb8c1a2 --target .venv/.installed
    flock -x /tmp/kuairec-bench.lock .venv/bin/python bench/ab_fresh_clone.py --base bb8c1a2 --target run

Rounds alternate A B, B A, ... Wall seconds per run, medians, the median of the per-round ratios
B / A and, for ``run``, each stage's median seconds read from the job's own stage lines
("[hh:mm:ss] <stage> done in <s>s"; installation = wall minus the stages) go to
``bench/results/<date>-<target>-ab.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from kuairec_causal.bench import _paired_ratio, machine

ROOT = Path(__file__).resolve().parents[1]
NO_CACHE = {"PIP_NO_CACHE_DIR": "1", "UV_NO_CACHE": "1"}
# Top-level stage lines of `kuairec-causal run` (indented sub-steps and bars are not matched).
ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # terminal control sequences around progress bars
STAGE_LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] (data|warehouse|estimate(?::\w+)?|effects|report) done in ([\d.]+)s")


def _timed_make(revision: str, target: str, name: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="kuairec-ab-") as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "checkout", "--quiet", revision], cwd=clone, check=True)
        start = time.perf_counter()
        done = subprocess.run(["make", "--no-print-directory", target], cwd=clone, env={**os.environ, **NO_CACHE},
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode:
            tail = " ".join(done.stderr.strip().splitlines()[-1:]) or "no output"
            raise SystemExit(f"ab_fresh_clone: {name} ({revision}): make {target} failed "
                             f"(exit {done.returncode}): {tail}")
    lines = ESCAPE.sub("", done.stdout + done.stderr).replace("\r", "\n").splitlines()
    stages = {m[1]: float(m[2]) for m in (STAGE_LINE.match(line.strip()) for line in lines) if m}
    if stages:
        # Studies run side by side print overlapping lines; their group line ("estimate") spans them.
        overlapping = "estimate" in stages
        stages["installation"] = seconds - sum(v for k, v in stages.items()
                                               if not (overlapping and k.startswith("estimate:")))
    print(f"{name}: {seconds:.1f} s", flush=True)
    return {"seconds": seconds, "stages": stages}


def _medians(runs: list[dict]) -> dict:
    names = runs[0]["stages"].keys()
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "stages": {n: statistics.median(r["stages"][n] for r in runs) for n in names}}


def _revision(name: str) -> str:
    """The short commit id of ``name``; empty if this repository has no such commit."""
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "--short", f"{name}^{{commit}}"], cwd=ROOT,
                           capture_output=True, text=True)
    return found.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="revision A (B is this checkout's HEAD)")
    parser.add_argument("--target", default="run", help="make target (default: run)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    base, head = _revision(args.base), _revision("HEAD")
    if not base:
        parser.error(f"--base: no commit named {args.base!r} in {ROOT}")
    if args.rounds < 1:
        parser.error(f"--rounds: must be at least 1; got {args.rounds}")
    try:
        _compare(args, base, head)
    except KeyboardInterrupt:
        print("ab_fresh_clone: interrupted (no result written)", file=sys.stderr)
        raise SystemExit(130) from None


def _compare(args: argparse.Namespace, base: str, head: str) -> None:
    runs: dict[str, list[dict]] = {"A": [], "B": []}
    for round_ in range(args.rounds):
        order = ("A", "B") if round_ % 2 == 0 else ("B", "A")
        for name in order:
            runs[name].append(_timed_make(base if name == "A" else head, args.target, name))
    result = {
        "date": date.today().isoformat(), "target": args.target, "A": base, "B": head,
        "rounds": args.rounds, "order": "A B, B A, ...", "note": "fresh clone per run, download caches off",
        "machine": machine(), "runs": runs, "medians": {name: _medians(r) for name, r in runs.items()},
        "ratio_B_over_A": _paired_ratio([r["seconds"] for r in runs["B"]], [r["seconds"] for r in runs["A"]]),
    }
    slug = re.sub(r"[^A-Za-z0-9]+", "-", args.target).strip("-")
    out = ROOT / "bench" / "results" / f"{result['date']}-{slug}-ab.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    medians = result["medians"]
    print(f"A {medians['A']['seconds']:.1f} s, B {medians['B']['seconds']:.1f} s, "
          f"ratio {result['ratio_B_over_A']['median']:.2f} -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
