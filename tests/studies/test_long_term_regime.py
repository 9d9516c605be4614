"""The exposure-policy (longitudinal regime) study on simulated warehouses with a planted truth.

Fast tests: a plumbing check on the tiny warehouse (the pipeline writes the tables in schema
effects with their provenance, and their dbt sources and singular tests pass: it checks wiring,
not accuracy), and one ``ci`` release of each world whose doubly robust intervals must contain
the planted contrasts (computed by the simulator's counterfactual replay, never by this code).
The slow test (``--run-slow``) repeats the study over many ``ci`` releases of the planted and
the null world and checks the coverage of every estimator's interval.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from kuairec_causal import registry
from kuairec_causal.config import Paths
from kuairec_causal.store import DuckDBMartReader
from kuairec_causal.studies import long_term_regime as ltr
from kuairec_causal.studies.common import StudyContext, StudySettings, load_truth

SEED = 7
FAST_BOOT = 30
SDR, INCREMENTAL = (registry.regime_estimators()[i].label for i in ("sdr", "incremental"))


def _context(paths, n_boot: int, seed: int = SEED) -> StudyContext:
    reader = DuckDBMartReader(paths.duckdb_path)
    return StudyContext(reader=reader, settings=StudySettings(n_boot=n_boot, seed=seed),
                        truth=load_truth(reader, "small_matrix"))


def _expected_rows() -> set[tuple[str, float | None, str]]:
    rows = set()
    for e in registry.regime_estimators().values():
        deltas = [None] if e.regime == ltr.STATIC else list(ltr.INCREMENTAL_DELTAS)
        rows |= {(e.regime, d, e.label) for d in deltas}
    return rows


def _keys(table: pd.DataFrame) -> set[tuple[str, float | None, str]]:
    return {(r.regime, None if pd.isna(r.delta) else float(r.delta), r.estimator) for r in table.itertuples()}


def test_plumbing_pipeline_writes_the_regime_tables_and_their_dbt_tests_pass(simulated_warehouse, tmp_path):
    """Plumbing: wiring, provenance and dbt tests on the tiny warehouse (not an accuracy check)."""
    from kuairec_causal import pipeline
    from kuairec_causal.store import read_effect_builds
    from kuairec_causal.warehouse import build_vars, run_dbt

    source, _ = simulated_warehouse("tiny", SEED)
    paths = Paths(root=source.root, duckdb_path=tmp_path / "kuairec.duckdb", raw_dir=source.raw_dir)
    shutil.copy(source.duckdb_path, paths.duckdb_path)
    tables = pipeline.run_study(paths, ltr.STUDY, StudySettings(n_boot=10, n_folds=3), "small_matrix")
    assert set(tables) == {ltr.EFFECTS, ltr.RUN_INFO}
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as con:
        stored = con.execute(f"select * from effects.{ltr.EFFECTS}").df()
    assert _keys(stored) == _expected_rows() and len(stored) == len(_expected_rows())
    assert stored["k_days"].eq(3).all() and stored["true_value"].notna().all()
    assert stored["covers_truth"].notna().all()
    builds = read_effect_builds(paths.duckdb_path).set_index("study")
    assert ltr.STUDY in builds.index
    # Re-running the single-day study (prefix long_term_) must leave the regime tables in place.
    pipeline.run_study(paths, "long_term", StudySettings(n_boot=0, n_folds=3), "small_matrix")
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as con:
        assert con.execute(f"select count(*) from effects.{ltr.EFFECTS}").fetchall()[0][0] == len(stored)
    os.environ["DBT_TARGET_PATH"] = str(tmp_path / "target")
    os.environ["DBT_LOG_PATH"] = str(tmp_path / "logs")
    run_dbt(paths, ["build", "--select", "source:effects_long_term_regime regime_estimator_registry "
                                         "path:tests/dbt/effects_regime_*"],
            build_vars(paths, "small_matrix"))


@pytest.mark.parametrize("null_effects", [False, True], ids=["planted", "null"])
def test_doubly_robust_intervals_cover_the_planted_policy_effects(simulated_warehouse, null_effects):
    paths, _ = simulated_warehouse("ci", SEED, null_effects=null_effects)
    table = ltr.run_study(_context(paths, FAST_BOOT))[ltr.EFFECTS]
    assert _keys(table) == _expected_rows()
    doubly_robust = table[table["estimator"].isin([SDR, INCREMENTAL])]
    assert len(doubly_robust) == 3
    assert doubly_robust["covers_truth"].all(), doubly_robust[["regime", "delta", "estimator", "estimate",
                                                               "ci_lower", "ci_upper", "true_value"]]
    truth = table.groupby("estimand")["true_value"].nunique()
    assert (truth == 1).all()
    static = table[table["regime"] == ltr.STATIC]["true_value"].iloc[0]
    if null_effects:
        assert table["true_value"].abs().max() < 1e-9
    else:
        assert static > 0  # a sustained high-watch policy raises next-week plays in the planted world


def test_study_is_deterministic(simulated_warehouse):
    paths, _ = simulated_warehouse("tiny", SEED)
    first = ltr.run_study(_context(paths, 5))[ltr.EFFECTS]
    second = ltr.run_study(_context(paths, 5))[ltr.EFFECTS]
    pd.testing.assert_frame_equal(first, second)


# ---------------------------------------------------------------------------------------------
# Coverage over many releases (slow)


def _coverage(simulated_warehouse, seeds: range, null_effects: bool, n_boot: int) -> pd.DataFrame:
    frames = []
    for seed in seeds:
        paths, _ = simulated_warehouse("ci", seed, null_effects=null_effects)
        frames.append(ltr.run_study(_context(paths, n_boot, seed))[ltr.EFFECTS].assign(seed=seed))
    frame = pd.concat(frames, ignore_index=True)
    frame["error"] = frame["estimate"] - frame["true_value"]
    frame["width"] = frame["ci_upper"] - frame["ci_lower"]
    frame["delta"] = frame["delta"].fillna(-1)
    summary = frame.groupby(["regime", "delta", "estimator"], sort=False).agg(
        releases=("seed", "nunique"), covered=("covers_truth", "sum"), coverage=("covers_truth", "mean"),
        mean_truth=("true_value", "mean"), mean_error=("error", "mean"),
        rmse=("error", lambda e: float(np.sqrt(np.mean(e**2)))), mean_width=("width", "mean"))
    return summary.reset_index()


# Floors (issue #18): the doubly robust estimators' intervals must cover the planted contrast in
# at least 85% of releases (with nominal 95% coverage, 30 releases fall below 0.85 with
# probability about 0.03). ICE and IPW are reported, not held to a floor: ICE's OLS outcome
# regressions and IPW's truncated weights may be biased by design. Measured 2026-12-02 (releases
# 101-112 planted, ICE/IPW with 30 replicates; 101-108 null, 20 replicates), covered/total:
# planted SDR 11/12, incremental 11/12 (delta 0.5) and 11/12 (delta 2), ICE 11/12, IPW 6/12 (mean
# error +9.6 plays against a mean planted 22.4); null SDR 7/8, incremental 7/8 and 7/8, ICE 7/8,
# IPW 5/8.
FLOOR = 0.85


@pytest.mark.slow
@pytest.mark.parametrize("null_effects", [False, True], ids=["planted", "null"])
def test_interval_coverage_over_releases(simulated_warehouse, null_effects):
    n_seeds = int(os.environ.get("REGIME_COVERAGE_SEEDS", "30"))
    n_boot = int(os.environ.get("REGIME_COVERAGE_BOOT", "100"))
    summary = _coverage(simulated_warehouse, range(101, 101 + n_seeds), null_effects, n_boot)
    world = "null" if null_effects else "planted"
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.float_format", "{:.4f}".format):
        print(f"\nexposure-policy coverage, {world} world, {n_seeds} ci releases, B={n_boot}\n"
              f"{summary.to_string(index=False)}")
    if os.environ.get("REGIME_COVERAGE_OUT"):
        summary.to_csv(Path(os.environ["REGIME_COVERAGE_OUT"]) / f"regime_coverage_{world}.csv", index=False)
    assert (summary["releases"] == n_seeds).all()
    doubly_robust = summary[summary["estimator"].isin([SDR, INCREMENTAL])]
    assert len(doubly_robust) == 3
    for row in doubly_robust.itertuples():
        assert row.coverage >= FLOOR, (world, row.regime, row.delta, row.estimator, row.coverage)
