"""Stages of several checkouts of this repository, side by side on one release (ingest + build by
default; ``--stages long_term,mediation`` times the estimator suites on each version's own
warehouse, built once before the rounds and kept with ``--keep`` to compare the tables).

Each version is a work tree (``git worktree add <dir> <commit>``) run with this virtual
environment's interpreter and its own package and dbt project (PYTHONPATH and working directory
set to the work tree), every stage in a fresh child process (``python -m kuairec_causal.bench``).
Rounds alternate the versions (A B C A B C ...); the stage's own seconds and peak resident memory
come from the child. Medians of the rounds go to ``bench/results/<date>-<scale>-versions.json``.

    git worktree add /tmp/v-base 959427d
    flock -x /tmp/kuairec-bench.lock .venv/bin/python bench/ab_versions.py --scale full \\
        --release path/to/KuaiRec_synthetic.zip --version base=/tmp/v-base --version head=. \\
        --version head-2GB=.,KUAIREC_DUCKDB_MEMORY_LIMIT=2GB
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from kuairec_causal.bench import STAGES, _paired_ratio, _run_child, machine
from kuairec_causal.errors import KuaiRecError

ROOT = Path(__file__).resolve().parents[1]
DATA_STAGES = ("ingest", "build")  # in pipeline order; the estimator stages read a built warehouse


def untimed_setup(stages: list[str]) -> list[str]:
    """The data stages a version needs run once before the rounds: those not timed themselves
    that come before a timed stage."""
    def rank(stage: str) -> int:
        return DATA_STAGES.index(stage) if stage in DATA_STAGES else len(DATA_STAGES)

    last = max(rank(stage) for stage in stages)
    return [stage for stage in DATA_STAGES if stage not in stages and rank(stage) < last]


def main() -> None:
    try:
        compare()
    except KuaiRecError as error:
        raise SystemExit(f"ab_versions: {error}") from None
    except KeyboardInterrupt:
        print("ab_versions: interrupted", file=sys.stderr)
        raise SystemExit(130) from None


def compare() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="full")
    parser.add_argument("--seed", type=int, default=20200705)
    parser.add_argument("--release", type=Path, required=True, help="a KuaiRec_synthetic.zip")
    parser.add_argument("--version", action="append", required=True,
                        help="name=work tree[,VARIABLE=value...]: environment variables of that arm only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stages", default="ingest,build", help="timed stages, comma-separated")
    parser.add_argument("--jobs", type=int, default=1, help="--jobs of the estimator stages")
    parser.add_argument("--keep", action="store_true", help="keep each version's workspace (bench/tmp)")
    args = parser.parse_args()
    stages = args.stages.split(",")
    unknown = [stage for stage in stages if stage not in STAGES]
    if unknown:
        parser.error(f"--stages: unknown stage {', '.join(unknown)} (known: {', '.join(STAGES)})")
    timed = "+".join(stages)
    versions: dict[str, Path] = {}
    arm_env: dict[str, dict[str, str]] = {}
    if not args.release.is_file():
        parser.error(f"--release: {args.release} is not a file")
    for spec in args.version:
        if "=" not in spec:
            parser.error(f"--version: expected name=work tree[,VARIABLE=value...], got {spec!r}")
        name, rest = spec.split("=", 1)
        tree, *assignments = rest.split(",")
        versions[name] = Path(tree).resolve()
        arm_env[name] = dict(assignment.split("=", 1) for assignment in assignments)
    scratch = ROOT / "bench" / "tmp" / f"versions-{args.scale}"
    for name in versions:
        release = scratch / name / "release"
        release.mkdir(parents=True, exist_ok=True)
        target = release / "KuaiRec_synthetic.zip"
        if not target.exists():
            os.link(args.release, target)
        for stage in untimed_setup(stages):
            print(f"setup, {name}: {stage}", flush=True)
            _run_child(stage, scratch / name, args.scale, args.seed, 200, checkout=versions[name],
                       extra_env=arm_env[name])
    runs: list[dict] = []
    for round_ in range(1, args.rounds + 1):
        for name, tree in versions.items():
            row: dict = {"round": round_, "version": name, "loadavg_before": os.getloadavg()[0]}
            for stage in stages:
                print(f"round {round_}, {name}: {stage}", flush=True)
                info = _run_child(stage, scratch / name, args.scale, args.seed, 200, args.jobs,
                                  checkout=tree, extra_env=arm_env[name])
                row[stage] = info["seconds"]
                row[f"{stage}_peak_mb"] = info["peak_mb"]
                if stage == "build":
                    row["build_sql"] = info["sql_seconds"]
            row[timed] = sum(row[stage] for stage in stages)
            print(json.dumps(row), flush=True)
            runs.append(row)
    keys = [*stages, *(["build_sql"] if "build" in stages else []), *([timed] if len(stages) > 1 else []),
            *(f"{stage}_peak_mb" for stage in stages)]
    medians = {name: {key: statistics.median(r[key] for r in runs if r["version"] == name) for key in keys}
               for name in versions}
    first = next(iter(versions))

    def round_seconds(name: str) -> list[float]:
        return [r[timed] for r in runs if r["version"] == name]

    ratios = {name: _paired_ratio(round_seconds(name), round_seconds(first))["median"] for name in versions}
    commits = {name: subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True,
                                    text=True, check=True).stdout.strip() for name, tree in versions.items()}
    result = {"date": date.today().isoformat(), "finished": time.strftime("%H:%M:%S UTC", time.gmtime()),
              "scale": args.scale, "seed": args.seed, "order": "round by round, versions in order",
              "commits": commits, "environment": arm_env, "stages": stages, "jobs": args.jobs, "runs": runs,
              "medians": medians, f"{timed}_vs_{first}": ratios, "machine": machine()}
    suffix = "" if stages == ["ingest", "build"] else "-" + "-".join(stages)
    out = ROOT / "bench" / "results" / f"{result['date']}-{args.scale}-versions{suffix}.json"
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps({"medians": medians, "ratios": ratios}, indent=2))
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"written {out}")


if __name__ == "__main__":
    main()
