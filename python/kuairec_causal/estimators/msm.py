"""Marginal structural model for a point treatment: weighted regression Y ~ A.

With a single binary regressor the WLS slope is exactly the difference between the weighted
arm means, which is what the bootstrap replicates compute (no refit of Y ~ A needed); the
propensity model, in contrast, is refitted inside every replicate. One set of resamples and one
propensity refit per replicate serve several outcomes and several weightings at once
(:func:`ipw_msm_family`). Logistic propensity models are refitted by Newton steps from the
full-sample fit (:mod:`._logistic`: the refit's optimum, all replicates at once); any other
classifier is refitted on the rows, replicates spread over ``n_jobs`` processes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from kuairec_causal.errors import ParameterError
from kuairec_causal.parallel import check_jobs, chunks, parallel_map, task_chunks

from ._checks import as_names, check_alpha, check_n_boot, check_seed, require_frame
from ._data import CausalData, prepare
from ._logistic import LogisticReplicates, supports_logistic_moments
from ._threads import single_threaded
from .balance import balance_matrix, balance_summary
from .bootstrap import cluster_multiplicities
from .learners import describe_learner, fit_learner, predict_mean, require_classifier, resolve_learner
from .propensity import fit_propensity_model
from .results import EffectEstimate, EffectSet, from_bootstrap, from_normal
from .weights import WeightSpec, weight_diagnostics

REPLICATE_BLOCK = 25  # replicates per pass over the rows

Weighting = WeightSpec | np.ndarray | None
DEFAULT_WEIGHT_SPEC = WeightSpec()  # frozen, so one shared default is safe


def weighted_arm_means(y: np.ndarray, a: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """(weighted mean of y among treated, among controls); NaN for an empty arm."""
    w1, w0 = w * a, w * (1 - a)
    s1, s0 = w1.sum(), w0.sum()
    return (float(w1 @ y / s1) if s1 > 0 else np.nan, float(w0 @ y / s0) if s0 > 0 else np.nan)


def _wls(y: np.ndarray, a: np.ndarray, w: np.ndarray, codes: np.ndarray,
         alpha: float) -> tuple[np.ndarray, float, float, float]:
    """statsmodels WLS of y on (1, a) with a cluster-robust covariance."""
    fit = sm.WLS(y, np.column_stack([np.ones(len(a)), a]), weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": codes})
    low, high = fit.conf_int(alpha)[1]
    return fit.params, float(fit.bse[1]), float(low), float(high)


def _msm_estimate(prep: CausalData, y: np.ndarray, w: np.ndarray, alpha: float, method: str,
                  replicates: np.ndarray | None, diagnostics: dict[str, Any], estimand: str = "ATE") -> EffectEstimate:
    """The WLS point estimate; a bootstrap percentile interval from ``replicates`` (B x 2:
    effect, control mean) when given, else the cluster-robust normal interval."""
    params, se, low, high = _wls(y, prep.a, w, prep.codes, alpha)
    effect, control = float(params[1]), float(params[0])
    diagnostics = {"treated_mean": control + effect, "control_mean": control, "robust_std_error": se,
                   "robust_ci_lower": low, "robust_ci_upper": high, **diagnostics}
    common: dict[str, Any] = dict(estimand=estimand, method=method, estimate=effect, n=prep.n,
                                  n_clusters=prep.n_clusters, alpha=alpha, reference_mean=control,
                                  diagnostics=diagnostics)
    if replicates is None:
        return from_normal(std_error=se, ci_method="normal, cluster-robust (weights treated as fixed)", **common)
    return from_bootstrap(replicates=replicates[:, 0], reference_replicates=replicates[:, 1], **common)


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
    return _msm_estimate(prep, prep.y, prep.base_weights, alpha, "MSM (WLS, given weights)", None, {})


@dataclass(kw_only=True)
class MSMFamily(EffectSet):
    """MSM estimates for every (weighting, outcome) pair of :func:`ipw_msm_family`, bootstrapped
    on one set of resamples (replicate b of every pair used the same resample and, for weightings
    from the propensity model, the same propensity refit).

    ``result[(weighting, outcome)]``: the estimate (interval and SE from the bootstrap when
    ``n_boot`` > 0; the cluster-robust WLS SE is in its diagnostics as ``robust_std_error``).
    ``propensity``: the full-sample propensity scores. ``weights[weighting]``: the weights used
    (without analysis weights)."""

    propensity: np.ndarray
    weights: dict[str, np.ndarray]
    n_boot: int


@single_threaded
def ipw_msm_family(
    data: pd.DataFrame,
    treatment: str,
    outcomes: Sequence[str] | str,
    weightings: Mapping[str, Weighting],
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    propensity_learner: Any = "logistic",
    weights: str | np.ndarray | None = None,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    n_jobs: int | None = 1,
) -> MSMFamily:
    """IPW marginal structural models Y ~ A for several outcomes and weightings at once.

    ``weightings`` maps a name to a :class:`WeightSpec` (weights from the propensity model,
    recomputed in every bootstrap replicate from the refitted propensity), to an array of fixed
    weights (held fixed in the bootstrap) or to None (unweighted: the difference in means).
    ``weights`` are optional analysis (sampling) weights, multiplied into every weighting. A
    WeightSpec's ``estimand`` ("ATE", "ATT", "ATC") sets whose average effect its estimates are.
    """
    learner = resolve_learner(propensity_learner, "propensity_learner")
    require_classifier(learner, "propensity_learner")
    alpha, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    outcomes = as_names(outcomes, "outcomes")
    if not outcomes or not weightings:
        raise ParameterError("ipw_msm_family needs at least one outcome and one weighting")
    first, *rest = outcomes
    prep = prepare(data, treatment, first, covariates=covariates, categorical=categorical, cluster=cluster,
                   weights=weights)
    Y = np.column_stack([prep.y, *(prepare(data, treatment, o, cluster=cluster).y for o in rest)])
    _, e = fit_propensity_model(learner, prep.X, prep.a, prep.weights)
    fixed = {name: _fixed_weights(name, w, prep.n) for name, w in weightings.items()}
    # fixed[name] is None exactly when the weighting is a WeightSpec
    used: dict[str, np.ndarray] = {
        name: fixed[name] if fixed[name] is not None else spec.compute(prep.a, e, prep.weights)  # type: ignore[misc,union-attr]
        for name, spec in weightings.items()}
    replicates = (_family_replicates(prep, learner, weightings, fixed, Y, n_boot, seed, n_jobs) if n_boot
                  else None)
    effects = {}
    for j, (name, spec) in enumerate(weightings.items()):
        w = used[name] * prep.base_weights
        diagnostics = _weighting_diagnostics(prep, used[name], w, e if isinstance(spec, WeightSpec) else None)
        method = (f"IPW-MSM ({spec.label()}; propensity {describe_learner(learner)})" if isinstance(spec, WeightSpec)
                  else "MSM (WLS, given weights)" if spec is not None else "difference in means")
        for k, outcome in enumerate(outcomes):
            effects[(name, outcome)] = _msm_estimate(
                prep, Y[:, k], w, alpha, method, None if replicates is None else replicates[:, j, k], diagnostics,
                spec.estimand if isinstance(spec, WeightSpec) else "ATE")
    return MSMFamily(method="IPW-MSM family", effects=effects, propensity=e, weights=used, n_boot=n_boot)


@single_threaded
def ipw_msm(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    propensity_learner: Any = "logistic",
    weight_spec: WeightSpec = DEFAULT_WEIGHT_SPEC,
    weights: str | np.ndarray | None = None,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    n_jobs: int | None = 1,
) -> EffectEstimate:
    """IPW marginal structural model: propensity -> weights -> weighted Y ~ A.

    ``weights`` are optional analysis (sampling) weights, multiplied into the IPW weights. With
    ``n_boot`` > 0 the interval is a cluster-bootstrap percentile interval in which every
    replicate refits the propensity model and recomputes the weights; otherwise it is the
    cluster-robust normal interval (which treats the weights as known). The estimand (ATE, ATT or
    ATC) is ``weight_spec.estimand``. One cell of :func:`ipw_msm_family`.
    """
    family = ipw_msm_family(data, treatment, [outcome], {"ipw": weight_spec}, covariates, categorical, cluster,
                            propensity_learner, weights, n_boot, seed, alpha, n_jobs)
    return family[("ipw", outcome)]


def _fixed_weights(name: str, weighting: Weighting, n: int) -> np.ndarray | None:
    """The fixed weights of a weighting (ones when unweighted); None for a WeightSpec."""
    if isinstance(weighting, WeightSpec):
        return None
    if weighting is None:
        return np.ones(n)
    values = np.asarray(weighting, dtype=float).ravel()
    if len(values) != n or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ParameterError(f"weighting '{name}' must be a WeightSpec, None or {n} finite non-negative weights")
    return values


def _weighting_diagnostics(prep: CausalData, weights: np.ndarray, w: np.ndarray,
                           e: np.ndarray | None) -> dict[str, Any]:
    balance = balance_matrix(prep.X, prep.design.names, prep.a, w)
    diagnostics = {"weights": weight_diagnostics(weights), "balance": balance_summary(balance),
                   "design": prep.design.summary()}
    if e is not None:
        diagnostics.update(propensity_min=float(e.min()), propensity_max=float(e.max()))
    return diagnostics


def _family_replicates(prep: CausalData, learner: Any, weightings: Mapping[str, Weighting],
                       fixed: dict[str, np.ndarray | None], Y: np.ndarray, n_boot: int, seed: int,
                       n_jobs: int | None) -> np.ndarray:
    """(B x weightings x outcomes x 2) bootstrap replicates: effect and control mean.

    Replicates are computed in fixed blocks of ``REPLICATE_BLOCK``, each on its own, so the
    numbers do not depend on ``n_jobs``: with logistic moments (or no propensity) the blocks are
    spread over the processes; a row-refitted learner spreads each block's refits instead."""
    counts = cluster_multiplicities(prep.n_clusters, n_boot, seed).astype(float)
    needs_propensity = any(isinstance(spec, WeightSpec) for spec in weightings.values())
    refits = (LogisticReplicates(learner, prep.X, prep.a, prep.base_weights, prep.codes, prep.n_clusters)
              if needs_propensity and supports_logistic_moments(learner) else None)
    blocks = [range(start, min(start + REPLICATE_BLOCK, n_boot)) for start in range(0, n_boot, REPLICATE_BLOCK)]

    def block_contrasts(block: range, refit_jobs: int | None) -> np.ndarray:
        multiplicity = counts[block][:, prep.codes].T * prep.base_weights[:, None]  # rows x replicates
        if not needs_propensity:
            e = None
        elif refits is not None:
            e = refits.scores(refits.coefficients(counts[block]))
        else:
            e = _refitted_scores(learner, prep, counts[block], refit_jobs)
        out = np.empty((len(block), len(weightings), Y.shape[1], 2))
        for j, (name, spec) in enumerate(weightings.items()):
            w = (spec.compute_unchecked(prep.a, e, multiplicity)  # type: ignore[union-attr,arg-type]  # a WeightSpec
                 if fixed[name] is None else fixed[name][:, None])  # type: ignore[index]  # fixed weights
            out[:, j] = _arm_contrasts(Y, prep.a, w * multiplicity)
        return out

    if needs_propensity and refits is None:
        return np.concatenate([block_contrasts(block, n_jobs) for block in blocks])

    def block_group(group: range) -> list[np.ndarray]:
        return [block_contrasts(blocks[k], 1) for k in group]

    # one contiguous group of blocks per process: the rows travel to each process once
    groups = parallel_map(block_group, chunks(len(blocks), check_jobs(n_jobs)), n_jobs, desc=None)
    return np.concatenate([part for group in groups for part in group])


