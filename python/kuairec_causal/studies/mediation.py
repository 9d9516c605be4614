"""The discovery-quality mediation study: design, g-formula decomposition, cross-fitted ML, robustness.

Question: does a high-discovery user-day (A) change next-week engagement (Y), and how much of that
runs through the same day's satisfaction depth (M)? The study reads ``mart_mediation_panel``, runs
the estimator library and returns its tables (all named ``mediation_*``):

design                    mediation_covariate_registry, mediation_covariate_quality,
                          mediation_design_summary, mediation_propensity_scores,
                          mediation_overlap_summary, mediation_balance, mediation_balance_summary,
                          mediation_residual_diagnostics, mediation_group_summary,
                          mediation_pathway_correlations, mediation_model_blueprint,
                          mediation_assumption_checks
decomposition             mediation_effect_decomposition
robustness                mediation_robustness_specifications, mediation_robustness_summary
advanced models           mediation_sem_paths, mediation_crossfit_effects,
                          mediation_crossfit_performance, mediation_crossfit_row_effects,
                          mediation_heterogeneity, mediation_feature_importance,
                          mediation_advanced_summary
sensitivity               mediation_mo_sensitivity, mediation_mo_sensitivity_summary
bookkeeping               mediation_run_info

Every interval is a user-cluster bootstrap (users resampled, models refitted where stated).
The g-formula's least-squares models let the A and M slopes vary with the calendar/history
covariates (mediation_models); the single-slope model (no slope modifiers) is a robustness specification.
Helpers: mediation_spec (roles, confounder set), mediation_diagnostics (design tables, assumption
checks), mediation_estimates (decomposition, path model, sensitivity), mediation_ml (cross-fitted
models), mediation_robustness (specifications), mediation_models (learners).
"""

from __future__ import annotations

import platform
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd

from kuairec_causal import estimators as est
from kuairec_causal import registry
from kuairec_causal.progress import log, stage
from kuairec_causal.studies import mediation_diagnostics as diagnostics
from kuairec_causal.studies import mediation_estimates as estimates
from kuairec_causal.studies import mediation_ml as ml
from kuairec_causal.studies import mediation_robustness as robustness
from kuairec_causal.studies import mediation_spec as spec
from kuairec_causal.studies.common import StudyContext
from kuairec_causal.windows import PanelWindows

TABLES = (
    "mediation_covariate_registry", "mediation_covariate_quality", "mediation_design_summary",
    "mediation_propensity_scores", "mediation_overlap_summary", "mediation_balance", "mediation_balance_summary",
    "mediation_residual_diagnostics", "mediation_group_summary", "mediation_pathway_correlations",
    "mediation_model_blueprint", "mediation_assumption_checks", "mediation_effect_decomposition",
    "mediation_robustness_specifications", "mediation_robustness_summary", "mediation_sem_paths",
    "mediation_crossfit_effects", "mediation_crossfit_performance", "mediation_crossfit_row_effects",
    "mediation_heterogeneity", "mediation_feature_importance", "mediation_advanced_summary",
    "mediation_mo_sensitivity", "mediation_mo_sensitivity_summary", "mediation_run_info",
)


def truth_lookup(context: StudyContext):
    """(estimand, outcome) -> planted value of the mediation study, or None (real data)."""
    return lambda estimand, outcome: context.true_value(spec.STUDY, estimand, outcome)


def _registry() -> pd.DataFrame:
    """The registered estimands of the study (symbol -> name), to label the decomposition rows."""
    return pd.DataFrame([{"symbol": e.symbol, "estimand": e.name} for e in registry.estimands(spec.STUDY).values()])


