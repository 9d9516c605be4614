"""Cross-fitted ML mediation: linear, LightGBM and XGBoost nuisance models with
folds grouped by user, out-of-fold nuisance performance, row-level effects, heterogeneity,
feature importance and the advanced-model summary."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from kuairec_causal import estimators as est
from kuairec_causal.progress import log
from kuairec_causal.studies import mediation_spec as spec

TruthLookup = Callable[[str, str], "float | None"]
CROSSFIT_OUTCOMES = (spec.PRIMARY_OUTCOME, spec.SECONDARY_OUTCOME)
FAMILIES = ("linear", "lightgbm", "xgboost")
INDIRECT_SMALL_SHARE = 0.10  # "indirect small": |NIE| below a tenth of |TE|


def learner(family: str, seed: int):
    if family == "linear":
        return est.ols_learner()
    if family == "lightgbm":
        return est.lightgbm_regressor(seed=seed)
    return est.xgboost_regressor(seed=seed)


def crossfit(panel: pd.DataFrame, columns: spec.Columns, n_folds: int, n_boot: int, seed: int, truth: TruthLookup,
             jobs: int = 1) -> dict:
    """Run every (outcome, family): both outcomes of a family share its folds and mediator fits;
    importances only for the primary outcome's tree models."""
    results, effect_rows, performance = {}, [], []
    for family in FAMILIES:
        log(f"  cross-fitted mediation: {family} / {', '.join(CROSSFIT_OUTCOMES)}")
        model = learner(family, seed)
        by_outcome = est.mediation_crossfit_outcomes(
            panel, spec.TREATMENT, spec.MEDIATOR, CROSSFIT_OUTCOMES, covariates=columns.numeric,
            categorical=columns.categorical, cluster=spec.CLUSTER, mediator_learner=model, outcome_learner=model,
            interaction=True, n_mc=spec.N_MC, cde_quantiles=None, n_folds=n_folds, n_boot=n_boot, seed=seed,
            importances=[spec.PRIMARY_OUTCOME] if family != "linear" else False, n_jobs=jobs)
        results.update({(outcome, family): result for outcome, result in by_outcome.items()})
    for outcome in CROSSFIT_OUTCOMES:
        for family in FAMILIES:
            result = results[(outcome, family)]
            effect_rows.append(_effect_row(result, columns, outcome, family, n_folds, n_boot, truth))
            metrics = result.nuisance_metrics.rename(columns={"model": "target"})
            metrics.insert(0, "model_family", family)
            metrics.insert(0, "outcome", outcome)
            metrics["scope"] = np.where(metrics["fold"] == "overall", "out_of_fold_overall", "out_of_fold_fold")
            performance.append(metrics)
    return {"results": results, "effects": pd.DataFrame(effect_rows),
            "performance": pd.concat(performance, ignore_index=True)}


def _effect_row(result: est.CrossFitMediationResult, columns: spec.Columns, outcome: str, family: str,
                n_folds: int, n_boot: int, truth: TruthLookup) -> dict:
    te, nde, nie = result["TE"], result["NDE"], result["NIE"]
    truth_outcome = spec.TRUTH_OUTCOME[outcome]

    def true(name):
        value = truth(name, truth_outcome)
        return np.nan if value is None else value

    return {
        "outcome": outcome, "outcome_label": columns.outcome_labels[outcome], "model_family": family,
        "method": te.method, "mediator_learner": result.diagnostics["mediator_learner"],
        "outcome_learner": result.diagnostics["outcome_learner"], "integration": result.diagnostics["integration"],
        "n_mc": result.diagnostics["n_mc"],
        "total_effect": te.estimate, "total_ci_lower": te.ci_lower, "total_ci_upper": te.ci_upper,
        "direct_effect": nde.estimate, "direct_ci_lower": nde.ci_lower, "direct_ci_upper": nde.ci_upper,
        "indirect_effect": nie.estimate, "indirect_ci_lower": nie.ci_lower, "indirect_ci_upper": nie.ci_upper,
        "reverse_indirect_check": result["NIE(0)"].estimate, "direct_effect_treated": result["NDE(1)"].estimate,
        "mediator_shift": result["mediator_shift"].estimate, "reference_mean": te.reference_mean,
        "relative_total_effect": te.relative_effect, "n": te.n, "n_users": te.n_clusters, "n_folds": n_folds,
        "n_boot": n_boot,
        "interval_type": "user-cluster bootstrap of cross-fitted row predictions, nuisance models fixed "
                         "(understates uncertainty)",
        "true_total_effect": true("TE"), "true_direct_effect": true("NDE"),
        "true_indirect_effect": true("NIE"),
    }


