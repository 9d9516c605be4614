"""Result objects: one effect estimate, and a named set of them (mediation, path models)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kuairec_causal.errors import ParameterError

from .bootstrap import bootstrap_std, percentile_interval

# How an estimate's interval is formed, so that :meth:`EffectEstimate.confint` can form it again
# at another level: percentiles of the bootstrap replicates; estimate +/- z * std_error; estimate
# +/- z * the replicates' SD (AIPW's score bootstrap); no interval.
INTERVALS = ("percentile", "normal", "normal_bootstrap_sd", "none")


@dataclass(kw_only=True)
class EffectEstimate:
    """A point estimate with its uncertainty and the context needed to read it.

    The interface every estimator's result shares: ``estimate``, ``std_error``,
    ``confint(level)``, ``pvalue``, ``summary()``, ``replicates``, ``to_record()``.
    ``ci_lower`` / ``ci_upper`` are the interval at level ``1 - alpha``; ``interval`` says how it
    was formed (one of :data:`INTERVALS`), and ``confint`` forms it the same way at any level.
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
    diagnostics: dict[str, Any] = field(default_factory=dict)
    replicates: np.ndarray | None = field(default=None, repr=False)
    alpha: float = 0.05
    interval: str = "normal"

    def confint(self, level: float = 0.95) -> tuple[float, float]:
        """The interval at ``level``, formed as the stored one was (see :data:`INTERVALS`)."""
        level = _check_level(level)
        if math.isclose(level, 1 - self.alpha, rel_tol=0, abs_tol=1e-12):
            return self.ci_lower, self.ci_upper
        if self.interval == "none":
            return math.nan, math.nan
        if self.interval == "percentile":
            low, high = percentile_interval(self._replicates(), 1 - level)
            return float(low), float(high)
        z = float(stats.norm.ppf(0.5 + level / 2))
        se = self._interval_std_error()
        return self.estimate - z * se, self.estimate + z * se

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of "no effect" by the interval's method: the smallest 1 - level at
        which :meth:`confint` excludes 0 (bootstrap share beyond 0 for percentile intervals)."""
        if self.interval == "none":
            return math.nan
        if self.interval == "percentile":
            replicates = self._replicates()
            replicates = replicates[np.isfinite(replicates)]
            if len(replicates) == 0:
                return math.nan
            return float(min(1.0, 2 * min(np.mean(replicates <= 0), np.mean(replicates >= 0))))
        se = self._interval_std_error()
        if not se > 0:
            return math.nan
        return float(2 * stats.norm.sf(abs(self.estimate) / se))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """One row (indexed by the estimand), as DoubleML's and statsmodels' summaries."""
        low, high = self.confint(level)
        se = self.std_error
        return pd.DataFrame({"estimate": [self.estimate], "std_error": [se],
                             "z": [self.estimate / se if se > 0 else math.nan], "pvalue": [self.pvalue],
                             "ci_lower": [low], "ci_upper": [high], "level": [level], "interval": [self.interval],
                             "n": [self.n], "n_clusters": [self.n_clusters], "method": [self.method]},
                            index=pd.Index([self.estimand], name="estimand"))

    def _replicates(self) -> np.ndarray:
        if self.replicates is None:
            raise ParameterError(f"{self.method}: a {self.interval} interval needs the bootstrap replicates")
        return np.asarray(self.replicates, dtype=float)

    def _interval_std_error(self) -> float:
        return float(bootstrap_std(self._replicates())) if self.interval == "normal_bootstrap_sd" else self.std_error

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
            "ci_method": self.ci_method, "pvalue": self.pvalue, "n": self.n, "n_clusters": self.n_clusters,
            "reference_mean": self.reference_mean, "relative_effect": self.relative_effect,
            "relative_ci_lower": self.relative_ci_lower, "relative_ci_upper": self.relative_ci_upper,
            "n_boot": 0 if self.replicates is None else len(self.replicates),
        }
        record.update(_flatten(self.diagnostics, "diag"))
        return record


def _flatten(values: dict[str, Any], prefix: str) -> dict[str, object]:
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
                   diagnostics: dict[str, Any] | None = None) -> EffectEstimate:
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
        relative_ci_lower=rel_low, relative_ci_upper=rel_high, diagnostics=diagnostics, replicates=replicates,
        alpha=alpha, interval="percentile")


def from_normal(*, estimand: str, method: str, estimate: float, std_error: float, n: int, n_clusters: int,
                ci_method: str, alpha: float = 0.05, reference_mean: float = math.nan,
                diagnostics: dict[str, Any] | None = None) -> EffectEstimate:
    """An estimate with a normal-approximation interval estimate +/- z * std_error."""
    z = stats.norm.ppf(1 - alpha / 2)
    return EffectEstimate(
        estimand=estimand, method=method, estimate=float(estimate), std_error=float(std_error),
        ci_lower=float(estimate - z * std_error), ci_upper=float(estimate + z * std_error), n=int(n),
        n_clusters=int(n_clusters), ci_method=ci_method, reference_mean=float(reference_mean),
        diagnostics=dict(diagnostics or {}), alpha=alpha, interval="normal" if np.isfinite(std_error) else "none")


def from_replicates_or_point(*, replicates: np.ndarray | None, reference_replicates: np.ndarray | None = None,
                             **fields: Any) -> EffectEstimate:
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
    """Several named estimates from one analysis (mediation effects, path coefficients, an MSM
    for several outcomes and weightings): each part is an :class:`EffectEstimate` under the name
    the estimator documents, ``result[name]``."""

    method: str
    effects: Mapping[Any, EffectEstimate]  # keyed by name (an MSM family: (weighting, outcome))
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: Any) -> EffectEstimate:
        if name not in self.effects:
            raise KeyError(f"no effect named {name!r}; have {list(self.effects)}")
        return self.effects[name]

    def __contains__(self, name: Any) -> bool:
        return name in self.effects

    @property
    def names(self) -> list[str]:
        return list(self.effects)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """One row per part (see :meth:`EffectEstimate.summary`), indexed by its name."""
        table = pd.concat([effect.summary(level) for effect in self.effects.values()])
        table.index = pd.Index([str(name) if isinstance(name, str) else " / ".join(map(str, name))
                                for name in self.effects], name="effect")
        return table

    def confint(self, level: float = 0.95) -> pd.DataFrame:
        """Every part's interval at ``level``."""
        return self.summary(level)[["ci_lower", "ci_upper"]]

    def to_record(self) -> list[dict[str, object]]:
        """One flat record per part (see :meth:`EffectEstimate.to_record`)."""
        return [estimate.to_record() for estimate in self.effects.values()]

    def table(self) -> pd.DataFrame:
        """One row per effect (see :meth:`EffectEstimate.to_record`)."""
        return pd.DataFrame(self.to_record())


def _check_level(level: object) -> float:
    if not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1); got {level!r}")
    return float(level)
