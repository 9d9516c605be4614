"""The discovery-quality mediation study: correctness against the simulator's planted truth, and
the structure of its tables (pipeline write, dbt effects build, documentation, wording).

Fast by default: the correctness checks run the g-formula decomposition (the study's own code
path) on one ``ci`` release with 80 bootstrap replicates; the structural checks run the whole
study through the pipeline on the ``tiny`` release with 20. One release is a smoke check, not a
coverage statement: over 30 ``ci`` releases the 95% intervals of TE / NDE / NIE covered the
planted values in 93% / 90% / 77% of releases (the NIE is biased away from zero, see
``test_mediation_coverage.py``), so a release can miss. ``CI_SEED`` is a release on which all three
cover; the multi-seed study (slow) is where the rates are checked.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from kuairec_causal.config import Paths
from kuairec_causal.store import DuckDBMartReader
from kuairec_causal.studies import mediation
from kuairec_causal.studies import mediation_diagnostics as diagnostics
from kuairec_causal.studies import mediation_estimates as estimates
from kuairec_causal.studies import mediation_spec as spec
from kuairec_causal.studies.common import StudyContext, StudySettings, load_truth
from kuairec_causal.windows import PanelWindows

CI_SEED = 202
N_BOOT = 80
MAIN = ("TE", "NDE", "NIE")
SOURCES_YAML = Path(__file__).resolve().parents[2] / "models" / "effects" / "mediation" / "_mediation__sources.yml"

# Key columns of every table (unique per row).
KEYS = {
    "mediation_covariate_registry": ["covariate"],
    "mediation_covariate_quality": ["covariate"],
    "mediation_design_summary": ["item"],
    "mediation_propensity_scores": ["user_id", "event_date"],
    "mediation_overlap_summary": ["diagnostic"],
    "mediation_balance": ["covariate"],
    "mediation_balance_summary": ["diagnostic"],
    "mediation_residual_diagnostics": ["outcome", "relationship"],
    "mediation_group_summary": ["discovery_group"],
    "mediation_pathway_correlations": ["x_variable", "y_variable"],
    "mediation_model_blueprint": ["model_step"],
    "mediation_assumption_checks": ["assumption"],
    "mediation_effect_decomposition": ["outcome", "estimand"],
    "mediation_robustness_specifications": ["family", "specification"],
    "mediation_robustness_summary": ["family"],
    "mediation_sem_paths": ["outcome", "path_quantity"],
    "mediation_crossfit_effects": ["outcome", "model_family"],
    "mediation_crossfit_performance": ["outcome", "model_family", "target", "fold"],
    "mediation_crossfit_row_effects": ["user_id", "event_date", "outcome", "model_family"],
    "mediation_heterogeneity": ["outcome", "model_family", "segment", "segment_value"],
    "mediation_feature_importance": ["outcome", "model_family", "target", "feature"],
    "mediation_advanced_summary": ["outcome", "model_family"],
    "mediation_mo_sensitivity": ["outcome", "rho"],
    "mediation_mo_sensitivity_summary": ["outcome"],
    "mediation_run_info": ["key"],
}
# (table, total, direct, indirect) column triples that must add up.
ADDITIVE = [
    ("mediation_robustness_specifications", "total_effect", "direct_effect", "indirect_effect"),
    ("mediation_crossfit_effects", "total_effect", "direct_effect", "indirect_effect"),
    ("mediation_crossfit_row_effects", "ite_total", "ite_direct", "ite_indirect"),
    ("mediation_heterogeneity", "total_effect", "direct_effect", "indirect_effect"),
    ("mediation_advanced_summary", "total_effect", "direct_effect", "indirect_effect"),
    ("mediation_mo_sensitivity", "te", "nde", "nie"),
]


def _context(paths: Paths, n_boot: int = N_BOOT, n_folds: int = 5) -> StudyContext:
    reader = DuckDBMartReader(paths.duckdb_path)
    return StudyContext(reader=reader, settings=StudySettings(n_boot=n_boot, seed=CI_SEED, n_folds=n_folds),
                        truth=load_truth(reader, "small_matrix"))


def _decompose(context: StudyContext) -> pd.DataFrame:
    """The study's g-formula decomposition step, alone (fast)."""
    columns = spec.Columns.of(context.windows)
    panel = diagnostics.load_panel(context.reader, columns)
    cde = tuple(float(v) for v in np.quantile(panel[spec.MEDIATOR], spec.CDE_QUANTILES))
    table, _ = estimates.decomposition(panel, columns, cde, context.settings.n_boot, context.settings.seed,
                                       mediation.truth_lookup(context), None)
    return table