def row_effects(panel: pd.DataFrame, result: est.CrossFitMediationResult, outcome: str, family: str) -> pd.DataFrame:
    rows = result.row_effects
    frame = pd.DataFrame({
        spec.CLUSTER: panel[spec.CLUSTER].to_numpy(), spec.DATE: panel[spec.DATE].to_numpy(),
        "outcome": outcome, "model_family": family, spec.TREATMENT: panel[spec.TREATMENT].to_numpy(),
        spec.MEDIATOR: panel[spec.MEDIATOR].to_numpy(), "fold": rows["fold"].to_numpy(),
        "m0_hat": rows["m0"].to_numpy(), "m1_hat": rows["m1"].to_numpy(),
        "y00_hat": rows["y00"].to_numpy(), "y10_hat": rows["y10"].to_numpy(), "y11_hat": rows["y11"].to_numpy(),
        "y01_hat": rows["y01"].to_numpy(),
        "ite_total": rows["te"].to_numpy(), "ite_direct": rows["nde"].to_numpy(),
        "ite_indirect": rows["nie"].to_numpy(),
    })
    frame["ite_mediator_shift"] = frame["m1_hat"] - frame["m0_hat"]
    return frame


def segments(panel: pd.DataFrame, columns: spec.Columns) -> dict[str, pd.Series]:
    """Pre-treatment segment labels per row: tertiles (ranked, equal sizes) and activity degree."""
    out = {}
    for name, column, stem in columns.heterogeneity_segments:
        if stem is None:
            out[name] = panel[column].astype("string").fillna("(missing)").astype(str)
            continue
        ranks = panel[column].rank(method="first")
        out[name] = pd.qcut(ranks, q=3, labels=[f"low {stem}", f"medium {stem}", f"high {stem}"]).astype(str)
    return out


def heterogeneity(panel: pd.DataFrame, columns: spec.Columns, results: dict, n_boot: int, seed: int,
                  outcome: str = spec.PRIMARY_OUTCOME) -> pd.DataFrame:
    """Segment means of the cross-fitted row-level effects (total effect with a user-cluster
    bootstrap interval given the fitted nuisances)."""
    labels = segments(panel, columns)
    users = panel[spec.CLUSTER].to_numpy()
    tables = []
    for family in FAMILIES:
        rows = results[(outcome, family)].row_effects
        shift = (rows["m1"] - rows["m0"]).to_numpy()
        for order, (segment, column, stem) in enumerate(columns.heterogeneity_segments):
            label = labels[segment].to_numpy()
            total = est.segment_effects(rows["te"].to_numpy(), label, users, n_boot=n_boot, seed=seed)
            means = {name: est.segment_effects(values, label, users, n_boot=0).set_index("segment")["estimate"]
                     for name, values in (("direct_effect", rows["nde"].to_numpy()),
                                          ("indirect_effect", rows["nie"].to_numpy()), ("mediator_shift", shift))}
            part = pd.DataFrame({
                "outcome": outcome, "model_family": family, "segment": segment, "segment_source": column,
                "segment_order": order, "segment_value": total["segment"].astype(str),
                "user_days": total["n_rows"], "users": total["n_clusters"], "total_effect": total["estimate"],
                "total_effect_std_error": total["std_error"], "total_ci_lower": total.get("ci_lower", np.nan),
                "total_ci_upper": total.get("ci_upper", np.nan),
            })
            for name, series in means.items():
                part[name] = part["segment_value"].map(series).to_numpy()
            if stem is not None:
                rank = {f"low {stem}": 0, f"medium {stem}": 1, f"high {stem}": 2}
                part["value_order"] = part["segment_value"].map(rank)
            else:
                part["value_order"] = part["segment_value"].rank(method="first").astype(int) - 1
            tables.append(part)
    table = pd.concat(tables, ignore_index=True)
    table["n_boot"] = n_boot
    return table.sort_values(["model_family", "segment_order", "value_order"]).reset_index(drop=True)


def feature_importance(results: dict, outcome: str = spec.PRIMARY_OUTCOME) -> pd.DataFrame:
    tables = []
    for family in ("lightgbm", "xgboost"):
        for target, series in results[(outcome, family)].importances.items():
            frame = series.rename("importance_share").reset_index().rename(columns={"index": "feature"})
            frame.insert(0, "target", target)
            frame.insert(0, "model_family", family)
            frame.insert(0, "outcome", outcome)
            frame["importance_rank"] = np.arange(1, len(frame) + 1)
            frame["importance_type"] = ("total gain share" if family == "lightgbm"
                                        else "xgboost feature_importances_ (normalised)")
            frame["is_exposure_or_mediator"] = frame["feature"].isin(["A", "M", "A_x_M"])
            tables.append(frame)
    return pd.concat(tables, ignore_index=True)


