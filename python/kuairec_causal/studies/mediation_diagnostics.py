"""Design tables of the mediation study: confounder set, design matrix, overlap,
weights, balance, residualised mediator-outcome check, raw pathway summaries, model blueprint and
the assumption checks whose wording follows the numbers."""

from __future__ import annotations

import math
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from kuairec_causal import estimators as est
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.studies import mediation_spec as spec


def load_panel(reader, columns: spec.Columns) -> pd.DataFrame:
    """The analysis panel, sorted by user and date, with the columns the study needs checked."""
    panel = reader.read(spec.PANEL)
    needed = [spec.CLUSTER, spec.DATE, spec.TREATMENT, spec.MEDIATOR, spec.EXPOSURE_SCORE, *spec.OUTCOMES,
              *columns.numeric, *columns.categorical, *spec.EXTENDED_NUMERIC, *spec.EXTENDED_CATEGORICAL,
              *spec.ALTERNATIVE_MEDIATORS]
    missing = [c for c in needed if c not in panel.columns]
    if missing:
        raise KuaiRecError(f"{spec.PANEL} lacks columns {missing}")
    if panel.empty:
        raise KuaiRecError(f"{spec.PANEL} has no rows")
    panel = panel.sort_values([spec.CLUSTER, spec.DATE]).reset_index(drop=True)
    panel[spec.TREATMENT] = panel[spec.TREATMENT].astype(int)
    return panel


def treatment_definition(reader) -> dict[str, object]:
    """The warehouse's rule for A (mart_treatment_definitions), for the tables' wording."""
    try:
        table = reader.read("mart_treatment_definitions")
        row = table[table["treatment"] == "high_discovery"].iloc[0]
        return {"rule": str(row["rule"]), "threshold": float(row["threshold"]), "metric": str(row["metric"])}
    except Exception:  # noqa: BLE001 - the wording falls back to the generic definition
        return {"rule": "unknown", "threshold": math.nan, "metric": spec.EXPOSURE_SCORE}


def describe_treatment(definition: dict[str, object]) -> str:
    threshold = definition["threshold"]
    if isinstance(threshold, float) and math.isnan(threshold):
        return f"{spec.EXPOSURE_SCORE} at or above the warehouse's high-discovery threshold"
    return f"{spec.EXPOSURE_SCORE} >= {threshold:.4g} ({definition['rule']} rule of the warehouse)"


# ---------------------------------------------------------------------------------------------
# Confounder set and design matrix


def covariate_registry(panel: pd.DataFrame, columns: spec.Columns, design: est.DesignSpec) -> pd.DataFrame:
    encoded = pd.Series([c.source for c in design.columns]).value_counts()
    rows = []
    for order, covariate in enumerate(columns.covariates, start=1):
        role, reason = spec.role_of(covariate)
        n_encoded = int(encoded.get(covariate.name, 0))
        rows.append({"covariate": covariate.name, "covariate_order": order, "type": covariate.type,
                     "covariate_group": covariate.group, "role": role, "reason": reason, "timing": covariate.timing,
                     "encoded_columns": n_encoded, "in_design": n_encoded > 0})
    return pd.DataFrame(rows)


def covariate_quality(panel: pd.DataFrame, columns: spec.Columns) -> pd.DataFrame:
    rows = []
    for covariate in columns.covariates:
        series = panel[covariate.name]
        numeric = covariate.type == "numeric"
        values = cast(np.ndarray, series.to_numpy(dtype=float, na_value=np.nan) if numeric else None)  # read if numeric
        unique = int(series.nunique(dropna=True))
        rows.append({
            "covariate": covariate.name, "type": covariate.type, "covariate_group": covariate.group,
            "rows": len(series), "missing_rate": float(series.isna().mean()), "unique_values": unique,
            "mean_value": float(np.nanmean(values)) if numeric and np.isfinite(values).any() else np.nan,
            "sd": float(np.nanstd(values, ddof=1)) if numeric and np.isfinite(values).sum() > 1 else np.nan,
            "min_value": float(np.nanmin(values)) if numeric and np.isfinite(values).any() else np.nan,
            "max_value": float(np.nanmax(values)) if numeric and np.isfinite(values).any() else np.nan,
            "is_constant": unique <= 1,
        })
    return (pd.DataFrame(rows).sort_values(["missing_rate", "unique_values", "covariate"],
                                           ascending=[False, True, True]).reset_index(drop=True))