def _assert_additive(table: pd.DataFrame, total: str, direct: str, indirect: str, label: str) -> None:
    gap = (table[total] - (table[direct] + table[indirect])).abs()
    tolerance = 1e-9 * np.maximum(1.0, table[total].abs())
    assert (gap <= tolerance).all(), f"{label}: total != direct + indirect in {int((gap > tolerance).sum())} rows"


def _assert_decomposition_additive(table: pd.DataFrame) -> None:
    for outcome, part in table.groupby("outcome"):
        e = part.set_index("estimand")["estimate"]
        assert abs(e["TE"] - (e["NDE"] + e["NIE"])) <= 1e-9 * max(1.0, abs(e["TE"])), outcome
        assert abs(e["TE"] - (e["NDE_treated"] + e["NIE_control"])) <= 1e-9 * max(1.0, abs(e["TE"])), outcome


# ---------------------------------------------------------------------------------------------
# Correctness against the planted truth (ci scale)


@pytest.fixture(scope="module")
def ci_decomposition(simulated_warehouse) -> pd.DataFrame:
    paths, _ = simulated_warehouse("ci", CI_SEED)
    return _decompose(_context(paths))


@pytest.fixture(scope="module")
def ci_null_decomposition(simulated_warehouse) -> pd.DataFrame:
    paths, _ = simulated_warehouse("ci", CI_SEED, null_effects=True)
    return _decompose(_context(paths))


def test_gformula_intervals_cover_the_planted_effects(ci_decomposition):
    primary = ci_decomposition[ci_decomposition["outcome"] == spec.PRIMARY_OUTCOME].set_index("estimand")
    for estimand in MAIN:
        row = primary.loc[estimand]
        assert np.isfinite(row["true_value"]), f"no planted {estimand}"
        assert row["ci_lower"] <= row["true_value"] <= row["ci_upper"], (
            f"{estimand}: [{row['ci_lower']:.3f}, {row['ci_upper']:.3f}] misses {row['true_value']:.3f}")
        assert bool(row["covers_truth"])
    # the planted structure: a positive direct, a negative indirect effect, both detected
    assert primary.loc["NDE", "ci_lower"] > 0 and primary.loc["NIE", "ci_upper"] < 0
    # the CDE mediator values are the planted ones (10th / 90th percentile of M on the panel)
    for name in ("CDE_low", "CDE_high"):
        assert primary.loc[name, "mediator_value"] == pytest.approx(primary.loc[name, "true_mediator_value"], abs=1e-9)
    # the unadjusted contrast is the planted naive difference and is far from the TE
    assert primary.loc["naive_difference", "estimate"] == pytest.approx(primary.loc["naive_difference", "true_value"])
    assert primary.loc["naive_difference", "ci_lower"] > primary.loc["TE", "ci_upper"]


def test_gformula_intervals_cover_zero_in_the_null_world(ci_null_decomposition):
    primary = ci_null_decomposition[ci_null_decomposition["outcome"] == spec.PRIMARY_OUTCOME].set_index("estimand")
    for estimand in MAIN:
        row = primary.loc[estimand]
        assert row["true_value"] == pytest.approx(0.0, abs=1e-9)
        assert row["ci_lower"] <= 0.0 <= row["ci_upper"], f"{estimand}: [{row['ci_lower']:.3f}, {row['ci_upper']:.3f}]"


def test_te_is_nde_plus_nie_in_every_decomposition(ci_decomposition, ci_null_decomposition):
    for table in (ci_decomposition, ci_null_decomposition):
        assert set(table["outcome"]) == set(spec.OUTCOMES)
        assert (table.groupby("outcome")["estimand"].apply(set) == set(spec.ESTIMANDS)).all()
        _assert_decomposition_additive(table)