def advanced_summary(decomposition: pd.DataFrame, sem: pd.DataFrame, crossfit_effects: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for outcome in CROSSFIT_OUTCOMES:
        part = decomposition[decomposition["outcome"] == outcome].set_index("estimand")
        rows.append({
            "outcome": outcome, "model_family": "linear_gformula_reference",
            "method": "linear g-formula, full sample (mediation_effect_decomposition)",
            "total_effect": part.loc["TE", "estimate"], "direct_effect": part.loc["NDE", "estimate"],
            "indirect_effect": part.loc["NIE", "estimate"], "mediator_shift": part.loc["mediator_shift", "estimate"],
            "reference_mean": part.loc["TE", "reference_mean"], "total_ci_lower": part.loc["TE", "ci_lower"],
            "total_ci_upper": part.loc["TE", "ci_upper"], "indirect_ci_lower": part.loc["NIE", "ci_lower"],
            "indirect_ci_upper": part.loc["NIE", "ci_upper"], "true_total_effect": part.loc["TE", "true_value"],
            "true_indirect_effect": part.loc["NIE", "true_value"],
        })
        if outcome == spec.PRIMARY_OUTCOME and not sem.empty:
            paths = sem.set_index("path_quantity")
            rows.append({
                "outcome": outcome, "model_family": "sem_style_path_model",
                "method": "weighted linear path model (mediation_sem_paths)",
                "total_effect": paths.loc["total_path_c_prime_plus_indirect", "estimate"],
                "direct_effect": paths.loc["c_prime_A_to_Y", "estimate"],
                "indirect_effect": paths.loc["indirect_alpha_beta", "estimate"],
                "mediator_shift": paths.loc["alpha_A_to_M", "estimate"], "reference_mean": np.nan,
                "total_ci_lower": paths.loc["total_path_c_prime_plus_indirect", "ci_lower"],
                "total_ci_upper": paths.loc["total_path_c_prime_plus_indirect", "ci_upper"],
                "indirect_ci_lower": paths.loc["indirect_alpha_beta", "ci_lower"],
                "indirect_ci_upper": paths.loc["indirect_alpha_beta", "ci_upper"],
                "true_total_effect": part.loc["TE", "true_value"],
                "true_indirect_effect": part.loc["NIE", "true_value"],
            })
        for _, row in crossfit_effects[crossfit_effects["outcome"] == outcome].iterrows():
            rows.append({
                "outcome": outcome, "model_family": f"crossfit_{row['model_family']}", "method": row["method"],
                "total_effect": row["total_effect"], "direct_effect": row["direct_effect"],
                "indirect_effect": row["indirect_effect"], "mediator_shift": row["mediator_shift"],
                "reference_mean": row["reference_mean"], "total_ci_lower": row["total_ci_lower"],
                "total_ci_upper": row["total_ci_upper"], "indirect_ci_lower": row["indirect_ci_lower"],
                "indirect_ci_upper": row["indirect_ci_upper"], "true_total_effect": row["true_total_effect"],
                "true_indirect_effect": row["true_indirect_effect"],
            })
    table = pd.DataFrame(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["relative_total_effect"] = table["total_effect"] / table["reference_mean"]
        table["indirect_to_total_ratio"] = np.where(table["total_effect"] != 0,
                                                    table["indirect_effect"] / table["total_effect"], np.nan)
    table["interval_type"] = np.where(
        table["model_family"].str.startswith("crossfit_"),
        "user-cluster bootstrap of cross-fitted predictions, nuisance models fixed (understates uncertainty)",
        "user-cluster bootstrap refitting every model")
    table["total_effect_positive"] = table["total_effect"] > 0
    table["total_interval_excludes_zero"] = ~((table["total_ci_lower"] <= 0) & (0 <= table["total_ci_upper"]))
    table["indirect_effect_small"] = table["indirect_effect"].abs() < INDIRECT_SMALL_SHARE * table["total_effect"].abs()
    table["model_order"] = np.arange(len(table))
    return table


def crossfit_robustness_row(effects: pd.DataFrame, columns: spec.Columns, baseline_treatment: str) -> list[dict]:
    """The cross-fitted LightGBM decomposition as a model-sensitivity specification."""
    hit = effects[(effects["outcome"] == spec.PRIMARY_OUTCOME) & (effects["model_family"] == "lightgbm")]
    if hit.empty:
        return []
    row = hit.iloc[0]
    return [{
        "family": "model_sensitivity", "specification": "crossfit_lightgbm", "is_baseline": False,
        "outcome": spec.PRIMARY_OUTCOME, "treatment_definition": baseline_treatment, "treatment_rate": math.nan,
        "mediator": spec.MEDIATOR, "model": "cross-fitted g-formula, LightGBM mediator and outcome models (from "
        "mediation_crossfit_effects)", "covariate_set": "primary confounder set",
        "n_covariates": len(columns.numeric) + len(columns.categorical), "weighted": False, "interaction": True,
        "total_effect": row["total_effect"], "direct_effect": row["direct_effect"],
        "indirect_effect": row["indirect_effect"], "mediator_shift": row["mediator_shift"],
        "reference_mean": row["reference_mean"], "n": int(row["n"]),
    }]
