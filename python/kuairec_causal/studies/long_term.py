"""The long-term study: does a high-watch-exposure day change a user's engagement over the next days?

Population: ``mart_long_term_analysis`` (active user-days with at least ``min_history_days`` of
history and a complete follow-up of ``max_lead_days``). Exposure ``treatment`` (a high-watch-exposure
day); primary outcome ``future_<n>day_interactions`` (n = max_lead_days); secondary outcomes active
days, average daily plays, play hours and log(1 + plays). Adjustment set: the user's observed
history (yesterday and the previous ``history_window_days``), the calendar, and the user profile --
everything the recommender could have reacted to before the day. Window column names follow the
build's windows (:class:`~kuairec_causal.windows.PanelWindows`, read from ``mart_panel_windows``;
:class:`~kuairec_causal.studies.long_term_spec.Columns`). Every standard error and interval
resamples users (the user-cluster bootstrap), because a user contributes many user-days.

Estimators (all from :mod:`kuairec_causal.estimators`):

* IPW marginal structural model with the analysis weight (logistic propensity, stabilized,
  clipped at 10); its bootstrap refits the propensity model in every replicate. One bootstrap
  pass (``ipw_msm_family``) serves every outcome and every weight specification (same refit,
  same resample): for the primary outcome and the analysis weight it is ``ipw_msm``. LightGBM
  weight specifications keep their weights fixed in the bootstrap.
* g-computation with a linear (ridge) and a LightGBM outcome model, one model per arm.
* cross-fitted AIPW (LightGBM outcome models per arm, logistic propensity; folds grouped by
  user) repeated on AIPW_SPLITS fold splits and averaged, interval from the user-cluster
  bootstrap over the AIPW scores (each replicate on one split, so the split-to-split variance is
  in the interval), plus the clustered influence-function SE with the split spread added; its
  scores feed the segment effects and the moderator model.
* the naive difference in means (unadjusted), for reference.

``run_study(context)`` returns the ``long_term_*`` tables; the dbt models under
``models/effects/long_term`` document every column.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kuairec_causal import estimators as est
from kuairec_causal import registry
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.estimators.learners import describe_learner
from kuairec_causal.progress import log, stage
from kuairec_causal.studies.common import StudyContext, long_term_truth_outcomes
from kuairec_causal.studies.long_term_estimands import att_rows, estimand_table
from kuairec_causal.studies.long_term_spec import (
    AIPW_PROPENSITY_BOUNDS,
    AIPW_SPLITS,
    ANALYSIS_ATT_SPEC,
    ANALYSIS_ATT_WEIGHT,
    ANALYSIS_WEIGHT,
    ANALYSIS_WEIGHT_CAP,
    CATEGORICAL,
    CLUSTER,
    DAY_NAMES,
    LIGHTGBM_SECONDARY_MAX_BOOT,
    MART,
    MODERATOR_BUCKETS,
    SEGMENT_BUCKETS,
    SEGMENT_MIN_ROWS,
    SEGMENT_MIN_USERS,
    STUDY,
    TREATMENT,
    WEIGHT_OPTIONS,
    Columns,
    WeightOption,
    learners,
)
from kuairec_causal.studies.long_term_tables import (
    EffectRow,
    covers,
    crosses_zero,
    effect_table,
    evalue_rows,
    quantile_buckets,
    rescaled,
    segment_effect_table,
    weight_diagnostics_table,
    weight_readiness,
)


@dataclass
class Panel:
    """The analysis rows and everything built from them once."""

    data: pd.DataFrame
    columns: Columns
    X: np.ndarray
    design: est.DesignSpec
    a: np.ndarray
    codes: np.ndarray
    n_users: int
    outcomes: list[str]  # outcomes fitted directly
    derived: dict[str, tuple[str, float]] = field(default_factory=dict)  # outcome -> (source, factor)

    @property
    def roles(self) -> dict[str, Any]:
        return dict(treatment=TREATMENT, covariates=self.columns.numeric, categorical=CATEGORICAL, cluster=CLUSTER)


# ---------------------------------------------------------------------------------------------
# Entry point


def run_study(context: StudyContext) -> dict[str, pd.DataFrame]:
    settings = context.settings
    seed, n_boot, n_folds, jobs = settings.seed, settings.n_boot, settings.n_folds, settings.jobs
    timings: dict[str, float] = {}
    started = time.perf_counter()
    models = learners(seed)
    tables: dict[str, pd.DataFrame] = {}

    with stage("long_term: load panel and design", timings):
        panel = load_panel(context)
        primary_outcome, outcome_order = panel.columns.primary_outcome, panel.columns.order
    with stage("long_term: propensity models", timings):
        propensity = propensity_step(panel, models, n_folds, seed, jobs)
        tables["long_term_propensity_metrics"] = propensity.metrics
    with stage("long_term: weights, balance, readiness", timings):
        weights = weight_columns(panel, propensity)
        balance = est.balance_table(panel.data, TREATMENT, panel.columns.numeric, CATEGORICAL,
                                    weights=weights[ANALYSIS_WEIGHT])
        tables["long_term_propensity_scores"] = propensity_score_table(panel, propensity, weights)
        tables["long_term_weight_diagnostics"] = weight_diagnostics_table(
            {k: v for k, v in weights.items() if k != "unweighted"},
            {o.column: o.description for o in WEIGHT_OPTIONS})
        tables["long_term_balance"] = balance_output(balance)
        tables["long_term_weight_readiness"] = weight_readiness(propensity.logistic, weights[ANALYSIS_WEIGHT],
                                                                ANALYSIS_WEIGHT_CAP, balance)
    with stage("long_term: MSM and naive difference", timings):
        msm = msm_step(panel, models["logistic"], weights, n_boot, seed, jobs)
        effects = [*msm_rows(panel, msm, context), *naive_rows(panel, msm, context)]
        tables["long_term_msm_weight_sensitivity"] = msm_sensitivity_table(panel, msm, weights, context)
    with stage("long_term: g-computation (ridge)", timings):
        ridge_effects, ridge_metrics = gcomp_step(panel, models["ridge"], "linear_ridge", n_boot, n_folds, seed,
                                                  context, fit_metrics=True, jobs=jobs)
        effects += ridge_effects
    with stage("long_term: g-computation (LightGBM)", timings):
        lgbm_boot = {o: n_boot if o == primary_outcome else min(n_boot, LIGHTGBM_SECONDARY_MAX_BOOT)
                     for o in panel.outcomes}
        lgbm_effects, _ = gcomp_step(panel, models["lightgbm_outcome"], "lightgbm", lgbm_boot, n_folds, seed,
                                     context, fit_metrics=False, jobs=jobs)
        effects += lgbm_effects
    with stage("long_term: AIPW (cross-fitted)", timings):
        aipw_results = est.aipw_outcomes(panel.data, TREATMENT, panel.outcomes, panel.columns.numeric, CATEGORICAL,
                                         CLUSTER, outcome_learner=models["lightgbm_outcome"],
                                         propensity_learner=models["logistic"], strategy="t", n_folds=n_folds,
                                         propensity_bounds=AIPW_PROPENSITY_BOUNDS, n_boot=n_boot, seed=seed,
                                         n_rep=AIPW_SPLITS, n_jobs=jobs, also_estimands=["ATT"])
        effects += aipw_rows(panel, aipw_results, n_boot, context)
    effects += derived_rows(panel, effects, context)
    table = effect_table(sorted(effects, key=lambda r: (outcome_order[r.outcome], r.estimator_order)))
    tables["long_term_estimator_comparison"] = table[table["outcome"] == primary_outcome].reset_index(drop=True)
    tables["long_term_secondary_outcomes"] = table[table["outcome"] != primary_outcome].reset_index(drop=True)
    with stage("long_term: effect on the exposed days (ATT)", timings):
        att = att_rows(panel, models, msm[(ANALYSIS_ATT_WEIGHT, primary_outcome)], aipw_results[primary_outcome],
                       n_boot, seed, context, jobs)
        tables["long_term_estimands"] = estimand_table(effects, att)
    tables["long_term_gcomp_model_metrics"] = gcomp_metrics_table(panel, ridge_metrics, aipw_results)
    primary = aipw_results[primary_outcome]
    tables["long_term_aipw_scores"] = aipw_score_table(panel, primary)
    with stage("long_term: segment effects", timings):
        tables["long_term_segment_effects"] = segment_step(panel, primary, n_boot, seed)
    with stage("long_term: effect moderators", timings):
        importance, buckets = moderator_step(panel, primary, models["lightgbm_moderator"], n_boot, n_folds, seed,
                                             jobs)
        tables["long_term_effect_moderator_importance"] = importance
        tables["long_term_smoothed_effect_buckets"] = buckets
    outcome_sd = {o: float(panel.data[o].std(ddof=1)) for o in panel.columns.outcomes}
    sensitivity = evalue_rows(table, outcome_sd)
    tables["long_term_sensitivity"] = sensitivity.sort_values(
        ["outcome", "estimator_order"], key=lambda s: s.map(outcome_order) if s.name == "outcome" else s
    ).reset_index(drop=True)
    timings["total"] = time.perf_counter() - started
    tables["long_term_run_info"] = run_info(context, panel, timings, n_boot, lgbm_boot, models)
    return tables


# ---------------------------------------------------------------------------------------------
# Data


def load_panel(context: StudyContext) -> Panel:
    columns = Columns.of(context.windows)
    data = context.reader.read(MART)
    needed = [CLUSTER, "event_date", TREATMENT, "day_of_week", *columns.outcomes, *columns.numeric, *CATEGORICAL,
              columns.prior_raw_watch_ratio]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise KuaiRecError(f"{MART}: missing columns {', '.join(missing)}")
    if data.empty:
        raise KuaiRecError(f"{MART} has no rows")
    data = data[list(dict.fromkeys(needed))].sort_values([CLUSTER, "event_date"]).reset_index(drop=True)
    for column in columns.outcomes:
        data[column] = data[column].astype(float)
    data[TREATMENT] = data[TREATMENT].astype(int)
    design, X = est.build_design(data, columns.numeric, CATEGORICAL)
    codes, n_users = pd.factorize(data[CLUSTER], sort=True)
    outcomes, derived = list(columns.outcomes), {}
    # The average-daily outcome is the window total divided by the window length: every estimator
    # here is equivariant to that rescaling, so it is derived from the primary fit, not refitted.
    primary, average_daily = columns.primary_outcome, columns.average_daily_outcome
    total, average = data[primary].to_numpy(), data[average_daily].to_numpy()
    if total.sum() > 0:
        factor = float(average.sum() / total.sum())
        if np.allclose(average, total * factor, rtol=1e-12, atol=1e-9):
            outcomes.remove(average_daily)
            derived[average_daily] = (primary, factor)
    return Panel(data=data, columns=columns, X=X, design=design, a=data[TREATMENT].to_numpy(float),
                 codes=codes.astype(np.int64),
                 n_users=len(n_users), outcomes=outcomes, derived=derived)


def truth(context: StudyContext, outcome_column: str) -> float | None:
    """The planted ATE of an outcome (None for real data)."""
    names = {column: name for name, column in long_term_truth_outcomes(context.windows).items()}
    return context.true_value(STUDY, "ATE", names[outcome_column])


# ---------------------------------------------------------------------------------------------
# Propensity and weights


@dataclass
class PropensityFits:
    logistic: np.ndarray
    logistic_oof: np.ndarray
    lightgbm: np.ndarray
    lightgbm_oof: np.ndarray
    folds: np.ndarray
    metrics: pd.DataFrame


def propensity_step(panel: Panel, models: dict, n_folds: int, seed: int, jobs: int) -> PropensityFits:
    fits, tables = {}, []
    for name, learner in (("logistic", models["logistic"]), ("lightgbm", models["lightgbm_propensity"])):
        result = est.fit_propensity(panel.data, TREATMENT, panel.columns.numeric, CATEGORICAL, cluster=CLUSTER,
                                    learner=learner, n_folds=n_folds, seed=seed, n_jobs=jobs)
        fits[name] = result
        in_sample = est.classification_metrics(panel.a, result.scores).assign(scores="in-sample")
        tables.append(pd.concat([result.metrics, in_sample], ignore_index=True).assign(model=name))
    metrics = pd.concat(tables, ignore_index=True)
    metrics = metrics[["model", "scores", "fold", "n", "auc", "brier", "log_loss"]]
    return PropensityFits(fits["logistic"].scores, fits["logistic"].oof_scores,  # type: ignore[arg-type]  # cross-fitted
                          fits["lightgbm"].scores, fits["lightgbm"].oof_scores, fits["logistic"].folds,  # type: ignore[arg-type]
                          metrics)


def weight_columns(panel: Panel, fits: PropensityFits) -> dict[str, np.ndarray]:
    # Logistic weights use the full-sample fit (as ipw_msm does). LightGBM weights use the
    # out-of-fold propensities: in-sample boosted-tree propensities are overfit towards the
    # observed treatment, which pulls the weights towards 1 and the estimate towards the naive one.
    scores = {"logistic": fits.logistic, "lightgbm": fits.lightgbm_oof}
    weights = {}
    for option in WEIGHT_OPTIONS:
        if option.spec is None:
            weights[option.column] = np.ones(len(panel.a))
        else:
            weights[option.column] = option.spec.compute(panel.a, scores[option.propensity_model])
    return weights


def propensity_score_table(panel: Panel, fits: PropensityFits, weights: dict[str, np.ndarray]) -> pd.DataFrame:
    table = panel.data[[CLUSTER, "event_date", TREATMENT]].copy()
    table["fold"] = fits.folds
    table["propensity_logistic"] = fits.logistic
    table["propensity_logistic_oof"] = fits.logistic_oof
    table["propensity_lightgbm"] = fits.lightgbm
    table["propensity_lightgbm_oof"] = fits.lightgbm_oof
    for option in WEIGHT_OPTIONS:
        if option.spec is not None:
            table[option.column] = weights[option.column]
    table["analysis_weight"] = weights[ANALYSIS_WEIGHT]
    return table


def balance_output(balance: pd.DataFrame) -> pd.DataFrame:
    table = balance.reset_index().rename(columns={"smd": "smd_unweighted", "abs_smd": "abs_smd_unweighted"})
    table.insert(0, "covariate_order", np.arange(1, len(table) + 1))
    table["improved"] = table["abs_smd_weighted"] < table["abs_smd_unweighted"]
    return table


# ---------------------------------------------------------------------------------------------
# MSM


def msm_step(panel: Panel, logistic, weights: dict[str, np.ndarray], n_boot: int, seed: int,
             jobs: int) -> est.MSMFamily:
    """Every weight option and outcome on one set of resamples: logistic weight options refit
    the propensity in each replicate (the analysis weight and the primary outcome is exactly
    ``ipw_msm``), LightGBM weights are held fixed, ``unweighted`` is the difference in means.
    The analysis weighting's ATT (``ANALYSIS_ATT_WEIGHT``) shares those resamples and refits
    rather than refitting the propensity 200 times more in a separate ``ipw_msm``."""
    weightings: dict[str, Any] = {
        option.column: (option.spec if option.propensity_model == "logistic"
                        else weights[option.column] if option.propensity_model == "lightgbm" else None)
        for option in WEIGHT_OPTIONS}
    weightings[ANALYSIS_ATT_WEIGHT] = ANALYSIS_ATT_SPEC
    return est.ipw_msm_family(panel.data, TREATMENT, panel.outcomes, weightings, panel.columns.numeric, CATEGORICAL,
                              cluster=CLUSTER, propensity_learner=logistic, n_boot=n_boot, seed=seed, n_jobs=jobs)


def _msm_source(option: WeightOption, n_boot: int) -> str:
    if not n_boot:
        return "normal interval, cluster-robust WLS SE (weights treated as fixed)"
    if option.propensity_model == "logistic":
        return f"user-cluster bootstrap, {n_boot} replicates, propensity refitted in each replicate"
    if option.propensity_model == "lightgbm":
        return f"user-cluster bootstrap, {n_boot} replicates, weights held fixed"
    return f"user-cluster bootstrap, {n_boot} replicates"


def naive_rows(panel: Panel, msm: est.MSMFamily, context: StudyContext) -> list[EffectRow]:
    option, naive = WEIGHT_OPTIONS[0], registry.estimator("naive")
    return [EffectRow(outcome=o, estimator=naive.label, method=naive.method,
                      model="none (unadjusted)", effect=msm[("unweighted", o)],
                      source=_msm_source(option, msm.n_boot), unadjusted=True,
                      analytic_std_error=msm[("unweighted", o)].diagnostics["robust_std_error"],
                      analytic_se_source="cluster-robust SE of the difference", true_value=truth(context, o),
                      estimator_order=naive.order)
            for o in panel.outcomes]


def msm_rows(panel: Panel, msm: est.MSMFamily, context: StudyContext) -> list[EffectRow]:
    option = next(o for o in WEIGHT_OPTIONS if o.column == ANALYSIS_WEIGHT)
    estimator = registry.estimator("msm")
    rows = []
    for outcome in panel.outcomes:
        effect = msm[(ANALYSIS_WEIGHT, outcome)]
        rows.append(EffectRow(outcome=outcome, estimator=estimator.label, method=estimator.method,
                              model="logistic propensity, stabilized weight clipped at 10", effect=effect,
                              source=_msm_source(option, msm.n_boot),
                              analytic_std_error=effect.diagnostics["robust_std_error"],
                              analytic_se_source="cluster-robust WLS SE, weights treated as fixed",
                              true_value=truth(context, outcome), estimator_order=estimator.order))
    return rows


def msm_sensitivity_table(panel: Panel, msm: est.MSMFamily, weights: dict[str, np.ndarray],
                          context: StudyContext) -> pd.DataFrame:
    primary = panel.columns.primary_outcome
    true_value = truth(context, primary)
    rows = []
    for order, option in enumerate(WEIGHT_OPTIONS, start=1):
        effect = msm[(option.column, primary)]
        w = weights[option.column]
        ess = est.effective_sample_size(w)
        spec = option.spec
        rows.append({
            "weight_order": order, "weight_column": option.column, "propensity_model": option.propensity_model,
            "stabilized": None if spec is None else spec.stabilized, "clip": None if spec is None else spec.clip,
            "description": option.description, "is_analysis_weight": option.column == ANALYSIS_WEIGHT,
            "outcome": primary, "estimate": effect.estimate, "std_error": effect.std_error,
            "ci_lower": effect.ci_lower, "ci_upper": effect.ci_upper,
            "treated_mean": effect.diagnostics["treated_mean"], "control_mean": effect.reference_mean,
            "relative_lift": effect.relative_effect, "robust_std_error": effect.diagnostics["robust_std_error"],
            "ess": ess, "ess_share": ess / len(w), "n": effect.n, "users": effect.n_clusters,
            "n_boot": 0 if effect.replicates is None else int(np.isfinite(effect.replicates).sum()),
            "source": _msm_source(option, msm.n_boot), "true_value": true_value,
            "covers_truth": covers(effect.ci_lower, effect.ci_upper, true_value),
        })
    table = pd.DataFrame(rows)
    table["interval_crosses_zero"] = crosses_zero(table["ci_lower"], table["ci_upper"])
    table["clip"] = table["clip"].astype(float)
    table["stabilized"] = table["stabilized"].astype("boolean")
    table["covers_truth"] = table["covers_truth"].astype("boolean")
    table["true_value"] = table["true_value"].astype(float)
    return table


# ---------------------------------------------------------------------------------------------
# g-computation and AIPW


def gcomp_step(panel: Panel, learner, model_name: str, n_boot: int | dict[str, int], n_folds: int, seed: int,
               context: StudyContext, fit_metrics: bool, jobs: int) -> tuple[list[EffectRow], dict[str, pd.DataFrame]]:
    rows, metrics = [], {}
    estimator = registry.estimator({"linear_ridge": "gcomp_linear", "lightgbm": "gcomp_lightgbm"}[model_name])
    for outcome in panel.outcomes:
        boot = n_boot[outcome] if isinstance(n_boot, dict) else n_boot
        effect = est.g_computation(panel.data, outcome=outcome, **panel.roles, learner=learner, strategy="t",
                                   n_boot=boot, seed=seed, fit_metrics=fit_metrics, n_folds=n_folds, n_jobs=jobs)
        if fit_metrics:
            metrics[outcome] = effect.diagnostics.pop("fit_by_fold")
        source = (f"user-cluster bootstrap, {boot} replicates, outcome models refitted in each replicate"
                  if boot else "no interval (n_boot = 0)")
        rows.append(EffectRow(outcome=outcome, estimator=estimator.label, method=estimator.method,
                              model=model_name, effect=effect, source=source, true_value=truth(context, outcome),
                              estimator_order=estimator.order))
    return rows, metrics


def aipw_rows(panel: Panel, results: dict[str, est.AIPWResult], n_boot: int, context: StudyContext) -> list[EffectRow]:
    estimator = registry.estimator("aipw")
    rows = []
    for outcome, result in results.items():
        effect = result.effect
        influence_se = effect.std_error
        if effect.replicates is not None:  # report the bootstrap SD like every other row
            effect.std_error = float(est.bootstrap_std(effect.replicates))
        splits = (f"nuisances cross-fitted once on each of {AIPW_SPLITS} fold splits, replicate b on split b mod "
                  f"{AIPW_SPLITS}")
        source = (f"normal interval on the user-cluster bootstrap SD of the mean AIPW score, {n_boot} replicates "
                  f"({splits})" if n_boot
                  else f"normal interval, clustered influence-function SE over {AIPW_SPLITS} fold splits")
        rows.append(EffectRow(outcome=outcome, estimator=estimator.label, method=estimator.method,
                              model="LightGBM outcome per arm + logistic propensity", effect=effect, source=source,
                              analytic_std_error=influence_se,
                              analytic_se_source=("clustered influence-function SE, split spread added "
                                                  f"({AIPW_SPLITS} splits)"),
                              true_value=truth(context, outcome), estimator_order=estimator.order))
    return rows


def derived_rows(panel: Panel, effects: list[EffectRow], context: StudyContext) -> list[EffectRow]:
    rows = []
    for outcome, (source_outcome, factor) in panel.derived.items():
        for row in [r for r in effects if r.outcome == source_outcome]:
            note = f"{outcome} = {factor:.6g} x {source_outcome}, rescaled from its fit"
            rows.append(EffectRow(outcome=outcome, estimator=row.estimator, method=row.method, model=row.model,
                                  effect=rescaled(row.effect, factor, note), source=f"{row.source}; {note}",
                                  unadjusted=row.unadjusted, analytic_std_error=row.analytic_std_error * factor,
                                  analytic_se_source=row.analytic_se_source, true_value=truth(context, outcome),
                                  estimator_order=row.estimator_order))
    return rows


def gcomp_metrics_table(panel: Panel, ridge: dict[str, pd.DataFrame],
                        aipw_results: dict[str, est.AIPWResult]) -> pd.DataFrame:
    parts = []
    for outcome, table in ridge.items():
        parts.append(table.assign(outcome=outcome, learner="linear_ridge",
                                  source="g_computation fit_metrics: out-of-fold, one ridge model per arm"))
    for outcome, result in aipw_results.items():
        table = result.metrics[result.metrics["model"] == "outcome"][["fold", "n", "rmse", "mae", "r2"]]
        parts.append(table.assign(outcome=outcome, learner="lightgbm",
                                  source="AIPW cross-fitting: out-of-fold, one LightGBM model per arm "
                                         "(the g-computation LightGBM configuration)"))
    for outcome, (source_outcome, factor) in panel.derived.items():
        for part in [p for p in parts if (p["outcome"] == source_outcome).all()]:
            scaled = part.assign(outcome=outcome, rmse=part["rmse"] * factor, mae=part["mae"] * factor,
                                 source=part["source"] + f"; rescaled from {source_outcome}")
            parts.append(scaled)
    table = pd.concat(parts, ignore_index=True)
    table = table[["outcome", "learner", "fold", "n", "rmse", "mae", "r2", "source"]]
    table["_o"] = table["outcome"].map(panel.columns.order)
    table["_f"] = np.where(table["fold"] == "overall", -1, pd.to_numeric(table["fold"], errors="coerce"))
    return table.sort_values(["_o", "learner", "_f"]).drop(columns=["_o", "_f"]).reset_index(drop=True)


def aipw_score_table(panel: Panel, result: est.AIPWResult) -> pd.DataFrame:
    table = panel.data[[CLUSTER, "event_date", TREATMENT]].copy()
    table["outcome"] = panel.data[panel.columns.primary_outcome].to_numpy()
    table["propensity"] = result.nuisances["propensity"].to_numpy()
    table["mu0"] = result.nuisances["mu0"].to_numpy()
    table["mu1"] = result.nuisances["mu1"].to_numpy()
    table["score"] = result.scores
    table["fold"] = result.nuisances["fold"].to_numpy()
    return table


# ---------------------------------------------------------------------------------------------
# Heterogeneity




def segment_step(panel: Panel, result: est.AIPWResult, n_boot: int, seed: int) -> pd.DataFrame:
    data = panel.data
    frame = pd.DataFrame({"treatment": panel.a, "outcome": data[panel.columns.primary_outcome].to_numpy(),
                          "propensity": result.nuisances["propensity"].to_numpy(),
                          "mu0": result.nuisances["mu0"].to_numpy(), "mu1": result.nuisances["mu1"].to_numpy()})
    parts = []
    for segment_type, column in panel.columns.segments:
        labels, order = quantile_buckets(data[column], SEGMENT_BUCKETS)
        parts.append(segment_effect_table(segment_type, labels, order, result.scores, panel.codes, frame, n_boot,
                                          seed, SEGMENT_MIN_ROWS, SEGMENT_MIN_USERS).assign(source_column=column))
    days = data["day_of_week"].astype(int)
    labels = days.map(lambda d: f"{d} {DAY_NAMES[d - 1]}")
    order = {f"{d} {name}": d for d, name in enumerate(DAY_NAMES, start=1)}
    parts.append(segment_effect_table("day_of_week", labels, order, result.scores, panel.codes, frame, n_boot, seed,
                                      SEGMENT_MIN_ROWS, SEGMENT_MIN_USERS).assign(source_column="day_of_week"))
    table = pd.concat(parts, ignore_index=True)
    table.insert(0, "plot_order", np.arange(1, len(table) + 1))
    table["min_rows"] = SEGMENT_MIN_ROWS
    table["min_users"] = SEGMENT_MIN_USERS
    return table


def moderator_step(panel: Panel, result: est.AIPWResult, learner, n_boot: int, n_folds: int, seed: int,
                   jobs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    X = panel.data[panel.columns.moderators].astype(float)
    moderators = est.effect_moderators(result.scores, X, learner=learner, clusters=panel.codes,
                                       n_buckets=MODERATOR_BUCKETS, n_folds=n_folds, seed=seed, n_jobs=jobs)
    shares = moderators.importances
    importance = pd.DataFrame({"rank": np.arange(1, len(shares) + 1), "feature": shares.index.astype(str),
                               "importance_share": shares.to_numpy(float)})
    importance["cumulative_share"] = importance["importance_share"].cumsum()
    # The library's buckets of the out-of-fold predicted effect, with a user-cluster bootstrap
    # interval for the mean AIPW score of each.
    labels = pd.Series([f"B{b}" for b in moderators.bucket])
    frame = pd.DataFrame({"treatment": panel.a, "outcome": panel.data[panel.columns.primary_outcome].to_numpy(),
                          "propensity": result.nuisances["propensity"].to_numpy(),
                          "mu0": result.nuisances["mu0"].to_numpy(), "mu1": result.nuisances["mu1"].to_numpy()})
    order = {f"B{b}": b for b in range(1, MODERATOR_BUCKETS + 1)}
    segments = segment_effect_table("predicted_effect_bucket", labels, order, result.scores, panel.codes, frame,
                                    n_boot, seed, 1, 1)
    library = moderators.buckets.set_index("bucket")
    buckets = pd.DataFrame({
        "bucket": segments["segment_order"].astype(int), "rows": segments["rows"], "users": segments["users"],
        "predicted_min": library["predicted_min"].to_numpy(), "predicted_max": library["predicted_max"].to_numpy(),
        "mean_predicted_effect": library["mean_predicted"].to_numpy(),
        "mean_aipw_score": segments["aipw_ate"], "std_error": segments["aipw_std_error"],
        "bootstrap_reps": segments["bootstrap_reps"], "bootstrap_std": segments["bootstrap_std"],
        "ci_lower": segments["ci_lower"], "ci_upper": segments["ci_upper"],
        "interval_crosses_zero": segments["interval_crosses_zero"],
        "treatment_rate": segments["treatment_rate"], "observed_outcome_mean": segments["observed_outcome_mean"],
    })
    return importance, buckets


# ---------------------------------------------------------------------------------------------
# Run info


def _snake(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def run_info(context: StudyContext, panel: Panel, timings: dict[str, float], n_boot: int, lgbm_boot: dict[str, int],
             models: dict) -> pd.DataFrame:
    settings = context.settings
    learner_text = {name: describe_learner(model) for name, model in models.items()}
    lgbm_params = {name: {k: v for k, v in models[name].get_params().items()
                          if k in ("n_estimators", "learning_rate", "num_leaves", "min_child_samples", "max_bin")}
                   for name in ("lightgbm_propensity", "lightgbm_outcome", "lightgbm_moderator")}
    info: list[tuple[str, object]] = [
        ("study", STUDY), ("mart", MART), ("interaction_matrix", context.interaction_matrix),
        ("simulated", context.truth is not None and not context.truth.empty),
        ("rows", len(panel.data)), ("users", panel.n_users), ("treatment_rate", float(panel.a.mean())),
        ("treatment", TREATMENT), ("primary_outcome", panel.columns.primary_outcome),
        ("secondary_outcomes", ", ".join(panel.columns.secondary_outcomes)),
        ("n_boot", n_boot), ("seed", settings.seed), ("n_folds", settings.n_folds),
        ("n_boot_lightgbm_gcomp", ", ".join(f"{o}={b}" for o, b in lgbm_boot.items())),
        ("bootstrap", "user-cluster bootstrap (multinomial user multiplicities), percentile 95% intervals "
                      "(AIPW: normal on the bootstrap SD, replicates over its fold splits); the same seed "
                      "everywhere, so replicates of different estimators share their resamples"),
        ("folds", "GroupKFold by user (shuffled with the seed)"),
        ("covariates_numeric", ", ".join(panel.columns.numeric)), ("covariates_categorical", ", ".join(CATEGORICAL)),
        ("design_columns", len(panel.design.names)),
        ("design_dropped_constant", ", ".join(panel.design.dropped_constant) or "none"),
        ("moderator_features", ", ".join(panel.columns.moderators)),
        ("learners", "; ".join(f"{k}: {v}" for k, v in learner_text.items())),
        ("lightgbm_params", "; ".join(f"{k}: {v}" for k, v in lgbm_params.items())),
        ("analysis_weight", "logistic propensity (in-sample), stabilized, clipped at 10"),
        ("aipw_propensity_bounds", f"{AIPW_PROPENSITY_BOUNDS}"),
        ("aipw_cross_fitting_splits", AIPW_SPLITS),
        ("segment_size_filter", f"rows >= {SEGMENT_MIN_ROWS} and users >= {SEGMENT_MIN_USERS}"),
        ("derived_outcomes", "; ".join(f"{o} = {f:.6g} x {s} (rescaled, not refitted)"
                                       for o, (s, f) in panel.derived.items()) or "none"),
        ("trade_offs", f"LightGBM g-computation bootstraps the secondary outcomes with at most "
                       f"{LIGHTGBM_SECONDARY_MAX_BOOT} replicates; LightGBM-weighted MSM rows keep their weights "
                       f"fixed in the bootstrap; LightGBM outcome models use 60 trees x 15 leaves"),
    ]
    info += [(f"runtime_seconds_{_snake(step.removeprefix('long_term: '))}", round(seconds, 2))
             for step, seconds in timings.items()]
    log(f"long_term: done in {timings.get('total', float('nan')):.1f}s")
    return pd.DataFrame({"key": [k for k, _ in info], "value": [str(v) for _, v in info]})
