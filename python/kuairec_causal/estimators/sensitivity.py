"""Sensitivity to unmeasured confounding.

E-values (VanderWeele & Ding 2017, Ann Intern Med 167:268): the minimum strength of association,
on the risk-ratio scale, that an unmeasured confounder would need with both treatment and
outcome to explain away an estimate (or move its confidence limit to the null). For RR >= 1,
E = RR + sqrt(RR (RR - 1)); for RR < 1 apply it to 1/RR. Continuous outcomes use the
standardized difference d = estimate / sd(Y) and RR ~ exp(0.91 d) (CI exp(0.91 d -/+ 1.78 se_d)).

Mediator-outcome confounding (Imai, Keele & Yamamoto 2010, Stat Sci 25:51; Imai, Keele &
Tingley 2010, Psychol Methods 15:309): in the linear model without A*M interaction, rho is the
correlation between the errors of the mediator model M ~ A + X and the outcome model
Y ~ A + M + X; rho != 0 when an unmeasured variable drives both M and Y. The NIE as a function of
rho is  beta2 * sigma1 / sigma2 * (rho~ - rho * sqrt((1 - rho~^2) / (1 - rho^2))),  where beta2
is the A coefficient of the mediator model, sigma1 and sigma2 are the residual SDs of Y ~ A + X
and M ~ A + X, and rho~ their residual correlation; NIE = 0 at rho = rho~, and at rho = 0 it
equals the product alpha * beta of the path model. NDE(rho) = total - NIE(rho).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kuairec_causal.errors import ParameterError

from ._checks import check_alpha, check_n_boot, check_seed
from ._data import prepare
from ._threads import single_threaded
from .bootstrap import percentile_interval
from .paths import LinearPaths, fit_linear_paths, linear_path_replicates
from .results import EffectEstimate

# ---------------------------------------------------------------------------------------------
# E-values


@dataclass(frozen=True)
class EValue:
    """E-values for a risk ratio (``rr``, possibly converted) and its CI limit nearest the null."""

    rr: float
    rr_ci_lower: float
    rr_ci_upper: float
    evalue_estimate: float
    evalue_ci: float


def _evalue(rr: float) -> float:
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


def _positive(value: float | None, parameter: str) -> float:
    if value is None:
        return math.nan
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ParameterError(f"{parameter} must be a positive ratio; got {value!r}")
    return float(value)


def evalue_rr(rr: float, ci_lower: float | None = None, ci_upper: float | None = None,
              true_rr: float = 1.0) -> EValue:
    """E-value for a risk ratio and for the CI limit closest to ``true_rr`` (1 = no effect).

    The CI E-value is 1 when the interval already contains ``true_rr``; NaN without a limit.
    """
    rr, low, high = _positive(rr, "rr"), _positive(ci_lower, "ci_lower"), _positive(ci_upper, "ci_upper")
    true_rr = _positive(true_rr, "true_rr")
    if not (math.isnan(low) or low <= rr) or not (math.isnan(high) or rr <= high):
        raise ParameterError(f"the interval ({ci_lower}, {ci_upper}) must contain the estimate {rr}")
    limit = low if rr >= true_rr else high
    if math.isnan(limit):
        ci_value = math.nan
    elif (rr >= true_rr and limit <= true_rr) or (rr < true_rr and limit >= true_rr):
        ci_value = 1.0
    else:
        ci_value = _evalue(limit / true_rr)
    return EValue(rr, low, high, _evalue(rr / true_rr), ci_value)


def evalue_or(odds_ratio: float, ci_lower: float | None = None, ci_upper: float | None = None,
              rare_outcome: bool = False) -> EValue:
    """E-value for an odds ratio: RR ~ OR for a rare outcome (< 15%), else RR ~ sqrt(OR)."""
    convert = (lambda v: v) if rare_outcome else math.sqrt
    values: list[float | None] = [None if v is None else convert(_positive(v, name))
              for v, name in ((ci_lower, "ci_lower"), (ci_upper, "ci_upper"))]
    return evalue_rr(convert(_positive(odds_ratio, "odds_ratio")), *values)  # type: ignore[arg-type]  # the two limits


def evalue_difference(estimate: float, sd: float, std_error: float | None = None,
                      ci_lower: float | None = None, ci_upper: float | None = None) -> EValue:
    """E-value for a difference in means of a continuous outcome with standard deviation ``sd``.

    Uses d = estimate / sd and RR = exp(0.91 d). The interval comes from ``std_error``
    (exp(0.91 d -/+ 1.78 se/sd)) or, if given instead, from the difference's CI limits.
    """
    if not (isinstance(sd, (int, float)) and math.isfinite(sd) and sd > 0):
        raise ParameterError(f"sd must be a positive number; got {sd!r}")
    d = estimate / sd
    low: float | None
    high: float | None
    if std_error is not None:
        if not std_error >= 0:
            raise ParameterError(f"std_error must be >= 0; got {std_error!r}")
        low, high = math.exp(0.91 * d - 1.78 * std_error / sd), math.exp(0.91 * d + 1.78 * std_error / sd)
    else:
        low = None if ci_lower is None else math.exp(0.91 * ci_lower / sd)
        high = None if ci_upper is None else math.exp(0.91 * ci_upper / sd)
    return evalue_rr(math.exp(0.91 * d), low, high)


def evalue_effect(effect: EffectEstimate, outcome_sd: float) -> EValue:
    """E-value of a difference-scale :class:`EffectEstimate` using its interval limits."""
    return evalue_difference(effect.estimate, outcome_sd, ci_lower=effect.ci_lower, ci_upper=effect.ci_upper)


# ---------------------------------------------------------------------------------------------
# Mediator-outcome confounding: rho sensitivity


@dataclass(kw_only=True)
class RhoSensitivity:
    """``table``: NIE / NDE over the rho grid, with the implied products of partial R^2 (residual
    and total-variance versions) and bootstrap limits when requested. ``rho_at_zero``: the rho at
    which the NIE vanishes. ``naive_nie`` / ``naive_nde``: the rho = 0 values."""

    table: pd.DataFrame
    rho_at_zero: float
    naive_nie: float
    naive_nde: float
    total: float
    diagnostics: dict[str, Any]


def _sigma_rho(paths: LinearPaths, w: np.ndarray) -> tuple[float, float, float]:
    """(sigma1, sigma2, rho~): residual SDs of Y ~ A + X and M ~ A + X, and their correlation."""
    total = w.sum()
    e1, e2 = paths.resid_total, paths.resid_mediator
    v1, v2 = w @ e1**2 / total, w @ e2**2 / total
    return math.sqrt(v1), math.sqrt(v2), float((w @ (e1 * e2) / total) / math.sqrt(v1 * v2))


def nie_at_rho(alpha: float | np.ndarray, sigma1: float | np.ndarray, sigma2: float | np.ndarray,
               rho_tilde: float | np.ndarray, rho: float | np.ndarray) -> np.ndarray:
    """NIE under error correlation ``rho`` (linear model, no interaction)."""
    rho = np.asarray(rho, dtype=float)
    return alpha * sigma1 / sigma2 * (rho_tilde - rho * np.sqrt((1 - rho_tilde**2) / (1 - rho**2)))


@single_threaded
def mediation_rho_sensitivity(
    data: pd.DataFrame,
    treatment: str,
    mediator: str,
    outcome: str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    weights: str | np.ndarray | None = None,
    rho_grid: Sequence[float] | None = None,
    n_boot: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
) -> RhoSensitivity:
    """How the NIE and NDE move as mediator-outcome error correlation rho grows.

    Linear models without an A*M interaction (fitted by WLS when ``weights`` are given). With
    ``n_boot`` > 0 each grid point gets a cluster-bootstrap percentile interval (the regressions
    refitted in every replicate from per-cluster moment sums).
    """
    grid = np.round(np.arange(-0.9, 0.91, 0.05), 2) if rho_grid is None else np.asarray(rho_grid, dtype=float)
    if grid.ndim != 1 or len(grid) == 0 or np.any(np.abs(grid) >= 1):
        raise ParameterError("rho_grid must be a non-empty list of values strictly between -1 and 1")
    alpha_level, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    prep = prepare(data, treatment, outcome, mediator, covariates, categorical, cluster, weights)
    w = prep.base_weights

    paths = fit_linear_paths(prep.a, prep.m, prep.y, prep.X, w)
    sigma1, sigma2, rho_tilde = _sigma_rho(paths, w)
    nie = nie_at_rho(paths.alpha, sigma1, sigma2, rho_tilde, grid)
    r2_m, r2_total = paths.r2[0], paths.r2[2]
    table = pd.DataFrame({"rho": grid, "nie": nie, "nde": paths.c_total - nie,
                          "r2_product_residual": grid**2,
                          "r2_product_total": grid**2 * (1 - r2_m) * (1 - paths.r2[1])})
    if n_boot:
        fits = linear_path_replicates(prep.a, prep.m, prep.y, prep.X, w, prep.codes, prep.n_clusters, n_boot, seed)
        with np.errstate(invalid="ignore", divide="ignore"):
            sigmas = np.sqrt(fits.ssr_total / fits.weight), np.sqrt(fits.ssr_mediator / fits.weight)
            rho_b = fits.total_mediator_cross / np.sqrt(fits.ssr_total * fits.ssr_mediator)
            nie_b = nie_at_rho(fits.alpha[:, None], sigmas[0][:, None], sigmas[1][:, None], rho_b[:, None], grid)
        replicates = np.column_stack([nie_b, fits.c_total[:, None] - nie_b])
        low, high = percentile_interval(replicates, alpha_level)
        table["nie_ci_lower"], table["nie_ci_upper"] = low[: len(grid)], high[: len(grid)]
        table["nde_ci_lower"], table["nde_ci_upper"] = low[len(grid):], high[len(grid):]
    naive = float(nie_at_rho(paths.alpha, sigma1, sigma2, rho_tilde, 0.0))
    return RhoSensitivity(table=table, rho_at_zero=rho_tilde, naive_nie=naive, naive_nde=paths.c_total - naive,
                          total=paths.c_total,
                          diagnostics={"alpha": paths.alpha, "beta": paths.beta, "sigma_total_model": sigma1,
                                       "sigma_mediator_model": sigma2, "r2_mediator_model": r2_m,
                                       "r2_outcome_model": paths.r2[1], "r2_total_model": r2_total,
                                       "n": prep.n, "n_clusters": prep.n_clusters})
