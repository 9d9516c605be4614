"""Table builders of the long-term study that need no model fitting.

Each function turns estimator-library results (or plain arrays) into one output table. They are
kept apart from :mod:`kuairec_causal.studies.long_term` so that their logic (readiness rules,
bucket labels, E-value wording) can be tested on hand-made inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kuairec_causal import estimators as est
from kuairec_causal.errors import KuaiRecError

# ---------------------------------------------------------------------------------------------
# Weight readiness


@dataclass(frozen=True)
class ReadinessRules:
    """Thresholds of the weight-readiness checks (documented in the dbt YAML)."""

    overlap_low: float = 0.05
    overlap_high: float = 0.95
    max_share_outside_overlap: float = 0.05
    min_ess_share: float = 0.70


def weight_readiness(propensity: np.ndarray, analysis_weight: np.ndarray, weight_cap: float,
                     balance: pd.DataFrame, rules: ReadinessRules = ReadinessRules()) -> pd.DataFrame:
    """The five go/caution checks that decide how far the weighted (MSM) result can be read.

    ``balance`` is a library balance table with ``abs_smd`` and ``abs_smd_weighted`` columns.
    """
    propensity = np.asarray(propensity, dtype=float)
    analysis_weight = np.asarray(analysis_weight, dtype=float)
    outside = float(np.mean((propensity < rules.overlap_low) | (propensity > rules.overlap_high)))
    ess_share = est.effective_sample_size(analysis_weight) / len(analysis_weight)
    before, after = balance["abs_smd"].to_numpy(float), balance["abs_smd_weighted"].to_numpy(float)
    checks = [
        ("overlap", f"share of propensities outside [{rules.overlap_low:g}, {rules.overlap_high:g}] is small",
         outside, rules.max_share_outside_overlap, "<=", outside <= rules.max_share_outside_overlap),
        ("weight_cap", "analysis weight max does not exceed its clipping cap",
         float(analysis_weight.max()), float(weight_cap), "<=", analysis_weight.max() <= weight_cap + 1e-12),
        ("effective_sample_size", f"effective sample size of the analysis weight is at least "
         f"{rules.min_ess_share:.0%} of rows", ess_share, rules.min_ess_share, ">=", ess_share >= rules.min_ess_share),
        ("mean_abs_smd", "mean absolute SMD improves after weighting (value: after; threshold: before)",
         float(np.mean(after)), float(np.mean(before)), "<", np.mean(after) < np.mean(before)),
        ("max_abs_smd", "maximum absolute SMD improves after weighting (value: after; threshold: before)",
         float(np.max(after)), float(np.max(before)), "<", np.max(after) < np.max(before)),
    ]
    table = pd.DataFrame(checks, columns=["check_id", "check", "value", "threshold", "comparison", "passes"])
    table["passes"] = table["passes"].astype(bool)
    table["status"] = np.where(table["passes"], "passes", "caution")
    table.insert(0, "check_order", np.arange(1, len(table) + 1))
    return table


# ---------------------------------------------------------------------------------------------
# Weights


def weight_diagnostics_table(weights: dict[str, np.ndarray], descriptions: dict[str, str]) -> pd.DataFrame:
    """One row per weight column: distribution, ESS and its share of rows (library diagnostics)."""
    rows = []
    for order, (name, values) in enumerate(weights.items(), start=1):
        diag = est.weight_diagnostics(values)
        rows.append({"weight_order": order, "weight_column": name, "description": descriptions.get(name, ""),
                     "n": diag["n"], "mean": diag["mean"], "sd": diag["sd"], "min": diag["min"], "p50": diag["p50"],
                     "p90": diag["p90"], "p95": diag["p95"], "p99": diag["p99"], "max": diag["max"],
                     "ess": diag["ess"], "ess_share": diag["ess_share"]})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Segments


def quantile_buckets(values: pd.Series, n_buckets: int) -> tuple[pd.Series, dict[str, int]]:
    """Quantile buckets with readable, sortable labels "Q1 [lo, hi]" and their order.

    Edges are quantiles of the observed values; tied edges are merged (fewer buckets).
    """
    values = pd.Series(values).astype(float).reset_index(drop=True)
    codes, edges = pd.qcut(values, n_buckets, labels=False, retbins=True, duplicates="drop")
    codes = codes.astype(int)
    labels = {}
    for k in range(len(edges) - 1):
        part = values[codes == k]
        labels[k] = f"Q{k + 1} [{_short(part.min())}, {_short(part.max())}]"
    named = codes.map(labels)
    return named, {label: k + 1 for k, label in labels.items()}


def _short(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def segment_effect_table(segment_type: str, labels: pd.Series, order: dict[str, int], scores: np.ndarray,
                         clusters: np.ndarray, frame: pd.DataFrame, n_boot: int, seed: int, min_rows: int,
                         min_users: int) -> pd.DataFrame:
    """AIPW effect per segment: library segment_effects (mean score, clustered SE, bootstrap
    interval) plus descriptive columns and the bootstrap replicates' mean and SD.

    ``frame`` holds per-row ``treatment``, ``outcome``, ``propensity``, ``mu0``, ``mu1``.
    """
    labels = pd.Series(np.asarray(labels, dtype=object))
    table = est.segment_effects(scores, labels, clusters, n_boot=n_boot, seed=seed, min_rows=min_rows,
                                min_clusters=min_users)
    stats = frame.assign(_segment=labels.to_numpy(), _score=scores, _plugin=frame["mu1"] - frame["mu0"]).groupby(
        "_segment", sort=True).agg(treatment_rate=("treatment", "mean"), observed_outcome_mean=("outcome", "mean"),
                                   mean_propensity=("propensity", "mean"), score_sd=("_score", "std"),
                                   plugin_effect=("_plugin", "mean"))
    out = pd.DataFrame({
        "segment_type": segment_type,
        "segment": table["segment"].astype(str),
        "segment_order": [order[str(s)] for s in table["segment"]],
        "rows": table["n_rows"].astype(int),
        "users": table["n_clusters"].astype(int),
    })
    stats = stats.reindex(out["segment"]).reset_index(drop=True)
    out = pd.concat([out, stats], axis=1)
    out["aipw_ate"] = table["estimate"].to_numpy()
    out["aipw_std_error"] = table["std_error"].to_numpy()
    out["passes_size_filter"] = table["passes_size_filter"].astype(bool).to_numpy()
    out["bootstrap_reps"] = int(n_boot)
    out["bootstrap_mean"] = table["bootstrap_mean"].to_numpy()
    out["bootstrap_std"] = table["bootstrap_std"].to_numpy()
    out["ci_lower"] = table["ci_lower"].to_numpy()
    out["ci_upper"] = table["ci_upper"].to_numpy()
    out["interval_crosses_zero"] = crosses_zero(out["ci_lower"], out["ci_upper"])
    return out.sort_values("segment_order").reset_index(drop=True)


def crosses_zero(low: pd.Series | np.ndarray, high: pd.Series | np.ndarray) -> pd.arrays.BooleanArray:
    """True when [low, high] contains 0; NULL-like (pandas NA) when the interval is missing."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    result = pd.array((low <= 0) & (0 <= high), dtype="boolean")
    result[np.isnan(low) | np.isnan(high)] = pd.NA
    return result