# ---------------------------------------------------------------------------------------------
# The whole study through the pipeline (tiny scale)


@pytest.fixture(scope="module")
def study_run(simulated_warehouse, tmp_path_factory):
    """Run the study with the pipeline on a private copy of the tiny warehouse."""
    from kuairec_causal.pipeline import run_study

    source, _ = simulated_warehouse("tiny")
    folder = tmp_path_factory.mktemp("mediation-study")
    paths = Paths(root=source.root, duckdb_path=folder / "kuairec.duckdb", raw_dir=source.raw_dir)
    shutil.copy(source.duckdb_path, paths.duckdb_path)
    tables = run_study(paths, "mediation", StudySettings(n_boot=20, seed=CI_SEED, n_folds=5), "small_matrix")
    return paths, tables


def test_every_table_is_produced_with_unique_keys(study_run):
    _, tables = study_run
    assert list(tables) == list(mediation.TABLES)
    assert set(tables) == set(KEYS)
    for name, frame in tables.items():
        assert name.startswith("mediation_")
        assert len(frame) > 0, f"{name} is empty"
        assert not frame.duplicated(KEYS[name]).any(), f"{name}: duplicate keys {KEYS[name]}"
        assert frame[KEYS[name]].notna().all().all(), f"{name}: missing key values"


def test_te_is_nde_plus_nie_in_every_row_set(study_run):
    _, tables = study_run
    _assert_decomposition_additive(tables["mediation_effect_decomposition"])
    for name, total, direct, indirect in ADDITIVE:
        _assert_additive(tables[name], total, direct, indirect, name)


def test_tables_have_the_expected_content(study_run):
    _, tables = study_run
    decomposition = tables["mediation_effect_decomposition"]
    assert (decomposition["n"] > 0).all() and (decomposition["n_boot"] == 20).all()
    assert decomposition["true_value"].notna().sum() > 0  # simulated: truth attached
    assert set(tables["mediation_robustness_specifications"]["family"]) == {
        "threshold_sensitivity", "mediator_sensitivity", "model_sensitivity", "outcome_sensitivity"}
    summary = tables["mediation_robustness_summary"].set_index("family")
    counts = tables["mediation_robustness_specifications"]["family"].value_counts()
    assert (summary["specifications"] == counts.reindex(summary.index)).all()
    crossfit = tables["mediation_crossfit_effects"]
    assert set(zip(crossfit["outcome"], crossfit["model_family"])) == {
        (o, f) for o in (spec.PRIMARY_OUTCOME, spec.SECONDARY_OUTCOME) for f in ("linear", "lightgbm", "xgboost")}
    segments = spec.Columns.of(PanelWindows.project_defaults()).heterogeneity_segments
    assert set(tables["mediation_heterogeneity"]["segment"]) == {s for s, _, _ in segments}
    sem = tables["mediation_sem_paths"].set_index("path_quantity")
    assert sem.loc["total_path_c_prime_plus_indirect", "estimate"] == pytest.approx(
        sem.loc["total_regression_coefficient", "estimate"], rel=1e-6)
    assert bool(sem["weighted"].all())
    scores = tables["mediation_propensity_scores"]
    assert scores["stabilized_weight_capped"].max() <= scores["stabilized_weight"].quantile(0.99) + 1e-9
    info = tables["mediation_run_info"].set_index("key")["value"]
    assert info["n_boot"] == "20" and info["n_folds"] == "5"
    assert {"runtime_decomposition_seconds", "runtime_crossfit_ml_seconds", "runtime_total_seconds"} <= set(info.index)


def test_pipeline_wrote_every_table(study_run):
    paths, tables = study_run
    con = duckdb.connect(str(paths.duckdb_path), read_only=True)
    try:
        stored = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'effects' "
            "and table_name like 'mediation_%'").fetchall()}
        rows = con.execute("select count(*) from effects.mediation_effect_decomposition").fetchone()[0]
    finally:
        con.close()
    assert stored == set(tables)
    assert rows == len(tables["mediation_effect_decomposition"])


