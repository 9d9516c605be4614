"""Robustness of the decomposition: discovery threshold, mediator
measure, model form and outcome. Point estimates only (no bootstrap), one g-formula fit each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kuairec_causal import estimators as est
from kuairec_causal.studies import mediation_estimates as estimates
from kuairec_causal.studies import mediation_spec as spec

_LOG_OUTCOME = "log1p_Y_future_interactions"


@dataclass
class Specification:
    family: str
    specification: str
    treatment_definition: str
    mediator: str = spec.MEDIATOR
    outcome: str = spec.PRIMARY_OUTCOME
    model: str = ("linear g-formula: M ~ A + X + A x W, Y ~ A + M + A*M + X + (A + M) x W "
                  "(W = history and calendar modifiers)")
    covariate_set: str = "primary confounder set"
    numeric: tuple[str, ...] | None = None  # None: the study's confounder set
    categorical: tuple[str, ...] | None = None
    weighted: bool = False
    interaction: bool = True
    mediator_learner: object = None  # None: the least-squares mediator model of the g-formula
    modifiers: tuple[str, ...] | None = None  # None: the study's slope modifiers
    threshold_quantile: float | None = None
    is_baseline: bool = False


def _threshold_treatment(quantile: float) -> str:
    """The column holding the exposure cut at a quantile of the discovery score."""
    return f"A_score_at_or_above_q{int(round(quantile * 100))}"


def point_decomposition(data: pd.DataFrame, treatment: str, mediator: str, outcome: str, numeric, categorical,
                        modifiers, weights=None, interaction: bool = True, mediator_learner=None,
                        seed: int = 0, design_names: Sequence[str] | None = None) -> dict:
    """TE / NDE / NIE / mediator shift of one g-formula fit (no bootstrap). ``design_names``: the
    encoded columns of (``numeric``, ``categorical``) on ``data`` when already known."""
    modifiers = tuple(m for m in modifiers if m in numeric)
    linear_mediator, outcome_learner = estimates.linear_learners(data, modifiers, numeric, categorical, interaction,
                                                                 design_names)
    result = est.mediation_gformula(data, treatment, mediator, outcome, covariates=list(numeric),
                                    categorical=list(categorical), cluster=spec.CLUSTER, weights=weights,
                                    mediator_learner=linear_mediator if mediator_learner is None else mediator_learner,
                                    outcome_learner=outcome_learner, interaction=interaction, cde_quantiles=None,
                                    n_boot=0, seed=seed)
    return {"total_effect": result["TE"].estimate, "direct_effect": result["NDE"].estimate,
            "indirect_effect": result["NIE"].estimate, "mediator_shift": result["mediator_shift"].estimate,
            "reference_mean": result["TE"].reference_mean, "n": result["TE"].n}


def specifications(panel: pd.DataFrame, columns: spec.Columns, baseline_treatment: str,
                   seed: int) -> list[Specification]:
    specs = [Specification("threshold_sensitivity", "warehouse_definition", baseline_treatment, is_baseline=True)]
    for q in spec.THRESHOLD_QUANTILES:
        cut = float(np.quantile(panel[spec.EXPOSURE_SCORE], q))
        specs.append(Specification("threshold_sensitivity", f"score_at_or_above_q{int(round(q * 100))}",
                                   f"{spec.EXPOSURE_SCORE} >= {cut:.4g} (its {q:.0%} quantile on the panel)",
                                   threshold_quantile=q))
    specs.append(Specification("mediator_sensitivity", "satisfaction_depth_score", baseline_treatment,
                               is_baseline=True))
    for column in spec.ALTERNATIVE_MEDIATORS:
        specs.append(Specification("mediator_sensitivity", column, baseline_treatment, mediator=column))
    history_numeric, history_categorical = columns.covariates_in(
        {"calendar", "history_activity", "history_watch_quality", "history_discovery"})
    profile_numeric, profile_categorical = columns.covariates_in({"calendar", "profile"})
    models = [
        Specification("model_sensitivity", "modified_slopes_with_interaction", baseline_treatment, is_baseline=True),
        Specification("model_sensitivity", "single_slopes", baseline_treatment, modifiers=(),
                      model="single-slope linear g-formula: OLS M ~ A + X, OLS Y ~ A + M + A*M + X"),
        Specification("model_sensitivity", "ipw_weighted", baseline_treatment, weighted=True,
                      model="linear g-formula with A*M, fits and averages weighted by the capped stabilized "
                            "IPW weight"),
        Specification("model_sensitivity", "no_interaction", baseline_treatment, interaction=False,
                      model="linear g-formula without A*M: Y ~ A + M + X + (A + M) x W"),
        Specification("model_sensitivity", "lightgbm_mediator_model", baseline_treatment,
                      mediator_learner=est.lightgbm_regressor(seed=seed),
                      model="LightGBM M ~ A + X (full sample), Y ~ A + M + A*M + X + (A + M) x W"),
        Specification("model_sensitivity", "history_and_calendar_covariates", baseline_treatment,
                      covariate_set="history and calendar only (profile dropped)", numeric=history_numeric,
                      categorical=history_categorical),
        Specification("model_sensitivity", "profile_and_calendar_covariates", baseline_treatment,
                      covariate_set="profile and calendar only (history dropped)", numeric=profile_numeric,
                      categorical=profile_categorical),
        Specification("model_sensitivity", "extended_covariates", baseline_treatment,
                      covariate_set="primary confounder set + day of week",
                      numeric=columns.numeric + spec.EXTENDED_NUMERIC,
                      categorical=columns.categorical + spec.EXTENDED_CATEGORICAL),
    ]
    specs += models
    for outcome in spec.OUTCOMES:
        specs.append(Specification("outcome_sensitivity", outcome, baseline_treatment, outcome=outcome,
                                   is_baseline=outcome == spec.PRIMARY_OUTCOME))
    specs.append(Specification("outcome_sensitivity", _LOG_OUTCOME, baseline_treatment, outcome=_LOG_OUTCOME))
    return specs


def robustness(panel: pd.DataFrame, columns: spec.Columns, weights: np.ndarray, baseline_treatment: str, seed: int,
               extra_rows: list[dict] | None = None, jobs: int = 1,
               design_names: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One point decomposition per specification (independent fits, spread over ``jobs`` processes).
    ``design_names``: the encoded columns of the study's confounder set on ``panel``, when the
    caller has them; the specifications on that set then use them instead of encoding the panel
    once more each just to name the slope modifiers' columns."""
    data = panel.copy()
    data[_LOG_OUTCOME] = np.log1p(data[spec.PRIMARY_OUTCOME].astype(float))
    for q in spec.THRESHOLD_QUANTILES:
        cut = np.quantile(data[spec.EXPOSURE_SCORE], q)
        data[_threshold_treatment(q)] = (data[spec.EXPOSURE_SCORE] >= cut).astype(int)

    def fit(item: Specification) -> dict:
        numeric = columns.numeric if item.numeric is None else item.numeric
        categorical = columns.categorical if item.categorical is None else item.categorical
        modifiers = columns.slope_modifiers if item.modifiers is None else item.modifiers
        treatment = spec.TREATMENT if item.threshold_quantile is None else _threshold_treatment(item.threshold_quantile)
        shares_design = item.numeric is None and item.categorical is None
        effects = point_decomposition(data, treatment, item.mediator, item.outcome, numeric, categorical, modifiers,
                                      weights=weights if item.weighted else None, interaction=item.interaction,
                                      mediator_learner=item.mediator_learner, seed=seed,
                                      design_names=design_names if shares_design else None)
        return {
            "family": item.family, "specification": item.specification,
            "is_baseline": item.is_baseline, "outcome": item.outcome,
            "treatment_definition": item.treatment_definition,
            "treatment_rate": float(data[treatment].mean()), "mediator": item.mediator, "model": item.model,
            "covariate_set": item.covariate_set, "n_covariates": len(numeric) + len(categorical),
            "weighted": item.weighted, "interaction": item.interaction, **effects,
        }

    rows = est.parallel_map(fit, specifications(panel, columns, baseline_treatment, seed), jobs,
                            "robustness specifications")
    table = pd.DataFrame(rows + list(extra_rows or []))
    # extra rows (e.g. the cross-fitted LightGBM fit) go after the last row of their family
    family_order = {family: k for k, family in enumerate(dict.fromkeys(table["family"]))}
    table = (table.assign(_family=table["family"].map(family_order), _row=np.arange(len(table)))
             .sort_values(["_family", "_row"]).drop(columns=["_family", "_row"]).reset_index(drop=True))
    table["spec_order"] = np.arange(1, len(table) + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["indirect_to_total_ratio"] = np.where(table["total_effect"] != 0,
                                                    table["indirect_effect"] / table["total_effect"], np.nan)
        table["relative_total_effect"] = np.where(table["reference_mean"] != 0,
                                                  table["total_effect"] / table["reference_mean"], np.nan)
    return table, summarise(table)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for family, part in table.groupby("family", sort=False):
        total, indirect = part["total_effect"], part["indirect_effect"]
        rows.append({
            "family": family, "specifications": len(part),
            "total_effect_min": total.min(), "total_effect_max": total.max(),
            "total_effect_share_positive": float((total > 0).mean()),
            "indirect_effect_min": indirect.min(), "indirect_effect_max": indirect.max(),
            "indirect_effect_share_positive": float((indirect > 0).mean()),
            "median_abs_indirect_to_total_ratio": float(part["indirect_to_total_ratio"].abs().median()),
            "total_effect_sign_stable": bool((total > 0).all() or (total < 0).all()),
            "indirect_effect_sign_stable": bool((indirect > 0).all() or (indirect < 0).all()),
            "mixes_outcome_scales": bool(part["outcome"].nunique() > 1),
        })
    return pd.DataFrame(rows)
