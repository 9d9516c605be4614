"""G-computation (standardisation): model E[Y | A, X], predict every row under A=1 and A=0.

Strategies: "s" (one model with A as a feature) and "t" (one model per arm). The bootstrap
refits the outcome model in every replicate on the multiplicity-weighted rows and averages the
predictions over the same rows, which equals refitting on the duplicated resample for weighted
least squares / GLMs (for boosted trees, sample weights approximate duplication). For OLS and
ridge the refits are solved from per-cluster moment sums instead of passes over the rows
(:mod:`._moments`): the same coefficients at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from kuairec_causal.parallel import parallel_map

from ._checks import check_alpha, check_choice, check_estimand, check_int, check_n_boot, check_seed, target_indicator
from ._data import CausalData, prepare, weighted_mean
from ._fitting import OutcomeModel
from ._moments import ClusterMoments, feature_map, replicate_column_means, solve, supports_moments
from ._threads import single_threaded
from .bootstrap import cluster_bootstrap, cluster_multiplicities, percentile_interval
from .crossfit import grouped_folds, regression_metrics
from .learners import describe_learner, resolve_learner
from .results import EffectEstimate, from_replicates_or_point


def _potential_means(model: OutcomeModel, rows: np.ndarray, weight: np.ndarray, target: np.ndarray) -> np.ndarray:
    """[effect, mean Y(1), mean Y(0)]: fitted on ``rows`` with ``weight``, averaged over those of
    them in the estimand's population (``target``, 0/1 per row of ``rows``)."""
    mu1, mu0 = model.fit_predict(rows, weight, rows)
    m1, m0 = weighted_mean(mu1, weight * target), weighted_mean(mu0, weight * target)
    return np.array([m1 - m0, m1, m0])


def _fit_metrics(model: OutcomeModel, prep: CausalData, n_folds: int, seed: int, n_jobs: int | None) -> pd.DataFrame:
    """Out-of-fold accuracy of the outcome model at the observed treatment."""
    folds = grouped_folds(prep.codes, n_folds, seed)
    weight = prep.base_weights

    def fold_predictions(k: int) -> np.ndarray:
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        mu1, mu0 = model.fit_predict(train, weight[train], test)
        return np.where(prep.a[test] == 1, mu1, mu0)

    pred = np.empty(prep.n)
    for k, values in enumerate(parallel_map(fold_predictions, range(n_folds), n_jobs, "g-computation fit metrics")):
        pred[folds == k] = values
    return regression_metrics(prep.y, pred, folds, prep.weights)