def covers(low: float, high: float, value: float | None) -> bool | None:
    if value is None or not (np.isfinite(low) and np.isfinite(high)):
        return None
    return bool(low <= value <= high)


# ---------------------------------------------------------------------------------------------
# Effects -> rows


@dataclass
class EffectRow:
    """One estimate of one outcome, ready for the comparison / secondary tables."""

    outcome: str
    estimator: str
    method: str
    model: str
    effect: est.EffectEstimate
    source: str
    unadjusted: bool = False
    analytic_std_error: float = math.nan
    analytic_se_source: str | None = None
    true_value: float | None = None
    estimator_order: int = 0

    def record(self) -> dict[str, object]:
        e = self.effect
        boot = 0 if e.replicates is None else int(np.sum(np.isfinite(e.replicates)))
        return {
            "outcome": self.outcome, "estimator_order": self.estimator_order, "estimator": self.estimator,
            "method": self.method, "model": self.model, "unadjusted": self.unadjusted,
            "estimate": e.estimate, "std_error": e.std_error, "ci_lower": e.ci_lower, "ci_upper": e.ci_upper,
            "reference_mean": e.reference_mean, "relative_lift": e.relative_effect,
            "relative_ci_lower": e.relative_ci_lower, "relative_ci_upper": e.relative_ci_upper,
            "analytic_std_error": self.analytic_std_error, "analytic_se_source": self.analytic_se_source,
            "source": self.source, "n_boot": boot,
            "interval_crosses_zero": bool(e.ci_lower <= 0 <= e.ci_upper) if np.isfinite(e.ci_lower) else None,
            "n": e.n, "users": e.n_clusters, "true_value": self.true_value,
            "covers_truth": covers(e.ci_lower, e.ci_upper, self.true_value),
        }