def design_summary(panel: pd.DataFrame, design: est.DesignSpec, cde_values: tuple[float, ...]) -> pd.DataFrame:
    summary: dict[str, Any] = design.summary()
    items = [
        ("analysis_rows", len(panel), "Active user-days of mart_mediation_panel."),
        ("users", panel[spec.CLUSTER].nunique(), "Users (the resampling and fold unit)."),
        ("calendar_dates", panel[spec.DATE].nunique(), "Distinct event dates."),
        ("numeric_covariates", summary["numeric"], "Numeric confounders (primary confounder set)."),
        ("categorical_covariates", summary["categorical"], "Categorical confounders (profile ranges)."),
        ("encoded_design_columns", summary["encoded_columns"],
         "Design-matrix columns: median-imputed numerics plus one-hot levels (first level dropped), "
         "constant columns removed."),
        ("dropped_constant_columns", len(summary["dropped_constant"]),
         "Encoded columns dropped because they are constant on the panel: "
         + (", ".join(summary["dropped_constant"]) or "none") + "."),
        ("treatment_rate", panel[spec.TREATMENT].mean(), "Share of user-days with A = 1."),
        ("mediator_mean", panel[spec.MEDIATOR].mean(), "Mean satisfaction depth M."),
        ("mediator_sd", panel[spec.MEDIATOR].std(ddof=1), "Standard deviation of M."),
        ("mediator_low_value", cde_values[0], "M at its 10th percentile (m_low of CDE_low)."),
        ("mediator_high_value", cde_values[1], "M at its 90th percentile (m_high of CDE_high)."),
    ]
    for outcome in spec.OUTCOMES:
        items.append((f"outcome_mean_{outcome}", panel[outcome].mean(), f"Mean of {outcome}."))
    items.append(("max_key_variable_missing_rate",
                  panel[[spec.TREATMENT, spec.MEDIATOR, *spec.OUTCOMES]].isna().mean().max(),
                  "Largest missing share among A, M and the outcomes."))
    return pd.DataFrame([{"item": k, "value": float(v), "description": d} for k, v, d in items])


# ---------------------------------------------------------------------------------------------
# Propensity, weights, overlap