@single_threaded
def g_computation(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    learner: Any = "ols",
    strategy: str = "s",
    weights: str | np.ndarray | None = None,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    fit_metrics: bool = False,
    n_folds: int = 5,
    lightgbm_fast_path: bool = True,
    linear_fast_path: bool = True,
    n_jobs: int | None = 1,
    estimand: str = "ATE",
) -> EffectEstimate:
    """Average treatment effect by g-computation.

    ``estimand``: "ATE" averages the predicted contrast over every row, "ATT" over the treated,
    "ATC" over the controls (the outcome model is fitted on every row in each case).
    Returns the effect with mean Y(1), mean Y(0) in that population (the reference for the relative lift) and, with
    ``fit_metrics``, out-of-fold RMSE / MAE / R^2 of the outcome model (folds grouped by cluster).
    ``learner``: any regressor (or a classifier for a binary outcome: its P(Y=1) is used), or a
    name ('ols', 'ridge'). With ``n_boot`` = 0 no interval is computed (NaN). With
    ``linear_fast_path``, OLS / ridge replicates are solved from per-cluster moment sums (the
    same fits as refitting on the rows, without the pass over the rows); other learners' refits
    are spread over ``n_jobs`` processes (the result does not depend on ``n_jobs``).
    """
    learner = resolve_learner(learner, "learner")
    strategy = check_choice(strategy, "strategy", ["s", "t"])
    alpha, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    n_folds = check_int(n_folds, "n_folds", 2)
    estimand = check_estimand(estimand)
    prep = prepare(data, treatment, outcome, covariates=covariates, categorical=categorical, cluster=cluster,
                   weights=weights)
    model = OutcomeModel(learner, prep.a, prep.X, prep.y, strategy, lightgbm_fast_path)
    target = target_indicator(prep.a, estimand)
    effect, mean1, mean0 = _potential_means(model, np.arange(prep.n), prep.base_weights, target)
    diagnostics: dict[str, Any] = {"mean_y1": mean1, "mean_y0": mean0, "strategy": strategy,
                         "learner": describe_learner(learner), "design": prep.design.summary()}
    if fit_metrics:
        table = _fit_metrics(model, prep, n_folds, seed, n_jobs)
        diagnostics["fit"] = table.iloc[0][["rmse", "mae", "r2"]].astype(float).to_dict()
        diagnostics["fit_by_fold"] = table
    method = f"g-computation ({strategy.upper()}-learner, {describe_learner(learner)})"
    common = dict(estimand=estimand, method=method, estimate=effect, n=prep.n, n_clusters=prep.n_clusters,
                  alpha=alpha, reference_mean=mean0)
    if not n_boot:
        return from_replicates_or_point(replicates=None, diagnostics=diagnostics, **common)
    base = prep.base_weights
    if linear_fast_path and supports_moments(learner):
        replicates = _moment_replicates(learner, prep, strategy, n_boot, seed, target)
    else:
        replicates = cluster_bootstrap(lambda r, m: _potential_means(model, r, base[r] * m, target[r]), prep.codes,
                                       n_boot, seed, desc="g-computation bootstrap", n_jobs=n_jobs)
    for j, name in ((1, "mean_y1"), (2, "mean_y0")):
        low, high = percentile_interval(replicates[:, j], alpha)
        diagnostics[f"{name}_ci_lower"], diagnostics[f"{name}_ci_upper"] = float(low), float(high)
    return from_replicates_or_point(replicates=replicates[:, 0], reference_replicates=replicates[:, 2],
                                    diagnostics=diagnostics, **common)


def _moment_replicates(learner: Any, prep: CausalData, strategy: str, n_boot: int, seed: int,
                       target: np.ndarray) -> np.ndarray:
    """[effect, mean Y(1), mean Y(0)] per replicate for a least-squares learner (see :mod:`._moments`):
    the mean prediction over a replicate's rows in the estimand's population (``target``) is the
    prediction at their mean features."""
    counts = cluster_multiplicities(prep.n_clusters, n_boot, seed).astype(float)
    w, codes, n_clusters = prep.base_weights, prep.codes, prep.n_clusters
    features = feature_map(learner)

    def mean_prediction(frame: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        means = replicate_column_means(features(frame), w * target, codes, n_clusters, counts)
        return cast(np.ndarray, intercept + np.einsum("bp,bp->b", means, coef))

    if strategy == "s":  # the treatment is the first column of the design
        design = features(np.column_stack([prep.a, prep.X]))
        totals = ClusterMoments(np.column_stack([design, prep.y]), w, codes, n_clusters).totals(counts)
        coef, intercept = solve(learner, totals, range(design.shape[1]), design.shape[1])
        mean1, mean0 = (mean_prediction(np.column_stack([np.full(prep.n, arm), prep.X]), coef, intercept)
                        for arm in (1.0, 0.0))
    else:
        arm_means = []
        for arm in (1.0, 0.0):
            keep = prep.a == arm
            design = features(prep.X[keep])
            totals = ClusterMoments(np.column_stack([design, prep.y[keep]]), w[keep], codes[keep],
                                    n_clusters).totals(counts)
            coef, intercept = solve(learner, totals, range(design.shape[1]), design.shape[1])
            arm_means.append(mean_prediction(prep.X, coef, intercept))
        mean1, mean0 = arm_means
    return np.column_stack([mean1 - mean0, mean1, mean0])