def effect_table(rows: Sequence[EffectRow]) -> pd.DataFrame:
    table = pd.DataFrame([row.record() for row in rows])
    for column in ("interval_crosses_zero", "covers_truth"):
        table[column] = table[column].astype("boolean")
    table["true_value"] = table["true_value"].astype(float)
    return table


def rescaled(effect: est.EffectEstimate, factor: float, method_note: str) -> est.EffectEstimate:
    """An estimate of ``factor * Y`` from one of ``Y`` (exact for every estimator here: each is
    equivariant to a positive rescaling of the outcome, and the bootstrap resamples are shared)."""
    return est.EffectEstimate(
        estimand=effect.estimand, method=f"{effect.method}; {method_note}", estimate=effect.estimate * factor,
        std_error=effect.std_error * factor, ci_lower=effect.ci_lower * factor, ci_upper=effect.ci_upper * factor,
        n=effect.n, n_clusters=effect.n_clusters, ci_method=effect.ci_method,
        reference_mean=effect.reference_mean * factor, relative_ci_lower=effect.relative_ci_lower,
        relative_ci_upper=effect.relative_ci_upper, diagnostics=dict(effect.diagnostics),
        replicates=None if effect.replicates is None else effect.replicates * factor, alpha=effect.alpha,
        interval=effect.interval)


# ---------------------------------------------------------------------------------------------
# Sensitivity to unmeasured confounding


def evalue_rows(effects: pd.DataFrame, outcome_sd: dict[str, float]) -> pd.DataFrame:
    """E-values (library ``evalue_difference`` on the CI limits) for adjusted estimates."""
    rows = []
    for _, row in effects[~effects["unadjusted"].astype(bool)].iterrows():
        sd = outcome_sd[row["outcome"]]
        record = {"outcome": row["outcome"], "estimator": row["estimator"], "estimator_order": row["estimator_order"],
                  "estimate": row["estimate"], "ci_lower": row["ci_lower"], "ci_upper": row["ci_upper"],
                  "outcome_sd": sd, "standardized_effect": row["estimate"] / sd if sd > 0 else np.nan}
        try:
            value = est.evalue_difference(float(row["estimate"]), sd, ci_lower=float(row["ci_lower"]),
                                          ci_upper=float(row["ci_upper"]))
        except KuaiRecError as error:  # e.g. an interval that does not contain its estimate
            record.update(rr=np.nan, rr_ci_lower=np.nan, rr_ci_upper=np.nan, evalue_estimate=np.nan,
                          evalue_ci=np.nan, interpretation=f"E-value not computed: {error}")
            rows.append(record)
            continue
        record.update(rr=value.rr, rr_ci_lower=value.rr_ci_lower, rr_ci_upper=value.rr_ci_upper,
                      evalue_estimate=value.evalue_estimate, evalue_ci=value.evalue_ci,
                      interpretation=evalue_interpretation(value.evalue_estimate, value.evalue_ci))
        rows.append(record)
    return pd.DataFrame(rows)


def evalue_interpretation(evalue_estimate: float, evalue_ci: float) -> str:
    if not np.isfinite(evalue_estimate):
        return "no E-value"
    text = (f"an unmeasured confounder associated with both the exposure and the outcome by a risk ratio of "
            f"{evalue_estimate:.2f} each (beyond the measured covariates) could explain away the estimate")
    if not np.isfinite(evalue_ci):
        return text
    if evalue_ci <= 1.0:
        return text + "; the interval already includes no effect, so no confounding is needed to reach it"
    strength = "weak" if evalue_ci < 1.25 else "moderate" if evalue_ci < 2 else "strong"
    return text + (f"; one of {evalue_ci:.2f} would move the interval to include no effect "
                   f"({strength} confounding suffices)")
