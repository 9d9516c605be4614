"""Inverse-probability weights and their diagnostics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kuairec_causal.errors import ParameterError

from ._checks import binary_values, check_bounds, check_weights


@dataclass(frozen=True)
class WeightSpec:
    """How to turn propensity scores into weights.

    stabilized: multiply by the marginal treatment rate (treated) or its complement (controls),
        so weights average about 1 instead of about 2.
    clip: cap on the weights (e.g. 10, 5, 2); None for no cap.
    propensity_bounds: clip the propensity into (low, high) before inverting; None for none.
    """

    stabilized: bool = True
    clip: float | None = None
    propensity_bounds: tuple[float, float] | None = None

    def __post_init__(self):
        if self.clip is not None and not (np.isfinite(self.clip) and self.clip > 0):
            raise ParameterError(f"clip must be a positive number or None; got {self.clip!r}")
        check_bounds(self.propensity_bounds, "propensity_bounds")

    def label(self) -> str:
        parts = ["stabilized" if self.stabilized else "unstabilized"]
        if self.clip is not None:
            parts.append(f"clip {self.clip:g}")
        if self.propensity_bounds is not None:
            parts.append(f"e in [{self.propensity_bounds[0]:g}, {self.propensity_bounds[1]:g}]")
        return ", ".join(parts)

    def compute(self, treatment: np.ndarray, propensity: np.ndarray,
                sample_weight: np.ndarray | None = None) -> np.ndarray:
        return ipw_weights(treatment, propensity, self.stabilized, self.clip, self.propensity_bounds, sample_weight)

    def compute_unchecked(self, a: np.ndarray, e: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray:
        return _weights(a, e, self.stabilized, self.clip, self.propensity_bounds, sample_weight)


def ipw_weights(
    treatment: np.ndarray,
    propensity: np.ndarray,
    stabilized: bool = True,
    clip: float | None = None,
    propensity_bounds: tuple[float, float] | None = None,
    sample_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Inverse-probability-of-treatment weights A/e + (1-A)/(1-e), optionally stabilized/capped.

    The stabilizing marginal rate is weighted by ``sample_weight`` when given; the returned
    weights do not include ``sample_weight`` (multiply them in for analysis).
    """
    a = binary_values(treatment, "treatment")
    e = np.asarray(propensity, dtype=float).ravel()
    if len(e) != len(a):
        raise ParameterError(f"propensity has {len(e)} entries but treatment has {len(a)}")
    bounds = check_bounds(propensity_bounds, "propensity_bounds")
    if clip is not None and not (np.isfinite(clip) and clip > 0):
        raise ParameterError(f"clip must be a positive number or None; got {clip!r}")
    if sample_weight is not None:
        sample_weight = check_weights(sample_weight, "sample_weight")
    checked = e if bounds is None else np.clip(e, *bounds)
    if not np.all(np.isfinite(checked)) or np.any((checked <= 0) & (a == 1)) or np.any((checked >= 1) & (a == 0)):
        raise ParameterError("propensity must lie strictly inside (0, 1) for the observed arm; "
                             "set propensity_bounds to clip it")
    return _weights(a, e, stabilized, clip, bounds, sample_weight)


def _weights(a: np.ndarray, e: np.ndarray, stabilized: bool, clip: float | None,
             bounds: tuple[float, float] | None, sample_weight: np.ndarray | None) -> np.ndarray:
    """Unchecked core of :func:`ipw_weights` (called inside bootstrap replicates)."""
    if bounds is not None:
        e = np.clip(e, *bounds)
    with np.errstate(divide="ignore"):
        w = np.where(a == 1, 1.0 / e, 1.0 / (1.0 - e))
    if stabilized:
        base = np.ones(len(a)) if sample_weight is None else sample_weight
        rate = base @ a / base.sum()
        w *= np.where(a == 1, rate, 1.0 - rate)
    return w if clip is None else np.minimum(w, clip)


def effective_sample_size(w: np.ndarray) -> float:
    """Kish effective sample size (sum w)^2 / sum w^2."""
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / np.sum(w**2))


def weight_diagnostics(w: np.ndarray) -> dict[str, float]:
    """Distribution of the weights, plus the effective sample size and its share of rows."""
    w = check_weights(w, "weights")
    p50, p90, p95, p99 = np.percentile(w, [50, 90, 95, 99])
    ess = effective_sample_size(w)
    return {"n": int(len(w)), "mean": float(w.mean()), "sd": float(w.std(ddof=1)) if len(w) > 1 else 0.0,
            "min": float(w.min()), "p50": float(p50), "p90": float(p90), "p95": float(p95), "p99": float(p99),
            "max": float(w.max()), "ess": ess, "ess_share": ess / len(w)}