def run_study(context: StudyContext) -> dict[str, pd.DataFrame]:
    settings = context.settings
    n_boot, seed, n_folds, jobs = settings.n_boot, settings.seed, settings.n_folds, settings.jobs
    truth = truth_lookup(context)
    timings: dict[str, float] = {}
    tables: dict[str, pd.DataFrame] = {}
    started = time.perf_counter()

    @contextmanager
    def step(key: str, label: str):
        """Log a step (progress line) and record its wall-clock seconds under ``key``."""
        begin = time.perf_counter()
        with stage(f"mediation: {label}"):
            yield
        timings[key] = time.perf_counter() - begin

    with step("load", "load panel"):
        columns = spec.Columns.of(context.windows)
        panel = diagnostics.load_panel(context.reader, columns)
        definition = diagnostics.treatment_definition(context.reader)
        registered = _registry()
        log(f"  {len(panel):,} user-days, {panel[spec.CLUSTER].nunique():,} users; n_boot={n_boot}, "
            f"folds={n_folds}, seed={seed}")

    with step("design", "confounder set and design matrix"):
        design = est.fit_design(panel, columns.numeric, columns.categorical)
        m = panel[spec.MEDIATOR].to_numpy(dtype=float)
        cde_values = tuple(float(v) for v in np.quantile(m, spec.CDE_QUANTILES))
        tables["mediation_covariate_registry"] = diagnostics.covariate_registry(panel, columns, design)
        tables["mediation_covariate_quality"] = diagnostics.covariate_quality(panel, columns)
        tables["mediation_design_summary"] = diagnostics.design_summary(panel, design, cde_values)

    with step("propensity", "propensity, weights and overlap"):
        scores, overlap, overlap_facts = diagnostics.propensity_and_weights(panel, columns, n_folds, seed, jobs)
        weights = scores["stabilized_weight_capped"].to_numpy()
        tables["mediation_propensity_scores"] = scores
        tables["mediation_overlap_summary"] = overlap

    with step("balance", "balance, residual check and pathway summaries"):
        balance_table, balance_summary, balance_facts = diagnostics.balance(panel, columns, weights)
        tables["mediation_balance"] = balance_table
        tables["mediation_balance_summary"] = balance_summary
        residual = diagnostics.residual_diagnostics(panel, columns)
        tables["mediation_residual_diagnostics"] = residual
        tables["mediation_group_summary"] = diagnostics.group_summary(panel, columns)
        tables["mediation_pathway_correlations"] = diagnostics.pathway_correlations(panel)

    with step("decomposition", f"g-formula decomposition ({len(spec.OUTCOMES)} outcomes x {n_boot} replicates)"):
        decomposition, fits = estimates.decomposition(panel, columns, cde_values, n_boot, seed, truth, registered,
                                                         jobs=jobs, design_names=design.names)
        tables["mediation_effect_decomposition"] = decomposition

    with step("sem_paths", f"path model ({n_boot} replicates)"):
        sem, _ = estimates.sem_paths(panel, columns, weights, n_boot, seed)
        tables["mediation_sem_paths"] = sem

    with step("mo_sensitivity", "mediator-outcome confounding sensitivity"):
        curves, curve_summary = estimates.mo_sensitivity(panel, columns, n_boot, seed, fits)
        tables["mediation_mo_sensitivity"] = curves
        tables["mediation_mo_sensitivity_summary"] = curve_summary

    with step("crossfit_ml", "cross-fitted ML mediation (2 outcomes x 3 learners)"):
        crossfit = ml.crossfit(panel, columns, n_folds, n_boot, seed, truth, jobs)
        results = crossfit["results"]
        tables["mediation_crossfit_effects"] = crossfit["effects"]
        tables["mediation_crossfit_performance"] = crossfit["performance"]
        tables["mediation_crossfit_row_effects"] = ml.row_effects(
            panel, results[(spec.PRIMARY_OUTCOME, "lightgbm")], spec.PRIMARY_OUTCOME, "lightgbm")
        tables["mediation_heterogeneity"] = ml.heterogeneity(panel, columns, results, n_boot, seed)
        tables["mediation_feature_importance"] = ml.feature_importance(results)

    treatment_text = diagnostics.describe_treatment(definition)
    with step("robustness", "robustness specifications"):
        specs, summary = robustness.robustness(panel, columns, weights, treatment_text, seed,
                                               extra_rows=ml.crossfit_robustness_row(crossfit["effects"], columns,
                                                                                     treatment_text), jobs=jobs,
                                               design_names=design.names)
        tables["mediation_robustness_specifications"] = specs
        tables["mediation_robustness_summary"] = summary

    with step("summaries", "summaries and assumption checks"):
        tables["mediation_advanced_summary"] = ml.advanced_summary(decomposition, sem, crossfit["effects"])
        tables["mediation_model_blueprint"] = diagnostics.model_blueprint(columns, len(design.columns), n_boot,
                                                                          n_folds)
        tables["mediation_assumption_checks"] = diagnostics.assumption_checks(
            _facts(panel, columns, context.windows, treatment_text, overlap_facts, balance_facts, residual,
                   curve_summary, fits))

    timings["total"] = time.perf_counter() - started
    tables["mediation_run_info"] = _run_info(context, panel, columns, design, overlap_facts, timings)
    return {name: tables[name] for name in TABLES}


