"""Multi-seed coverage of the mediation study's g-formula intervals (slow: ``--run-slow``).

For each of ``N_RELEASES`` independent ``ci`` releases (200 users, ~10k user-days) the study's
decomposition step runs with 200 user-cluster bootstrap replicates; the share of 95% intervals
that contain the planted value is reported per outcome and estimand (printed with ``-s``) and
checked against a floor. The floors reflect what the linear g-formula can honestly deliver on this
simulator. Primary outcome, 200 replicates: on this test's releases 500-529 TE 1.00, NDE 0.97,
NIE 0.60, CDE_low 0.93, CDE_high 0.97, mediator shift 1.00; on releases 200-229 TE 0.93, NDE 0.90,
NIE 0.77, CDE_low 0.90, CDE_high 0.93, mediator shift 0.93. The NIE is biased away from zero
(mean bias about -0.45 against a planted -1.46): most observational variation in satisfaction
depth comes from the high-watch share, which also feeds the recommender's next-day watch policy,
a path that the discovery-induced change in satisfaction (completion and abandonment) does not
take; none of the pre-treatment adjustments tried separates the two (the notebook's single-slope
model covers the NIE in only 0.30 of releases 200-229).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kuairec_causal.store import DuckDBMartReader
from kuairec_causal.studies import mediation
from kuairec_causal.studies import mediation_diagnostics as diagnostics
from kuairec_causal.studies import mediation_estimates as estimates
from kuairec_causal.studies import mediation_spec as spec
from kuairec_causal.studies.common import StudyContext, StudySettings, load_truth

N_RELEASES = 30
FIRST_SEED = 500
N_BOOT = 200
ESTIMANDS = ("TE", "NDE", "NIE", "CDE_low", "CDE_high", "mediator_shift")
# Minimum coverage over N_RELEASES releases (primary outcome), see the module docstring.
FLOORS = {"TE": 0.8, "NDE": 0.8, "mediator_shift": 0.8, "CDE_low": 0.75, "CDE_high": 0.75, "NIE": 0.55}


def coverage_table(results: pd.DataFrame) -> pd.DataFrame:
    """Coverage, mean bias and mean interval width per outcome and estimand."""
    rows = results[results["estimand"].isin(ESTIMANDS) & results["true_value"].notna()].copy()
    rows["covered"] = (rows["ci_lower"] <= rows["true_value"]) & (rows["true_value"] <= rows["ci_upper"])
    rows["bias"] = rows["estimate"] - rows["true_value"]
    rows["width"] = rows["ci_upper"] - rows["ci_lower"]
    return (rows.groupby(["outcome", "estimand"])
            .agg(releases=("seed", "nunique"), coverage=("covered", "mean"), mean_truth=("true_value", "mean"),
                 mean_bias=("bias", "mean"), sd_estimate=("estimate", "std"), mean_width=("width", "mean"))
            .reset_index())


@pytest.mark.slow
def test_gformula_interval_coverage_over_many_releases(simulated_warehouse):
    frames = []
    for seed in range(FIRST_SEED, FIRST_SEED + N_RELEASES):
        paths, _ = simulated_warehouse("ci", seed)
        reader = DuckDBMartReader(paths.duckdb_path)
        context = StudyContext(reader=reader, settings=StudySettings(n_boot=N_BOOT, seed=seed),
                               truth=load_truth(reader, "small_matrix"))
        panel = diagnostics.load_panel(reader)
        cde = tuple(float(v) for v in np.quantile(panel[spec.MEDIATOR], spec.CDE_QUANTILES))
        table, _ = estimates.decomposition(panel, cde, N_BOOT, seed, mediation.truth_lookup(context), None)
        frames.append(table.assign(seed=seed))
    table = coverage_table(pd.concat(frames, ignore_index=True))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\n" + table.round(4).to_string(index=False))
    primary = table[table["outcome"] == spec.PRIMARY_OUTCOME].set_index("estimand")
    assert (primary["releases"] == N_RELEASES).all()
    for estimand, floor in FLOORS.items():
        assert primary.loc[estimand, "coverage"] >= floor, (
            f"{estimand}: coverage {primary.loc[estimand, 'coverage']:.2f} < {floor}")