def test_every_column_is_documented(study_run):
    _, tables = study_run
    models = {m["name"]: m for m in yaml.safe_load(SOURCES_YAML.read_text())["sources"][0]["tables"]}
    assert set(models) == set(tables)
    for name, frame in tables.items():
        documented = [c["name"] for c in models[name]["columns"]]
        assert documented == list(frame.columns), f"{name}: YAML columns differ from the table"
        assert all(c.get("description") for c in models[name]["columns"]), name
        assert models[name].get("description")


def test_dbt_effects_build_passes(study_run, tmp_path):
    from kuairec_causal.warehouse import build_vars, run_dbt

    paths, _ = study_run
    os.environ["DBT_TARGET_PATH"] = str(tmp_path / "target")
    os.environ["DBT_LOG_PATH"] = str(tmp_path / "logs")
    # Only this study's source tests and singular tests: the long-term study's need its own
    # estimator tables, which this warehouse does not have. run_dbt raises when a test fails.
    run_dbt(paths, ["build", "--select", "source:effects_mediation", "path:tests/dbt/effects_mediation_*"],
            build_vars(paths, "small_matrix"))
    declared = {t["name"] for t in yaml.safe_load(SOURCES_YAML.read_text())["sources"][0]["tables"]}
    assert set(mediation.TABLES) == declared


# ---------------------------------------------------------------------------------------------
# Wording that follows the data


GOOD = dict(treatment_text="A", mediator_text="M", outcome_text="Y", treatment_rate=0.5, propensity_p05=0.1,
            propensity_p95=0.9, share_extreme=0.01, max_smd_before=0.9, max_smd_after=0.05,
            n_smd_above_0_1_after=0, residual_spearman=0.12, raw_spearman=0.3, rho_at_zero=0.45,
            naive_nie=-1.2, evalue_te=1.3, n_covariates=44, n_pre_treatment=44)
BAD = dict(GOOD, treatment_rate=0.995, share_extreme=0.4, max_smd_after=0.6, n_smd_above_0_1_after=7,
           residual_spearman=0.004, rho_at_zero=0.03, n_pre_treatment=42)


def _findings(facts: dict) -> pd.DataFrame:
    return diagnostics.assumption_checks(facts).set_index("assumption")


def test_assumption_checks_follow_good_diagnostics():
    checks = _findings(GOOD)
    assert list(checks.index) == ["consistency", "positivity_overlap", "observed_treatment_exchangeability",
                                  "observed_mediator_outcome_adjustment", "no_unmeasured_confounding",
                                  "no_treatment_induced_mediator_outcome_confounder"]
    assert checks.loc["consistency", "finding"] == "well_defined"
    assert checks.loc["positivity_overlap", "finding"] == "supported"
    assert checks.loc["observed_treatment_exchangeability", "finding"] == "supported"
    assert "reduced the largest |SMD| from 0.900 to 0.050" in checks.loc["observed_treatment_exchangeability",
                                                                         "interpretation"]
    assert checks.loc["observed_mediator_outcome_adjustment", "finding"] == "residual_association_present"
    assert "positive" in checks.loc["observed_mediator_outcome_adjustment", "interpretation"]
    assert checks.loc["no_unmeasured_confounding", "finding"] == "robust"
    assert "0.450" in checks.loc["no_unmeasured_confounding", "value"]
    assert checks.loc["no_treatment_induced_mediator_outcome_confounder", "finding"] == "no_post_treatment_covariates"


