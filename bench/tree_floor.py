"""How close the estimator stage can come to issue #15's targets with its estimators as they are.

The three steps that fit most boosted trees -- the long-term LightGBM g-computation (its bootstrap
refits both arms' outcome models in every replicate), the long-term cross-fitted AIPW and the
mediation study's cross-fitted ML mediation -- run here one after the other in this process, on one
thread, under cProfile. The seconds spent inside LightGBM, XGBoost and the settings-forest walk
(training, binning, prediction) are summed; halved for the two cores, that is the least wall time
those steps alone could take if the two cores were always busy and everything else were free. The
other steps only add to it. One DoubleML IRM fit (the issue's yardstick) is timed in the same run.

    flock -x /tmp/kuairec-bench.lock \
        .venv/bin/python bench/tree_floor.py --duckdb warehouse/kuairec.duckdb --label small

The g-computation bootstrap is timed on ``--replicates`` replicates of the primary outcome and scaled
to the suites' count (every replicate of every outcome fits the same rows and trees). Results go to
``bench/results/<date>-tree-floor-<label>.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import signal
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path


def _interrupted(*_: object) -> None:
    """Ctrl-C, also while the libraries below import: one line, exit 130 (the result file is written
    only at the end, so nothing is half-written)."""
    print("tree_floor: interrupted", file=sys.stderr)
    os._exit(130)


signal.signal(signal.SIGINT, _interrupted)

from kuairec_causal import estimators as est  # noqa: E402 - after the Ctrl-C handler
from kuairec_causal.bench import _doubleml_irm, machine  # noqa: E402
from kuairec_causal.config import Paths  # noqa: E402
from kuairec_causal.errors import KuaiRecError  # noqa: E402
from kuairec_causal.store import DuckDBMartReader  # noqa: E402
from kuairec_causal.studies import long_term as lt  # noqa: E402
from kuairec_causal.studies import long_term_spec, mediation_diagnostics, mediation_ml, mediation_spec  # noqa: E402
from kuairec_causal.studies.common import StudyContext, StudySettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TREE_CODE = ("site-packages/lightgbm/", "site-packages/xgboost/", "estimators/_forest_kernel.py")


def _tree_seconds(call: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, seconds inside the tree libraries) of ``call()``."""
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.runcall(call)
    wall = time.perf_counter() - start
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    inside = sum(entry[2] for (filename, _, _), entry in stats.items()
                 if any(part in filename for part in TREE_CODE))
    return wall, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", type=Path, required=True, help="a built warehouse (marts present)")
    parser.add_argument("--replicates", type=int, default=10, help="g-computation replicates timed")
    parser.add_argument("--label", default="small", help="names the result file (e.g. the scale)")
    args = parser.parse_args()
    settings = StudySettings()
    seed, n_boot, n_folds = settings.seed, settings.n_boot, settings.n_folds
    reader = DuckDBMartReader(args.duckdb)
    context = StudyContext(reader=reader, settings=settings)
    panel = lt.load_panel(context)
    models = lt.learners(seed)
    primary = panel.columns.primary_outcome
    replicates = {o: n_boot if o == primary else min(n_boot, long_term_spec.LIGHTGBM_SECONDARY_MAX_BOOT)
                  for o in panel.outcomes}
    paths = Paths(root=ROOT, duckdb_path=args.duckdb.resolve(), raw_dir=args.duckdb.resolve().parent / "raw")
    irm = _doubleml_irm(paths, seed)

    def gcomp(boot: int) -> Callable[[], object]:
        return lambda: est.g_computation(panel.data, outcome=primary, **panel.roles, learner=models["lightgbm_outcome"],
                                         strategy="t", n_boot=boot, seed=seed)

    point_wall, point_tree = _tree_seconds(gcomp(0))
    boot_wall, boot_tree = _tree_seconds(gcomp(args.replicates))
    per_replicate = (boot_tree - point_tree) / args.replicates
    gcomp_tree = point_tree * len(panel.outcomes) + per_replicate * sum(replicates.values())
    aipw_wall, aipw_tree = _tree_seconds(lambda: est.aipw_outcomes(
        panel.data, long_term_spec.TREATMENT, panel.outcomes, panel.columns.numeric, long_term_spec.CATEGORICAL,
        long_term_spec.CLUSTER,
        outcome_learner=models["lightgbm_outcome"], propensity_learner=models["logistic"], strategy="t",
        n_folds=n_folds, propensity_bounds=long_term_spec.AIPW_PROPENSITY_BOUNDS, n_boot=0, seed=seed,
        n_rep=long_term_spec.AIPW_SPLITS))
    columns = mediation_spec.Columns.of(context.windows)
    mediation_panel = mediation_diagnostics.load_panel(reader, columns)
    crossfit_wall, crossfit_tree = _tree_seconds(lambda: mediation_ml.crossfit(
        mediation_panel, columns, n_folds, n_boot, seed, lambda *_: None))
    steps = {
        "lightgbm_gcomputation": {"tree_seconds": gcomp_tree, "replicates": replicates,
                                  "tree_seconds_per_replicate": per_replicate, "timed_replicates": args.replicates,
                                  "timed_wall_seconds": point_wall + boot_wall},
        "aipw_crossfit": {"tree_seconds": aipw_tree, "wall_seconds": aipw_wall},
        "mediation_crossfit_ml": {"tree_seconds": crossfit_tree, "wall_seconds": crossfit_wall},
    }
    tree_total = sum(step["tree_seconds"] for step in steps.values())
    floor = tree_total / 2
    result = {
        "date": date.today().isoformat(), "duckdb": str(args.duckdb), "machine": machine(), "irm": irm,
        "steps": steps, "tree_seconds": tree_total, "floor_seconds_on_2_cores": floor,
        "floor_over_irm": floor / irm["fit_seconds"],
        "note": "tree seconds: inside LightGBM, XGBoost and the settings-forest walk, one thread; the floor "
                "counts only these three steps",
    }
    out = ROOT / "bench" / "results" / f"{result['date']}-tree-floor-{args.label}.json"
    out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    for name, step in steps.items():
        print(f"{name}: {step['tree_seconds']:.1f} s in tree code")
    print(f"total {tree_total:.1f} s; floor on 2 cores {floor:.1f} s = {result['floor_over_irm']:.2f} x one "
          f"DoubleML IRM fit ({irm['fit_seconds']:.1f} s); written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except KuaiRecError as error:  # bad input: one line, exit 2, nothing written
        print(f"tree_floor: error: {error}", file=sys.stderr)
        sys.exit(2)
