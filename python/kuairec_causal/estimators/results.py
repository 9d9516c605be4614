"""Result objects: one effect estimate, and a named set of them (mediation, path models)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from kuairec_causal.errors import ParameterError

from .bootstrap import bootstrap_std, percentile_interval


@dataclass(kw_only=True)
class EffectEstimate:
    """A point estimate with its uncertainty and the context needed to read it.

    ``reference_mean`` is the baseline for the relative effect (e.g. the control or Y(0) mean).
    ``replicates`` holds the bootstrap replicates of ``estimate`` (same seed and data => same
    resamples, so replicates of two estimates can be differenced; see :func:`compare_estimates`).
    """

    estimand: str
    method: str
    estimate: float
    std_error: float
    ci_lower: float
    ci_upper: float
    n: int
    n_clusters: int
    ci_method: str
    reference_mean: float = math.nan
    relative_ci_lower: float = math.nan
    relative_ci_upper: float = math.nan
    diagnostics: dict = field(default_factory=dict)
    replicates: np.ndarray | None = field(default=None, repr=False)

    @property
    def relative_effect(self) -> float:
        """estimate / reference_mean (NaN without a non-zero reference)."""
        if not np.isfinite(self.reference_mean) or self.reference_mean == 0:
            return math.nan
        return self.estimate / self.reference_mean

    @property
    def interval_crosses_zero(self) -> bool:
        return bool(self.ci_lower <= 0 <= self.ci_upper)

    def to_record(self) -> dict[str, object]:
        """A flat dict (one DataFrame row); scalar diagnostics are included as ``diag_<key>``."""
        record: dict[str, object] = {
            "estimand": self.estimand, "method": self.method, "estimate": self.estimate,
            "std_error": self.std_error, "ci_lower": self.ci_lower, "ci_upper": self.ci_upper,
            "ci_method": self.ci_method, "n": self.n, "n_clusters": self.n_clusters,
            "reference_mean": self.reference_mean, "relative_effect": self.relative_effect,
            "relative_ci_lower": self.relative_ci_lower, "relative_ci_upper": self.relative_ci_upper,
            "n_boot": 0 if self.replicates is None else len(self.replicates),
        }
        record.update(_flatten(self.diagnostics, "diag"))
        return record


def _flatten(values: dict, prefix: str) -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in values.items():
        name = f"{prefix}_{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        elif isinstance(value, (str, bool, int, float, np.integer, np.floating)) or value is None:
            flat[name] = value.item() if isinstance(value, np.generic) else value
    return flat


def _ratio_interval(numerator: np.ndarray, denominator: np.ndarray, alpha: float) -> tuple[float, float]:
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(denominator != 0, numerator / denominator, np.nan)
    low, high = percentile_interval(ratio, alpha)
    return float(low), float(high)


def from_bootstrap(*, estimand: str, method: str, estimate: float, replicates: np.ndarray, n: int,
                   n_clusters: int, alpha: float = 0.05, reference_mean: float = math.nan,
                   reference_replicates: np.ndarray | None = None,
                   diagnostics: dict | None = None) -> EffectEstimate:
    """An estimate with the bootstrap SD as standard error and a percentile interval."""
    replicates = np.asarray(replicates, dtype=float)
    low, high = percentile_interval(replicates, alpha)
    rel_low, rel_high = (math.nan, math.nan)
    if reference_replicates is not None:
        rel_low, rel_high = _ratio_interval(replicates, np.asarray(reference_replicates, dtype=float), alpha)
    diagnostics = dict(diagnostics or {})
    failed = int(np.isnan(replicates).sum())
    if failed:
        diagnostics["n_boot_failed"] = failed
    return EffectEstimate(
        estimand=estimand, method=method, estimate=float(estimate), std_error=float(bootstrap_std(replicates)),
        ci_lower=float(low), ci_upper=float(high), n=int(n), n_clusters=int(n_clusters),
        ci_method=f"cluster bootstrap percentile (B={len(replicates)})", reference_mean=float(reference_mean),
        relative_ci_lower=rel_low, relative_ci_upper=rel_high, diagnostics=diagnostics, replicates=replicates)


def from_normal(*, estimand: str, method: str, estimate: float, std_error: float, n: int, n_clusters: int,
                ci_method: str, alpha: float = 0.05, reference_mean: float = math.nan,
                diagnostics: dict | None = None) -> EffectEstimate:
    """An estimate with a normal-approximation interval estimate +/- z * std_error."""
    z = stats.norm.ppf(1 - alpha / 2)
    return EffectEstimate(
        estimand=estimand, method=method, estimate=float(estimate), std_error=float(std_error),
        ci_lower=float(estimate - z * std_error), ci_upper=float(estimate + z * std_error), n=int(n),
        n_clusters=int(n_clusters), ci_method=ci_method, reference_mean=float(reference_mean),
        diagnostics=dict(diagnostics or {}))


def from_replicates_or_point(*, replicates: np.ndarray | None, reference_replicates: np.ndarray | None = None,
                             **fields) -> EffectEstimate:
    """:func:`from_bootstrap` when replicates exist, else the point estimate without an interval."""
    if replicates is None:
        return from_normal(std_error=math.nan, ci_method="none (n_boot=0)", **fields)
    return from_bootstrap(replicates=replicates, reference_replicates=reference_replicates, **fields)


def compare_estimates(first: EffectEstimate, second: EffectEstimate, alpha: float = 0.05,
                      estimand: str | None = None) -> EffectEstimate:
    """``first - second`` with a percentile interval from paired bootstrap replicates.

    Valid only when both were bootstrapped on the same data with the same seed (then replicate b
    of each used the same resample).
    """
    if first.replicates is None or second.replicates is None:
        raise ParameterError("compare_estimates needs bootstrap replicates on both estimates (n_boot > 0)")
    if first.replicates.shape != second.replicates.shape:
        raise ParameterError(f"replicates differ in shape: {first.replicates.shape} vs {second.replicates.shape}; "
                             "bootstrap both with the same n_boot and seed")
    return from_bootstrap(
        estimand=estimand or f"{first.estimand} - {second.estimand}",
        method=f"difference: {first.method} vs {second.method}",
        estimate=first.estimate - second.estimate, replicates=first.replicates - second.replicates,
        n=first.n, n_clusters=first.n_clusters, alpha=alpha)


@dataclass(kw_only=True)
class EffectSet:
    """Several named estimates from one analysis (mediation effects, path coefficients)."""

    method: str
    effects: dict[str, EffectEstimate]
    diagnostics: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> EffectEstimate:
        if name not in self.effects:
            raise KeyError(f"no effect named {name!r}; have {list(self.effects)}")
        return self.effects[name]

    def __contains__(self, name: str) -> bool:
        return name in self.effects

    def table(self) -> pd.DataFrame:
        """One row per effect (see :meth:`EffectEstimate.to_record`)."""
        return pd.DataFrame([estimate.to_record() for estimate in self.effects.values()])