def _arm_contrasts(Y: np.ndarray, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(replicates x outcomes x 2): treated-minus-control weighted mean and the control mean.

    One outcome at a time, so that an outcome's replicates do not depend on which other
    outcomes share the call (a matrix product's rounding depends on its shape)."""
    w1, w0 = w * a[:, None], w * (1 - a)[:, None]
    out = np.empty((w.shape[1], Y.shape[1], 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        for k in range(Y.shape[1]):
            y = np.ascontiguousarray(Y[:, k])
            treated, control = (y @ w1) / w1.sum(axis=0), (y @ w0) / w0.sum(axis=0)
            out[:, k, 0], out[:, k, 1] = treated - control, control
    return out


def _refitted_scores(learner: Any, prep: CausalData, counts: np.ndarray, n_jobs: int | None) -> np.ndarray:
    """Propensity scores (rows x replicates) of the learner refitted on each replicate's rows."""

    def refit(replicates: range) -> np.ndarray:
        scores = np.full((prep.n, len(replicates)), 0.5)
        for j, b in enumerate(replicates):
            k = counts[b][prep.codes]
            rows = np.flatnonzero(k)
            a = prep.a[rows]
            if a.min() == a.max():
                scores[:, j] = np.nan
                continue
            model = fit_learner(learner, prep.X[rows], a.astype(int), (prep.base_weights * k)[rows])
            scores[rows, j] = predict_mean(model, prep.X[rows])
        return scores

    parts = parallel_map(refit, task_chunks(len(counts), n_jobs), n_jobs, desc="propensity refits")
    return np.concatenate(parts, axis=1)
