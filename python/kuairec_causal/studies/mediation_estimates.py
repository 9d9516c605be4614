"""Main estimates of the mediation study: the g-formula decomposition with user-cluster bootstrap
intervals, the SEM-style path model and the sensitivity of the indirect effect to unmeasured
mediator-outcome confounding (the design's one untestable assumption)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from kuairec_causal import estimators as est
from kuairec_causal.studies import mediation_models as models
from kuairec_causal.studies import mediation_spec as spec
from kuairec_causal.studies.mediation_diagnostics import RHO_FRAGILE, RHO_MODERATE

TruthLookup = Callable[[str, str], "float | None"]


def _record(effect: est.EffectEstimate) -> dict:
    return {"estimate": effect.estimate, "std_error": effect.std_error, "ci_lower": effect.ci_lower,
            "ci_upper": effect.ci_upper, "ci_method": effect.ci_method, "reference_mean": effect.reference_mean,
            "relative_effect": effect.relative_effect, "relative_ci_lower": effect.relative_ci_lower,
            "relative_ci_upper": effect.relative_ci_upper, "n": effect.n, "n_users": effect.n_clusters}


def _naive_difference(panel: pd.DataFrame, outcome: str, n_boot: int, seed: int) -> dict:
    """Unadjusted treated-minus-control mean with a user-cluster bootstrap (same resamples as the
    g-formula: the multiplicities depend only on users, replicates and seed)."""
    y = panel[outcome].to_numpy(dtype=float)
    a = panel[spec.TREATMENT].to_numpy(dtype=int)
    estimate = float(y[a == 1].mean() - y[a == 0].mean())
    control = float(y[a == 0].mean())
    record = {"estimate": estimate, "std_error": math.nan, "ci_lower": math.nan, "ci_upper": math.nan,
              "ci_method": "none (n_boot=0)", "reference_mean": control,
              "relative_effect": estimate / control if control else math.nan, "relative_ci_lower": math.nan,
              "relative_ci_upper": math.nan, "n": len(y), "n_users": panel[spec.CLUSTER].nunique()}
    if n_boot:
        means = est.bootstrap_weighted_means(y, panel[spec.CLUSTER].to_numpy(), n_boot, seed, groups=a)
        diff = means[:, 1] - means[:, 0]
        low, high = est.percentile_interval(diff)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel_low, rel_high = est.percentile_interval(diff / means[:, 0])
        record.update(std_error=float(est.bootstrap_std(diff)), ci_lower=float(low), ci_upper=float(high),
                      ci_method=f"cluster bootstrap percentile (B={n_boot})", relative_ci_lower=float(rel_low),
                      relative_ci_upper=float(rel_high))
    return record


def linear_learners(panel: pd.DataFrame, modifiers, numeric, categorical, interaction: bool = True,
                    design_names: Sequence[str] | None = None) -> tuple[object, object]:
    """(mediator, outcome) least-squares learners of the g-formula; with ``modifiers`` the A and M
    slopes vary linearly with those pre-treatment covariates (see mediation_models). The modifiers
    are found among the encoded columns of (``numeric``, ``categorical``) on ``panel``:
    ``design_names`` when the caller already has them, else encoded here."""
    if not modifiers:
        return "ols", "ols"
    names = est.fit_design(panel, list(numeric), list(categorical)).names if design_names is None else design_names
    return (models.mediator_learner(names, modifiers),
            models.outcome_learner(names, modifiers, interaction=interaction))


def decomposition(panel: pd.DataFrame, columns: spec.Columns, cde_values: tuple[float, ...], n_boot: int,
                  seed: int, truth: TruthLookup, registry: pd.DataFrame | None,
                  modifiers: tuple[str, ...] | None = None, jobs: int = 1,
                  design_names: Sequence[str] | None = None) -> tuple[pd.DataFrame, dict]:
    """Linear g-formula (least-squares mediator model; outcome model with A*M) for every outcome
    (``modifiers``: the slope modifiers W, default the study's); the outcomes are independent fits,
    spread over ``jobs`` processes (same seed, same numbers). ``design_names``: the encoded columns
    of the confounder set on ``panel``, when the caller has them."""
    rows = []
    registry_names = {} if registry is None else dict(zip(registry["symbol"], registry["estimand"]))
    modifiers = columns.slope_modifiers if modifiers is None else modifiers
    mediator_learner, outcome_learner = linear_learners(panel, modifiers, columns.numeric, columns.categorical,
                                                        design_names=design_names)
    specification = (f"least squares: M ~ A + X + A x W; Y ~ A + M + A*M + X + (A + M) x W; W = {len(modifiers)} "
                     "calendar/history covariates" if modifiers else
                     "least squares: M ~ A + X; Y ~ A + M + A*M + X")

    def fit(outcome: str) -> est.EffectSet:
        return est.mediation_gformula(
            panel, spec.TREATMENT, spec.MEDIATOR, outcome, covariates=columns.numeric,
            categorical=columns.categorical, cluster=spec.CLUSTER, mediator_learner=mediator_learner,
            outcome_learner=outcome_learner,
            interaction=True, cde_values=list(cde_values), n_boot=n_boot, seed=seed)

    fits = dict(zip(spec.OUTCOMES, est.parallel_map(fit, spec.OUTCOMES, jobs, desc=None)))
    for order, outcome in enumerate(spec.OUTCOMES):
        result = fits[outcome]
        cde_keys = [k for k in result.effects if k.startswith("CDE(")]
        library = {"CDE_low": cde_keys[0], "CDE_high": cde_keys[1]}
        truth_outcome = spec.TRUTH_OUTCOME[outcome]
        for name, (library_name, definition) in spec.ESTIMANDS.items():
            if name == "naive_difference":
                record = _naive_difference(panel, outcome, n_boot, seed)
                method = "difference in means (unadjusted)"
            else:
                effect = result[library_name or library[name]]
                record = _record(effect)
                method = effect.method
            mediator_value = {"CDE_low": cde_values[0], "CDE_high": cde_values[1]}.get(name, math.nan)
            truth_name = spec.MEDIATOR_TRUTH_OUTCOME if name == "mediator_shift" else truth_outcome
            true_value = truth(name, truth_name) if name not in ("NDE_treated", "NIE_control") else None
            true_mediator = (truth(f"{name}_mediator_value", spec.MEDIATOR_TRUTH_OUTCOME)
                             if name in ("CDE_low", "CDE_high") else None)
            covered = (None if true_value is None or not np.isfinite(record["ci_lower"])
                       else bool(record["ci_lower"] <= true_value <= record["ci_upper"]))
            rows.append({
                "outcome": outcome, "outcome_label": columns.outcome_labels[outcome],
                "outcome_role": "primary" if outcome == spec.PRIMARY_OUTCOME else "alternate",
                "truth_outcome": truth_name, "estimand": name, "registry_estimand": registry_names.get(name),
                "definition": definition, "method": method, "model_specification": specification, **record,
                "mediator_value": mediator_value, "n_boot": n_boot,
                "true_value": np.nan if true_value is None else true_value,
                "true_mediator_value": np.nan if true_mediator is None else true_mediator,
                "covers_truth": covered,
                "bias": np.nan if true_value is None else record["estimate"] - true_value,
                "outcome_order": order,
            })
    table = pd.DataFrame(rows)
    table["covers_truth"] = table["covers_truth"].astype("boolean")
    return table, fits


# ---------------------------------------------------------------------------------------------
# SEM-style path model


PATH_LABELS = {
    "alpha": ("alpha_A_to_M", "A -> M: coefficient of A in M ~ A + X"),
    "beta": ("beta_M_to_Y", "M -> Y: coefficient of M in Y ~ A + M + X"),
    "c_prime": ("c_prime_A_to_Y", "Direct path: coefficient of A in Y ~ A + M + X"),
    "indirect": ("indirect_alpha_beta", "Indirect path alpha * beta"),
    "total": ("total_path_c_prime_plus_indirect", "c' + alpha * beta"),
    "total_regression": ("total_regression_coefficient", "Coefficient of A in Y ~ A + X"),
}


def sem_paths(panel: pd.DataFrame, columns: spec.Columns, weights: np.ndarray, n_boot: int, seed: int,
              outcome: str = spec.PRIMARY_OUTCOME) -> tuple[pd.DataFrame, est.EffectSet]:
    """Linear path model weighted by the capped stabilized weight."""
    result = est.path_model(panel, spec.TREATMENT, spec.MEDIATOR, outcome, covariates=columns.numeric,
                            categorical=columns.categorical, cluster=spec.CLUSTER, weights=weights, n_boot=n_boot,
                            seed=seed)
    rows = []
    common = {"outcome": outcome, "weighted": True,
              "weighting": "capped stabilized IPW weight (mediation_propensity_scores.stabilized_weight_capped)"}
    for order, (name, (quantity, meaning)) in enumerate(PATH_LABELS.items(), start=1):
        effect = result[name]
        replicates = effect.replicates
        rows.append({**common, "path_quantity": quantity, "quantity_order": order, "quantity_type": "path",
                     "meaning": meaning, "estimate": effect.estimate,
                     "bootstrap_mean": float(np.nanmean(replicates)) if replicates is not None else np.nan,
                     "std_error": effect.std_error, "ci_lower": effect.ci_lower, "ci_upper": effect.ci_upper,
                     "n": effect.n, "n_users": effect.n_clusters, "n_boot": n_boot})
    for order, name in enumerate(("r2_mediator_model", "r2_outcome_model", "r2_total_model"), start=len(rows) + 1):
        rows.append({**common, "path_quantity": name, "quantity_order": order, "quantity_type": "model_fit",
                     "meaning": f"Weighted R^2 of the {name.split('_')[1]} model", "estimate": result.diagnostics[name],
                     "bootstrap_mean": np.nan, "std_error": np.nan, "ci_lower": np.nan, "ci_upper": np.nan,
                     "n": result["alpha"].n, "n_users": result["alpha"].n_clusters, "n_boot": n_boot})
    return pd.DataFrame(rows), result


# ---------------------------------------------------------------------------------------------
# Mediator-outcome confounding


def mo_sensitivity(panel: pd.DataFrame, columns: spec.Columns, n_boot_primary: int, seed: int,
                   gformula: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NIE / NDE / TE as the error correlation rho of the M and Y models grows (linear models
    without A*M), per outcome; bootstrap bands for the primary outcome."""
    curves, summaries = [], []
    for outcome in spec.OUTCOMES:
        n_boot = n_boot_primary if outcome == spec.PRIMARY_OUTCOME else 0
        result = est.mediation_rho_sensitivity(
            panel, spec.TREATMENT, spec.MEDIATOR, outcome, covariates=columns.numeric,
            categorical=columns.categorical, cluster=spec.CLUSTER, n_boot=n_boot, seed=seed)
        table = result.table.copy()
        table.insert(0, "outcome", outcome)
        table["te"] = result.total
        table["nie_sign"] = np.sign(table["nie"]).astype(int)
        table["nie_share_of_naive"] = table["nie"] / result.naive_nie if result.naive_nie else np.nan
        for column in ("nie_ci_lower", "nie_ci_upper", "nde_ci_lower", "nde_ci_upper"):
            if column not in table:
                table[column] = np.nan
        table["n_boot"] = n_boot
        curves.append(table)
        rho = result.rho_at_zero
        magnitude = abs(rho)
        verdict = ("fragile" if magnitude < RHO_FRAGILE else "moderately_robust" if magnitude < RHO_MODERATE
                   else "robust")
        sign = "positive" if result.naive_nie > 0 else "negative"
        summaries.append({
            "outcome": outcome, "naive_nie": result.naive_nie, "naive_nde": result.naive_nde,
            "total_effect": result.total, "gformula_nie": gformula[outcome]["NIE"].estimate,
            "rho_at_nie_zero": rho, "r2_product_residual_at_zero": rho**2,
            "r2_product_total_at_zero": rho**2 * (1 - result.diagnostics["r2_mediator_model"])
            * (1 - result.diagnostics["r2_outcome_model"]),
            "sigma_total_model": result.diagnostics["sigma_total_model"],
            "sigma_mediator_model": result.diagnostics["sigma_mediator_model"], "robustness": verdict,
            "interpretation": (f"The no-interaction NIE is {sign} ({result.naive_nie:.4g}) when M and Y errors are "
                               f"uncorrelated; it reaches zero when an unmeasured confounder induces an error "
                               f"correlation of rho = {rho:.3f} and changes sign beyond it ({verdict})."),
            "n": result.diagnostics["n"], "n_users": result.diagnostics["n_clusters"], "n_boot": n_boot,
        })
    return pd.concat(curves, ignore_index=True), pd.DataFrame(summaries)


def evalue_total(estimate: float, outcome_sd: float) -> float:
    """E-value (risk-ratio scale) of a total effect on a continuous outcome; NaN if undefined."""
    if not (np.isfinite(estimate) and np.isfinite(outcome_sd) and outcome_sd > 0):
        return math.nan
    return float(est.evalue_difference(estimate, outcome_sd).evalue_estimate)