def propensity_and_weights(panel: pd.DataFrame, columns: spec.Columns, n_folds: int, seed: int,
                           jobs: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Logistic propensity (standardised, L2) on the confounder set; stabilized weights from the
    clipped propensity, capped at their 99th percentile."""
    result = est.fit_propensity(panel, spec.TREATMENT, columns.numeric, columns.categorical, cluster=spec.CLUSTER,
                                learner=est.logistic_learner(seed=seed), n_folds=n_folds, seed=seed, n_jobs=jobs)
    a = panel[spec.TREATMENT].to_numpy(dtype=float)
    e = result.scores
    raw = est.ipw_weights(a, e, stabilized=True, propensity_bounds=spec.PROPENSITY_BOUNDS)
    cap = float(np.quantile(raw, spec.WEIGHT_CAP_QUANTILE))
    capped = est.ipw_weights(a, e, stabilized=True, clip=cap, propensity_bounds=spec.PROPENSITY_BOUNDS)
    scores = pd.DataFrame({
        spec.CLUSTER: panel[spec.CLUSTER].to_numpy(), spec.DATE: panel[spec.DATE].to_numpy(),
        spec.TREATMENT: panel[spec.TREATMENT].to_numpy(), "propensity": e,
        "propensity_out_of_fold": result.oof_scores, "stabilized_weight": raw,
        "stabilized_weight_capped": capped,
    })
    quantiles = np.quantile(e, [0.01, 0.05, 0.5, 0.95, 0.99])
    overall = result.metrics[result.metrics["fold"] == "overall"].iloc[0]
    below, above = float(np.mean(e < 0.05)), float(np.mean(e > 0.95))
    diag = {
        "treatment_rate": float(a.mean()), "propensity_min": float(e.min()), "propensity_p01": quantiles[0],
        "propensity_p05": quantiles[1], "propensity_median": quantiles[2], "propensity_p95": quantiles[3],
        "propensity_p99": quantiles[4], "propensity_max": float(e.max()),
        "share_propensity_below_0_05": below, "share_propensity_above_0_95": above,
        "share_propensity_outside_0_05_0_95": below + above,
        "weight_cap": cap, "capped_weight_mean": float(capped.mean()), "capped_weight_max": float(capped.max()),
        "share_weights_capped": float(np.mean(raw > cap)),
        "effective_sample_size": est.effective_sample_size(capped),
        "effective_sample_share": est.effective_sample_size(capped) / len(capped),
        "propensity_auc_out_of_fold": float(overall["auc"]), "propensity_brier_out_of_fold": float(overall["brier"]),
    }
    descriptions = {
        "treatment_rate": "Share of user-days with A = 1.",
        "propensity_min": "Smallest in-sample propensity P(A = 1 | X).",
        "propensity_p01": "1st percentile of the propensity.",
        "propensity_p05": "5th percentile of the propensity.",
        "propensity_median": "Median propensity.",
        "propensity_p95": "95th percentile of the propensity.",
        "propensity_p99": "99th percentile of the propensity.",
        "propensity_max": "Largest propensity.",
        "share_propensity_below_0_05": "Share of user-days with propensity < 0.05.",
        "share_propensity_above_0_95": "Share of user-days with propensity > 0.95.",
        "share_propensity_outside_0_05_0_95": "Sum of the two previous shares (the positivity flag).",
        "weight_cap": "99th percentile of the stabilized weights (propensity clipped to [0.02, 0.98]): the cap.",
        "capped_weight_mean": "Mean capped stabilized weight.",
        "capped_weight_max": "Largest capped stabilized weight.",
        "share_weights_capped": "Share of user-days whose weight was capped.",
        "effective_sample_size": "Kish effective sample size of the capped weights.",
        "effective_sample_share": "Effective sample size / rows.",
        "propensity_auc_out_of_fold": "AUC of out-of-fold propensities (folds grouped by user).",
        "propensity_brier_out_of_fold": "Brier score of out-of-fold propensities.",
    }
    overlap = pd.DataFrame([{"diagnostic": k, "value": float(v), "description": descriptions[k]}
                            for k, v in diag.items()])
    return scores, overlap, diag


# ---------------------------------------------------------------------------------------------
# Balance, residual check, raw summaries


def balance(panel: pd.DataFrame, columns: spec.Columns,
            weights: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """SMD of every covariate (categoricals: one indicator per level) before and after weighting."""
    design = est.fit_design(panel, columns.numeric, columns.categorical, drop_first=False)
    X = design.transform(panel)
    a = panel[spec.TREATMENT].to_numpy(dtype=float)
    table = est.balance_matrix(X, design.names, a, weights).reset_index()
    sources = {c.name: (c.source, c.level) for c in design.columns}
    table.insert(1, "source_covariate", table["covariate"].map(lambda n: sources[n][0]))
    table.insert(2, "level", table["covariate"].map(lambda n: sources[n][1]))
    kinds = {c.name: c.type for c in columns.covariates}
    table.insert(3, "type", table["source_covariate"].map(kinds))
    table = table.rename(columns={"smd": "unweighted_smd", "abs_smd": "abs_unweighted_smd",
                                  "smd_weighted": "weighted_smd", "abs_smd_weighted": "abs_weighted_smd",
                                  "treated_mean_weighted": "weighted_treated_mean",
                                  "control_mean_weighted": "weighted_control_mean"})
    table = table.sort_values(["abs_unweighted_smd", "covariate"], ascending=[False, True]).reset_index(drop=True)
    summary = est.balance_summary(table.rename(columns={"abs_unweighted_smd": "abs_smd",
                                                        "abs_weighted_smd": "abs_smd_weighted"}))
    worst_before = table.loc[table["abs_unweighted_smd"].idxmax()]  # type: ignore[call-overload]  # a row label
    worst_after = table.loc[table["abs_weighted_smd"].idxmax()]  # type: ignore[call-overload]  # a row label
    described = {
        "n_covariates": ("Encoded covariate columns compared (categorical levels kept).", None),
        "mean_abs_smd_before": ("Mean |SMD| before weighting.", None),
        "max_abs_smd_before": ("Largest |SMD| before weighting.", worst_before["covariate"]),
        "n_above_0.1_before": ("Columns with |SMD| > 0.10 before weighting.", None),
        "n_above_0.25_before": ("Columns with |SMD| > 0.25 before weighting.", None),
        "mean_abs_smd_after": ("Mean |SMD| after capped stabilized weighting.", None),
        "max_abs_smd_after": ("Largest |SMD| after weighting.", worst_after["covariate"]),
        "n_above_0.1_after": ("Columns with |SMD| > 0.10 after weighting.", None),
        "n_above_0.25_after": ("Columns with |SMD| > 0.25 after weighting.", None),
    }
    rows = [{"diagnostic": key.replace(".", "_"), "value": float(summary[key]), "covariate": covariate,
             "description": text} for key, (text, covariate) in described.items()]
    return table, pd.DataFrame(rows), {r["diagnostic"]: r["value"] for r in rows}


def residual_diagnostics(panel: pd.DataFrame, columns: spec.Columns) -> pd.DataFrame:
    """Raw and residualised-after-X correlations of M with each outcome (OLS residuals)."""
    _, X = est.build_design(panel, columns.numeric, columns.categorical)
    ols = est.ols_learner()
    m = panel[spec.MEDIATOR].to_numpy(dtype=float)
    m_resid = m - est.predict_mean(est.fit_learner(ols, X, m), X)
    rows = []
    for outcome in spec.OUTCOMES:
        y = panel[outcome].to_numpy(dtype=float)
        y_resid = y - est.predict_mean(est.fit_learner(ols, X, y), X)
        for relationship, adjustment, mv, yv in (("raw M with Y", "none", m, y),
                                                 ("M residual with Y residual after X", "X", m_resid, y_resid)):
            rows.append({"outcome": outcome, "relationship": relationship, "adjustment": adjustment,
                         "pearson_corr": _corr(mv, yv, "pearson"), "spearman_corr": _corr(mv, yv, "spearman"),
                         "n": len(y)})
    return pd.DataFrame(rows)


def _corr(x, y, method: Literal["pearson", "kendall", "spearman"]) -> float:
    return float(pd.Series(np.asarray(x, dtype=float)).corr(pd.Series(np.asarray(y, dtype=float)), method=method))


def group_summary(panel: pd.DataFrame, columns: spec.Columns) -> pd.DataFrame:
    grouped = panel.groupby(spec.TREATMENT).agg(
        user_days=(spec.CLUSTER, "size"), users=(spec.CLUSTER, "nunique"),
        discovery_score_mean=(spec.EXPOSURE_SCORE, "mean"), mediator_mean=(spec.MEDIATOR, "mean"),
        future_interactions_mean=("Y_future_interactions", "mean"),
        future_active_days_mean=("Y_future_active_days", "mean"),
        future_play_hours_mean=("Y_future_play_hours", "mean"),
        prior_interactions_mean=(columns.prior_interactions, "mean"),
    ).reindex([0, 1])
    table = grouped.reset_index()
    table.insert(0, "discovery_group", table[spec.TREATMENT].map({0: "lower_discovery", 1: "high_discovery"}))
    difference: dict[Any, Any] = (grouped.loc[1] - grouped.loc[0]).to_dict()
    difference.update({"discovery_group": "high_minus_lower", spec.TREATMENT: np.nan, "user_days": np.nan,
                       "users": np.nan})
    table = pd.concat([table, pd.DataFrame([difference])], ignore_index=True)
    for column in (spec.TREATMENT, "user_days", "users"):
        table[column] = table[column].astype("Int64")
    return table


def pathway_correlations(panel: pd.DataFrame) -> pd.DataFrame:
    pairs = [(spec.TREATMENT, spec.MEDIATOR), (spec.EXPOSURE_SCORE, spec.MEDIATOR)]
    for outcome in spec.OUTCOMES:
        pairs += [(spec.TREATMENT, outcome), (spec.MEDIATOR, outcome), (spec.EXPOSURE_SCORE, outcome)]
    short = {spec.TREATMENT: "A", spec.MEDIATOR: "M", spec.EXPOSURE_SCORE: "Discovery score"}
    rows = []
    for x, y in pairs:
        label = f"{short[x]} with {short.get(y, y)}"
        rows.append({"x_variable": x, "y_variable": y, "relationship": label,
                     "is_primary_outcome": y in (spec.MEDIATOR, spec.PRIMARY_OUTCOME),
                     "spearman_corr": _corr(panel[x], panel[y], "spearman"),
                     "pearson_corr": _corr(panel[x], panel[y], "pearson"), "n": len(panel)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Blueprint and assumption checks


def model_blueprint(columns: spec.Columns, n_encoded: int, n_boot: int, n_folds: int) -> pd.DataFrame:
    x = (f"X ({len(columns.numeric)} numeric + {len(columns.categorical)} categorical confounders, "
         f"{n_encoded} encoded columns)")
    w = f"the {len(columns.slope_modifiers)} calendar and history covariates of X"
    steps = [
        ("propensity_model", spec.TREATMENT, f"logit P(A = 1 | X), X = {x}", "estimators.fit_propensity",
         "Overlap diagnostics and capped stabilized weights for balance checks, the weighted specification "
         "and the path model."),
        ("total_effect_model", spec.PRIMARY_OUTCOME, "Y ~ A + X", "estimators.path_model (total regression)",
         "Overall adjusted association of high discovery with future value."),
        ("mediator_model", spec.MEDIATOR, f"M ~ A + X + A x W, W = {w}",
         "estimators.mediation_gformula (least-squares mediator model)",
         "How high discovery shifts satisfaction depth after adjustment, allowed to vary with recent history."),
        ("outcome_mediation_model", "Y (each outcome)", "Y ~ A + M + A*M + X + (A + M) x W",
         "estimators.mediation_gformula (least-squares outcome model)",
         "How exposure and mediator jointly predict future value; A*M lets the M -> Y slope differ by exposure, "
         "the W products let both slopes scale with recent activity and window position (without them the "
         "slope heterogeneity loads onto A*M and inflates the indirect effect)."),
        ("counterfactual_prediction", "Y(a, M(a'))",
         "Predict M under A = 0/1, then Y under each (a, M(a')) pair; average over the panel",
         "estimators.mediation_gformula",
         "TE, NDE, NIE (and their treated/control versions) and CDEs at the 10th/90th percentile of M."),
        ("bootstrap_uncertainty", "effect intervals",
         f"Resample users with replacement, refit every model, {n_boot} replicates, percentile intervals",
         "estimators.cluster_bootstrap (inside the estimators)",
         "Uncertainty that respects repeated user-days."),
        ("path_model", spec.PRIMARY_OUTCOME, "M ~ A + X; Y ~ A + M + X; indirect = alpha * beta",
         "estimators.path_model (weighted by the capped stabilized weight)",
         "SEM-style path decomposition as a cross-check of the g-formula."),
        ("crossfit_ml", f"{spec.PRIMARY_OUTCOME}, {spec.SECONDARY_OUTCOME}",
         f"Same g-formula with linear / LightGBM / XGBoost nuisances, {n_folds} folds grouped by user",
         "estimators.mediation_crossfit",
         "Whether the decomposition survives flexible nuisance models; row-level effects for heterogeneity."),
        ("mediator_outcome_sensitivity", "NIE(rho)",
         "NIE and NDE as functions of the correlation rho of the M and Y model errors",
         "estimators.mediation_rho_sensitivity",
         "How strong an unmeasured mediator-outcome confounder must be to erase the indirect effect."),
    ]
    return pd.DataFrame([{"step_order": i, "model_step": s, "target": t, "formula_concept": f, "estimator": e,
                          "purpose": p} for i, (s, t, f, e, p) in enumerate(steps, start=1)])


# Thresholds of the assumption checks (documented in the table's `threshold` column).
POSITIVITY_GOOD, POSITIVITY_LIMITED = 0.05, 0.20  # share of propensities outside [0.05, 0.95]
SMD_GOOD, SMD_LIMITED = 0.10, 0.25  # max |SMD| after weighting
RESIDUAL_NEGLIGIBLE = 0.02  # |residualised Spearman| below this: no mediator signal left
RHO_FRAGILE, RHO_MODERATE = 0.10, 0.30  # |rho| at which the NIE vanishes


def assumption_checks(facts: dict) -> pd.DataFrame:
    """The six identification assumptions of the mediation design, with findings computed from ``facts``.

    ``facts`` keys: treatment_text, mediator_text, outcome_text, treatment_rate, propensity_p05,
    propensity_p95, share_extreme, max_smd_before, max_smd_after, n_smd_above_0_1_after,
    residual_spearman, raw_spearman, rho_at_zero, naive_nie, evalue_te, n_covariates, n_pre_treatment.
    """
    rows = []

    rate = facts["treatment_rate"]
    varies = 0.01 < rate < 0.99
    rows.append(dict(
        assumption="consistency", status="design_definition",
        finding="well_defined" if varies else "degenerate_treatment",
        diagnostic=("A, M and Y are defined on the user-day; A and M use the same day's plays only, Y the days "
                    "after it (the outcome window of `value`)."),
        value=f"A = {facts['treatment_text']}; M = {facts['mediator_text']}; Y = {facts['outcome_text']}",
        metric="treatment_rate", metric_value=rate, threshold="0.01 < treatment rate < 0.99",
        interpretation=(f"One version of the exposure per user-day, observed on {rate:.1%} of the user-days."
                        if varies else f"The exposure is almost constant ({rate:.1%} treated): no contrast to "
                        "estimate."),
        risk_if_violated="Effects would mix incompatible versions of discovery exposure."))

    extreme = facts["share_extreme"]
    finding = ("supported" if extreme <= POSITIVITY_GOOD else "limited" if extreme <= POSITIVITY_LIMITED
               else "violated")
    text = {"supported": "Treated and control user-days share covariate support; few propensities are extreme.",
            "limited": "A noticeable share of user-days has extreme propensities: estimates there lean on "
                       "model extrapolation.",
            "violated": "Many user-days are almost always or never treated given X: the contrast is largely "
                        "extrapolated."}[finding]
    rows.append(dict(
        assumption="positivity_overlap", status="checked", finding=finding,
        diagnostic="Propensity score support and the share of extreme propensities.",
        value=(f"p05={facts['propensity_p05']:.3f}, p95={facts['propensity_p95']:.3f}, "
               f"share outside [0.05, 0.95]={extreme:.3f}"),
        metric="share_propensity_outside_0_05_0_95", metric_value=extreme,
        threshold=f"supported <= {POSITIVITY_GOOD}, limited <= {POSITIVITY_LIMITED}, else violated",
        interpretation=text,
        risk_if_violated="Estimates would rely on extrapolating to user-days with little comparable data."))

    after, before = facts["max_smd_after"], facts["max_smd_before"]
    finding = ("supported" if after <= SMD_GOOD else "partially_supported" if after <= SMD_LIMITED
               else "not_supported")
    improved = "reduced" if after < before else "did not reduce"
    text = {"supported": f"Weighting {improved} the largest |SMD| from {before:.3f} to {after:.3f}: observed "
                         "confounders are balanced.",
            "partially_supported": f"Weighting {improved} the largest |SMD| from {before:.3f} to {after:.3f}; "
                                   f"{int(facts['n_smd_above_0_1_after'])} column(s) stay above 0.10, so "
                                   "regression adjustment must do part of the work.",
            "not_supported": f"The largest |SMD| is still {after:.3f} after weighting (from {before:.3f}): "
                             "the observed confounders are not balanced."}[finding]
    rows.append(dict(
        assumption="observed_treatment_exchangeability", status="partially_checked", finding=finding,
        diagnostic="Covariate balance (SMD) before and after capped stabilized weighting.",
        value=f"max abs SMD before={before:.3f}, after={after:.3f}",
        metric="max_abs_weighted_smd", metric_value=after,
        threshold=f"supported <= {SMD_GOOD}, partially <= {SMD_LIMITED}, else not supported",
        interpretation=text,
        risk_if_violated="The high-discovery contrast could reflect user history rather than exposure."))

    resid, raw = facts["residual_spearman"], facts["raw_spearman"]
    present = abs(resid) >= RESIDUAL_NEGLIGIBLE
    direction = "positive" if resid > 0 else "negative"
    rows.append(dict(
        assumption="observed_mediator_outcome_adjustment", status="partially_checked",
        finding="residual_association_present" if present else "residual_association_negligible",
        diagnostic="Correlation of M and Y after residualising both on X.",
        value=f"raw Spearman={raw:.3f}, residual Spearman={resid:.3f}",
        metric="residual_spearman_corr", metric_value=resid,
        threshold=f"|residual Spearman| >= {RESIDUAL_NEGLIGIBLE}: association present",
        interpretation=(f"A {direction} M-Y association survives adjustment for X, so the mediator carries "
                        "signal for the indirect path (causal only without unmeasured M-Y confounding)."
                        if present else "M and Y are nearly unrelated once X is adjusted for: the indirect "
                        "effect will be small and sensitive to adjustment choices."),
        risk_if_violated="The indirect pathway could be confounded by unmeasured user intent or recommendation "
                         "state."))

    rho = facts["rho_at_zero"]
    magnitude = abs(rho) if np.isfinite(rho) else math.nan
    finding = ("not_quantified" if not np.isfinite(magnitude) else "fragile" if magnitude < RHO_FRAGILE
               else "moderately_robust" if magnitude < RHO_MODERATE else "robust")
    evalue = facts.get("evalue_te", math.nan)
    evalue_text = f"; E-value of TE={evalue:.2f}" if np.isfinite(evalue) else ""
    text = {"not_quantified": "The sensitivity curve could not be computed.",
            "fragile": f"An unmeasured mediator-outcome confounder inducing an error correlation of only "
                       f"rho={rho:.3f} would erase the indirect effect: the NIE is fragile.",
            "moderately_robust": f"The NIE vanishes at rho={rho:.3f}: a confounder of moderate strength would "
                                 "explain it away.",
            "robust": f"Only a strong unmeasured mediator-outcome confounder (rho={rho:.3f}) would erase the "
                      "indirect effect."}[finding]
    rows.append(dict(
        assumption="no_unmeasured_confounding", status="not_testable_quantified_by_sensitivity", finding=finding,
        diagnostic="Not testable from the logs; quantified by the NIE's sensitivity to M-Y error correlation "
                   "(mediation_mo_sensitivity) and the E-value of the total effect.",
        value=f"NIE = 0 at rho={rho:.3f} (naive no-interaction NIE={facts['naive_nie']:.4g}){evalue_text}",
        metric="rho_at_nie_zero", metric_value=rho,
        threshold=f"fragile |rho| < {RHO_FRAGILE}, moderate < {RHO_MODERATE}, else robust",
        interpretation=text,
        risk_if_violated="Direct and indirect effects may not support a causal reading."))

    n_cov, n_pre = int(facts["n_covariates"]), int(facts["n_pre_treatment"])
    clean = n_pre == n_cov
    rows.append(dict(
        assumption="no_treatment_induced_mediator_outcome_confounder", status="design_argument",
        finding="no_post_treatment_covariates" if clean else "post_treatment_covariates_present",
        diagnostic="Every adjustment covariate must be measured before the user-day (no variable A could affect).",
        value=f"{n_pre} of {n_cov} covariates are pre-treatment (history, calendar or static profile)",
        metric="share_pre_treatment_covariates", metric_value=n_pre / n_cov if n_cov else math.nan,
        threshold="all covariates pre-treatment",
        interpretation=("The adjustment set holds no same-day variable, so no treatment-induced confounder is "
                        "adjusted for; one that is unobserved (same-day context driven by A) cannot be ruled out."
                        if clean else f"{n_cov - n_pre} covariate(s) are not pre-treatment: adjusting for them can "
                        "bias the decomposition."),
        risk_if_violated="Mediation decomposition can be biased even if treatment and mediator models fit well."))
    return pd.DataFrame(rows)