def _facts(panel, columns: spec.Columns, windows: PanelWindows, treatment_text, overlap, balance, residual,
           curve_summary, fits) -> dict:
    primary = residual[residual["outcome"] == spec.PRIMARY_OUTCOME].set_index("adjustment")
    curve = curve_summary.set_index("outcome").loc[spec.PRIMARY_OUTCOME]
    te = fits[spec.PRIMARY_OUTCOME]["TE"].estimate
    pre = sum(c.timing in spec.PRE_TREATMENT_TIMINGS for c in columns.covariates)
    return {
        "treatment_text": treatment_text,
        "mediator_text": "satisfaction_depth_score of the same day's plays",
        "outcome_text": f"plays over the next {windows.horizon_days} days (alternates: active days, play hours)",
        "treatment_rate": overlap["treatment_rate"], "propensity_p05": overlap["propensity_p05"],
        "propensity_p95": overlap["propensity_p95"], "share_extreme": overlap["share_propensity_outside_0_05_0_95"],
        "max_smd_before": balance["max_abs_smd_before"], "max_smd_after": balance["max_abs_smd_after"],
        "n_smd_above_0_1_after": balance["n_above_0_1_after"],
        "residual_spearman": float(primary.loc["X", "spearman_corr"]),
        "raw_spearman": float(primary.loc["none", "spearman_corr"]),
        "rho_at_zero": float(curve["rho_at_nie_zero"]), "naive_nie": float(curve["naive_nie"]),
        "evalue_te": estimates.evalue_total(te, float(panel[spec.PRIMARY_OUTCOME].std(ddof=1))),
        "n_covariates": len(columns.covariates), "n_pre_treatment": pre,
    }


def _run_info(context: StudyContext, panel: pd.DataFrame, columns: spec.Columns, design, overlap: dict,
              timings: dict[str, float]) -> pd.DataFrame:
    settings = context.settings
    items = [
        ("study", spec.STUDY, "Study name."),
        ("interaction_matrix", context.interaction_matrix, "Interaction matrix feeding the panel."),
        ("simulated", str(context.truth is not None and not context.truth.empty).lower(),
         "Whether planted ground truth is available (simulated release)."),
        ("panel", spec.PANEL, "Analysis mart."),
        ("rows", str(len(panel)), "Active user-days analysed."),
        ("users", str(panel[spec.CLUSTER].nunique()), "Users (bootstrap and fold unit)."),
        ("first_date", str(pd.Timestamp(panel[spec.DATE].min()).date()), "First event date."),
        ("last_date", str(pd.Timestamp(panel[spec.DATE].max()).date()), "Last event date."),
        ("treatment", spec.TREATMENT, "Exposure A."), ("mediator", spec.MEDIATOR, "Mediator M."),
        ("primary_outcome", spec.PRIMARY_OUTCOME, "Primary outcome Y."),
        ("alternate_outcomes", ", ".join(o for o in spec.OUTCOMES if o != spec.PRIMARY_OUTCOME),
         "Alternate outcomes."),
        ("n_boot", str(settings.n_boot), "User-cluster bootstrap replicates (decomposition, paths, sensitivity)."),
        ("seed", str(settings.seed), "Seed of bootstraps, folds and learners."),
        ("n_folds", str(settings.n_folds), "Cross-fitting folds (grouped by user)."),
        ("n_mc", str(spec.N_MC), "Monte Carlo draws of M(a') for the tree-based cross-fitted models."),
        ("numeric_covariates", str(len(columns.numeric)), "Numeric confounders."),
        ("categorical_covariates", str(len(columns.categorical)), "Categorical confounders."),
        ("encoded_design_columns", str(len(design.columns)), "Encoded design-matrix columns."),
        ("slope_modifiers", ", ".join(columns.slope_modifiers),
         "Pre-treatment covariates W the g-formula's A and M slopes vary with."),
        ("cde_quantiles", ", ".join(f"{q:g}" for q in spec.CDE_QUANTILES), "Mediator quantiles of CDE_low/high."),
        ("propensity_learner", "standardised L2 logistic regression", "Propensity model."),
        ("weight_cap", f"{overlap['weight_cap']:.6g}", "Cap of the stabilized weights (their 99th percentile)."),
        ("crossfit_learners", "OLS; LightGBM (150 trees, 31 leaves); XGBoost (150 trees, depth 6)",
         "Nuisance learners of the cross-fitted models (estimator-library defaults, single-threaded)."),
        ("python", platform.python_version(), "Python version."),
    ]
    for name, seconds in timings.items():
        items.append((f"runtime_{name}_seconds", f"{seconds:.2f}",
                      "Wall-clock seconds of the whole study." if name == "total"
                      else f"Wall-clock seconds of the '{name}' step."))
    return pd.DataFrame([{"key": k, "value": v, "description": d} for k, v, d in items])


__all__ = ["TABLES", "run_study", "truth_lookup"]