def test_assumption_checks_follow_bad_diagnostics():
    checks = _findings(BAD)
    assert checks.loc["consistency", "finding"] == "degenerate_treatment"
    assert checks.loc["positivity_overlap", "finding"] == "violated"
    assert "extrapolated" in checks.loc["positivity_overlap", "interpretation"]
    assert checks.loc["observed_treatment_exchangeability", "finding"] == "not_supported"
    assert "not balanced" in checks.loc["observed_treatment_exchangeability", "interpretation"]
    assert checks.loc["observed_mediator_outcome_adjustment", "finding"] == "residual_association_negligible"
    assert checks.loc["no_unmeasured_confounding", "finding"] == "fragile"
    assert "only rho=0.030" in checks.loc["no_unmeasured_confounding", "interpretation"]
    assert checks.loc["no_treatment_induced_mediator_outcome_confounder", "finding"] == \
        "post_treatment_covariates_present"
    # intermediate values give the intermediate wording
    middle = _findings(dict(GOOD, share_extreme=0.1, max_smd_after=0.2, n_smd_above_0_1_after=3, rho_at_zero=-0.2))
    assert middle.loc["positivity_overlap", "finding"] == "limited"
    assert middle.loc["observed_treatment_exchangeability", "finding"] == "partially_supported"
    assert "3 column(s) stay above 0.10" in middle.loc["observed_treatment_exchangeability", "interpretation"]
    assert middle.loc["no_unmeasured_confounding", "finding"] == "moderately_robust"


def test_study_assumption_checks_match_its_own_diagnostics(study_run):
    _, tables = study_run
    checks = tables["mediation_assumption_checks"].set_index("assumption")
    overlap = tables["mediation_overlap_summary"].set_index("diagnostic")["value"]
    balance = tables["mediation_balance_summary"].set_index("diagnostic")["value"]
    assert checks.loc["positivity_overlap", "metric_value"] == pytest.approx(
        overlap["share_propensity_outside_0_05_0_95"])
    assert checks.loc["observed_treatment_exchangeability", "metric_value"] == pytest.approx(
        balance["max_abs_smd_after"])
    rho = tables["mediation_mo_sensitivity_summary"].set_index("outcome").loc[spec.PRIMARY_OUTCOME, "rho_at_nie_zero"]
    assert checks.loc["no_unmeasured_confounding", "metric_value"] == pytest.approx(rho)
    curve = tables["mediation_mo_sensitivity"]
    primary = curve[curve["outcome"] == spec.PRIMARY_OUTCOME].sort_values("rho")
    # NIE(rho) changes sign across the reported rho
    assert np.sign(np.interp(rho - 0.05, primary["rho"], primary["nie"])) != np.sign(
        np.interp(rho + 0.05, primary["rho"], primary["nie"]))


def test_truth_lookup_reads_the_mediation_rows():
    rows = pd.DataFrame({"study": ["mediation", "long_term"], "estimand": ["TE", "ATE"],
                         "outcome": ["interactions", "interactions"], "value": [1.5, 2.0]})
    lookup = mediation.truth_lookup(StudyContext(reader=None, truth=rows))
    assert lookup("TE", "interactions") == 1.5
    assert lookup("ATE", "interactions") is None
    assert mediation.truth_lookup(StudyContext(reader=None))("TE", "interactions") is None


def test_modified_slopes_ols_is_least_squares_on_the_written_out_products():
    from kuairec_causal import estimators as est
    from kuairec_causal.studies.mediation_models import ModifiedSlopesOLS

    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 5))
    y = X @ [1.0, -2.0, 0.5, 0.0, 1.5] + 0.7 * X[:, 0] * X[:, 3] - 0.4 * X[:, 1] * X[:, 4] + rng.normal(size=300)
    w = rng.uniform(0.5, 2.0, 300)
    model = ModifiedSlopesOLS(slope_columns=(0, 1), modifier_columns=(3, 4)).fit(X, y, sample_weight=w)
    products = np.column_stack([X[:, s] * X[:, m] for s in (0, 1) for m in (3, 4)])
    reference = est.OLS().fit(np.hstack([X, products]), y, sample_weight=w)
    fresh = rng.normal(size=(50, 5))
    fresh_products = np.column_stack([fresh[:, s] * fresh[:, m] for s in (0, 1) for m in (3, 4)])
    np.testing.assert_allclose(model.predict(fresh), reference.predict(np.hstack([fresh, fresh_products])),
                               rtol=1e-10, atol=1e-10)
    assert model.coef_[5] == pytest.approx(0.7, abs=0.2) and model.coef_[8] == pytest.approx(-0.4, abs=0.2)
    plain = ModifiedSlopesOLS().fit(X, y)  # no modifiers: ordinary least squares
    np.testing.assert_allclose(plain.predict(fresh), est.OLS().fit(X, y).predict(fresh), rtol=1e-12)
