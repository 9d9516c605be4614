"""Inverse-probability weights and their diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from kuairec_causal.errors import ParameterError

from ._checks import binary_values, check_bounds, check_estimand, check_weights


@dataclass(frozen=True)
class WeightSpec:
    """How to turn propensity scores into weights.

    stabilized: scale each arm's weights so that they average about 1 (ATE: multiply by the marginal
        treatment rate or its complement; ATT: the controls' odds weights by the controls-to-treated
        ratio; ATC: the treated's by the treated-to-controls ratio). Arm means are unchanged unless
        ``clip`` caps the weights.
    clip: cap on the weights (e.g. 10, 5, 2); None for no cap.
    propensity_bounds: clip the propensity into (low, high) before inverting; None for none.
    estimand: whose average effect the weights target: "ATE" (A/e + (1-A)/(1-e): everyone),
        "ATT" (A + (1-A) e/(1-e): the controls reweighted to the treated) or "ATC"
        (A (1-e)/e + (1-A): the treated reweighted to the controls).
    """

    stabilized: bool = True
    clip: float | None = None
    propensity_bounds: tuple[float, float] | None = None
    estimand: str = "ATE"

    def __post_init__(self) -> None:
        if self.clip is not None and not (np.isfinite(self.clip) and self.clip > 0):
            raise ParameterError(f"clip must be a positive number or None; got {self.clip!r}")
        check_bounds(self.propensity_bounds, "propensity_bounds")
        check_estimand(self.estimand, "WeightSpec.estimand")

    def label(self) -> str:
        parts = [] if self.estimand == "ATE" else [f"{self.estimand} weights"]
        parts.append("stabilized" if self.stabilized else "unstabilized")
        if self.clip is not None:
            parts.append(f"clip {self.clip:g}")
        if self.propensity_bounds is not None:
            parts.append(f"e in [{self.propensity_bounds[0]:g}, {self.propensity_bounds[1]:g}]")
        return ", ".join(parts)

    def compute(self, treatment: np.ndarray, propensity: np.ndarray,
                sample_weight: np.ndarray | None = None) -> np.ndarray:
        return ipw_weights(treatment, propensity, self.stabilized, self.clip, self.propensity_bounds, sample_weight,
                           self.estimand)

    def compute_unchecked(self, a: np.ndarray, e: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray:
        return _weights(a, e, self.stabilized, self.clip, self.propensity_bounds, sample_weight, self.estimand)


def ipw_weights(
    treatment: np.ndarray,
    propensity: np.ndarray,
    stabilized: bool = True,
    clip: float | None = None,
    propensity_bounds: tuple[float, float] | None = None,
    sample_weight: np.ndarray | None = None,
    estimand: str = "ATE",
) -> np.ndarray:
    """Inverse-probability-of-treatment weights for ``estimand`` (see :class:`WeightSpec`; ATE:
    A/e + (1-A)/(1-e)), optionally stabilized/capped.

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
    estimand = check_estimand(estimand)
    checked = e if bounds is None else np.clip(e, *bounds)
    if not np.all(np.isfinite(checked)) or np.any((checked <= 0) & (a == 1)) or np.any((checked >= 1) & (a == 0)):
        raise ParameterError("propensity must lie strictly inside (0, 1) for the observed arm; "
                             "set propensity_bounds to clip it")
    return _weights(a, e, stabilized, clip, bounds, sample_weight, estimand)


def _weights(a: np.ndarray, e: np.ndarray, stabilized: bool, clip: float | None,
             bounds: tuple[float, float] | None, sample_weight: np.ndarray | None,
             estimand: str = "ATE") -> np.ndarray:
    """Unchecked core of :func:`ipw_weights` (called inside bootstrap replicates). ``a`` is a vector;
    ``e`` and ``sample_weight`` are vectors or (rows x replicates) matrices."""
    if bounds is not None:
        e = np.clip(e, *bounds)
    treated = (a == 1) if np.ndim(e) == 1 else (a == 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        target = cast("float | np.ndarray", {"ATE": 1.0, "ATT": e, "ATC": 1.0 - e}[estimand])  # P(target | x)
        w = np.where(treated, target / e, target / (1.0 - e))
    if stabilized:
        base = np.ones(len(a)) if sample_weight is None else sample_weight
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = (a @ base) / base.sum(axis=0)
        scale = {"ATE": (rate, 1.0 - rate), "ATT": (1.0, (1.0 - rate) / rate),
                 "ATC": (rate / (1.0 - rate), 1.0)}[estimand]
        w = w * np.where(treated, *scale)
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
