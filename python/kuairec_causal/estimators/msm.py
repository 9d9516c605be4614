"""Marginal structural model for a point treatment: weighted regression Y ~ A.

With a single binary regressor the WLS slope is exactly the difference between the weighted
arm means, which is what the bootstrap replicates compute (no refit of Y ~ A needed); the
propensity model, in contrast, is refitted inside every replicate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ._checks import check_alpha, check_n_boot, check_seed, require_frame
from ._data import CausalData, prepare
from ._threads import single_threaded
from .balance import balance_matrix, balance_summary
from .bootstrap import cluster_bootstrap
from .learners import describe_learner, fit_learner, logistic_learner, predict_mean, require_classifier
from .propensity import fit_propensity_model
from .results import EffectEstimate, from_bootstrap, from_normal
from .weights import WeightSpec, weight_diagnostics


def weighted_arm_means(y: np.ndarray, a: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """(weighted mean of y among treated, among controls); NaN for an empty arm."""
    w1, w0 = w * a, w * (1 - a)
    s1, s0 = w1.sum(), w0.sum()
    return (float(w1 @ y / s1) if s1 > 0 else np.nan, float(w0 @ y / s0) if s0 > 0 else np.nan)


def _wls(y: np.ndarray, a: np.ndarray, w: np.ndarray, codes: np.ndarray, alpha: float):
    """statsmodels WLS of y on (1, a) with a cluster-robust covariance."""
    fit = sm.WLS(y, np.column_stack([np.ones(len(a)), a]), weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": codes})
    low, high = fit.conf_int(alpha)[1]
    return fit.params, float(fit.bse[1]), float(low), float(high)


def _msm_estimate(prep: CausalData, w: np.ndarray, alpha: float, method: str, replicates: np.ndarray | None,
                  diagnostics: dict) -> EffectEstimate:
    params, se, low, high = _wls(prep.y, prep.a, w, prep.codes, alpha)
    effect, control = float(params[1]), float(params[0])
    diagnostics = {"treated_mean": control + effect, "control_mean": control, "robust_std_error": se,
                   "robust_ci_lower": low, "robust_ci_upper": high, **diagnostics}
    common = dict(estimand="ATE", method=method, estimate=effect, n=prep.n, n_clusters=prep.n_clusters,
                  alpha=alpha, reference_mean=control, diagnostics=diagnostics)
    if replicates is None:
        return from_normal(std_error=se, ci_method="normal, cluster-robust (weights treated as fixed)", **common)
    return from_bootstrap(replicates=replicates[:, 0], reference_replicates=replicates[:, 2], **common)


@single_threaded
def msm_effect(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    weights: str | np.ndarray | None = None,
    cluster: str | None = None,
    alpha: float = 0.05,
) -> EffectEstimate:
    """Weighted Y ~ A with given weights: effect, arm means, lift vs control, cluster-robust SE."""
    data = require_frame(data)
    alpha = check_alpha(alpha)
    prep = prepare(data, treatment, outcome, cluster=cluster, weights=weights)
    return _msm_estimate(prep, prep.base_weights, alpha, "MSM (WLS, given weights)", None, {})


@single_threaded
def ipw_msm(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    propensity_learner=None,
    weight_spec: WeightSpec = WeightSpec(),
    weights: str | np.ndarray | None = None,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
) -> EffectEstimate:
    """IPW marginal structural model: propensity -> weights -> weighted Y ~ A.

    ``weights`` are optional analysis (sampling) weights, multiplied into the IPW weights. With
    ``n_boot`` > 0 the interval is a cluster-bootstrap percentile interval in which every
    replicate refits the propensity model and recomputes the weights; otherwise it is the
    cluster-robust normal interval (which treats the weights as known).
    """
    learner = logistic_learner(seed=seed) if propensity_learner is None else propensity_learner
    require_classifier(learner, "propensity_learner")
    alpha, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    prep = prepare(data, treatment, outcome, covariates=covariates, categorical=categorical, cluster=cluster,
                   weights=weights)
    _, e = fit_propensity_model(learner, prep.X, prep.a, prep.weights)
    ipw = weight_spec.compute(prep.a, e, prep.weights)
    w = ipw * prep.base_weights
    balance = balance_matrix(prep.X, prep.design.names, prep.a, w)
    diagnostics = {"weights": weight_diagnostics(ipw), "balance": balance_summary(balance),
                   "propensity_min": float(e.min()), "propensity_max": float(e.max()),
                   "design": prep.design.summary()}
    replicates = None
    if n_boot:
        replicates = cluster_bootstrap(_ipw_statistic(prep, learner, weight_spec), prep.codes, n_boot, seed,
                                       desc="IPW-MSM bootstrap")
    method = f"IPW-MSM ({weight_spec.label()}; propensity {describe_learner(learner)})"
    return _msm_estimate(prep, w, alpha, method, replicates, diagnostics)


def _ipw_statistic(prep: CausalData, learner, spec: WeightSpec):
    def statistic(rows: np.ndarray, mult: np.ndarray) -> np.ndarray:
        a, base = prep.a[rows], prep.base_weights[rows] * mult
        if a.min() == a.max():
            return np.full(3, np.nan)
        model = fit_learner(learner, prep.X[rows], a.astype(int), base)
        w = spec.compute_unchecked(a, predict_mean(model, prep.X[rows]), base) * base
        treated, control = weighted_arm_means(prep.y[rows], a, w)
        return np.array([treated - control, treated, control])

    return statistic
