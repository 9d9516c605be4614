"""Time `dbt build` of the warehouse on a raw directory and print per-node timings.

Usage: ``python tests/warehouse/benchmark_build.py RAW_DIR [--vars '{"interaction_matrix": "big_matrix"}']``
(generate RAW_DIR at the real sizes with tests/warehouse/synthetic_scale.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbt_invoke import run_dbt  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw_dir")
    parser.add_argument("--vars", default=None, help="dbt vars as JSON")
    parser.add_argument("--top", type=int, default=0, help="show only the N slowest nodes (0 = all models)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kuairec_bench_") as tmp:
        start = time.perf_counter()
        run = run_dbt(["build", "--quiet"], raw_dir=opts.raw_dir, duckdb_path=Path(tmp) / "bench.duckdb",
                      work_dir=tmp, vars=json.loads(opts.vars) if opts.vars else None)
        wall = time.perf_counter() - start
    nodes = sorted(run.results, key=lambda r: -r["execution_time"])
    shown = nodes[: opts.top] if opts.top else [r for r in nodes if r["unique_id"].startswith("model.")]
    for r in shown:
        print(f"{r['execution_time']:7.2f} s  {r['status']:<8} {r['unique_id']}")
    by_kind: dict[str, float] = {}
    for r in nodes:
        kind = r["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + r["execution_time"]
    print("summed node time by kind: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(by_kind.items())))
    print(f"dbt elapsed (SQL stage incl. hooks, 2 threads): {run.elapsed_time:.1f} s; wall incl. parse: {wall:.1f} s")
    if not run.success:
        print("FAILED:", *run.failures(), run.exception or "", sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
