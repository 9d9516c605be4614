"""Side-by-side timing of the estimator stage: both suites with ``--jobs 2`` (A) and ``--jobs 1``
(B), alternated A B A B on one prepared small-scale warehouse, each round with its own DoubleML
IRM reference fit (one per round, before A), every stage in a fresh child process
(``kuairec_causal.bench``). Medians of the rounds go to ``bench/results/<date>-<scale>-jobs-ab.json``.

    flock -x /tmp/kuairec-bench.lock .venv/bin/python bench/ab_jobs.py --scale small --rounds 2

The data stages (simulate, ingest, build) run first, outside the comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path

from kuairec_causal.bench import _run_child, machine

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=20200705)
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--arms", default="2,1", help="--jobs of arm A, arm B")
    parser.add_argument("--skip-setup", action="store_true")
    args = parser.parse_args()
    workspace = ROOT / "bench" / "tmp" / f"{args.scale}-ab"
    workspace.mkdir(parents=True, exist_ok=True)
    if not args.skip_setup:
        for stage in ("simulate", "ingest", "build"):
            print(f"setup: {stage}", flush=True)
            _run_child(stage, workspace, args.scale, args.seed, args.n_boot)
    arms = [int(j) for j in args.arms.split(",")]
    if args.rounds < 1:
        return
    runs: list[dict] = []
    for round_ in range(1, args.rounds + 1):
        print(f"round {round_}: doubleml_irm", flush=True)
        irm = _run_child("doubleml_irm", workspace, args.scale, args.seed, args.n_boot)["fit_seconds"]
        for jobs in arms:
            row: dict = {"round": round_, "jobs": jobs, "loadavg_before": os.getloadavg()[0], "doubleml_irm": irm}
            for stage in ("long_term", "mediation"):
                print(f"round {round_}, jobs {jobs}: {stage}", flush=True)
                row[stage] = _run_child(stage, workspace, args.scale, args.seed, args.n_boot, jobs)["seconds"]
            row["estimators"] = row["long_term"] + row["mediation"]
            row["vs_doubleml_irm"] = row["estimators"] / row["doubleml_irm"]
            row["loadavg_after"] = os.getloadavg()[0]
            print(json.dumps(row), flush=True)
            runs.append(row)
    medians = {jobs: {key: statistics.median(r[key] for r in runs if r["jobs"] == jobs)
                      for key in ("doubleml_irm", "long_term", "mediation", "estimators", "vs_doubleml_irm")}
               for jobs in arms}
    result = {"date": date.today().isoformat(), "finished": time.strftime("%H:%M:%S UTC", time.gmtime()),
              "scale": args.scale, "seed": args.seed, "n_boot": args.n_boot, "order": "A B A B", "arms": arms,
              "runs": runs, "medians": medians,
              "speedup_jobs": medians[arms[1]]["estimators"] / medians[arms[0]]["estimators"],
              "machine": machine()}
    out = ROOT / "bench" / "results" / f"{result['date']}-{args.scale}-jobs-ab.json"
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(medians, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
