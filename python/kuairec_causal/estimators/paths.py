"""SEM-style linear path model for A -> M -> Y with covariates X.

    mediator model   M ~ A + X        alpha = coefficient of A
    outcome model    Y ~ A + M + X    c' = coefficient of A, beta = coefficient of M
    total model      Y ~ A + X        c  = coefficient of A

indirect = alpha * beta, total = c' + alpha * beta (equal to c for OLS on the same rows and
weights). Intervals: cluster bootstrap refitting the three regressions (from per-cluster moment
sums: the same least-squares fits as on the resampled rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import check_alpha, check_n_boot, check_seed
from ._data import prepare
from ._moments import ClusterMoments, residual_products, solve
from ._threads import single_threaded
from .bootstrap import cluster_multiplicities
from .learners import OLS
from .results import EffectSet, from_replicates_or_point

PATH_NAMES = ("alpha", "beta", "c_prime", "indirect", "total", "total_regression")
R2_NAMES = ("r2_mediator_model", "r2_outcome_model", "r2_total_model")


@dataclass
class LinearPaths:
    """Coefficients and residuals of the three regressions (weighted when weights are given)."""

    alpha: float
    beta: float
    c_prime: float
    c_total: float
    resid_mediator: np.ndarray
    resid_outcome: np.ndarray
    resid_total: np.ndarray
    r2: tuple[float, float, float]

    def vector(self) -> np.ndarray:
        """[alpha, beta, c', alpha*beta, c' + alpha*beta, c, R^2 x 3]."""
        indirect = self.alpha * self.beta
        return np.array([self.alpha, self.beta, self.c_prime, indirect, self.c_prime + indirect, self.c_total,
                         *self.r2])


def _r2(y: np.ndarray, resid: np.ndarray, w: np.ndarray) -> float:
    centred = y - w @ y / w.sum()
    return float(1 - (w @ resid**2) / (w @ centred**2))


def fit_linear_paths(a: np.ndarray, m: np.ndarray, y: np.ndarray, X: np.ndarray, w: np.ndarray) -> LinearPaths:
    """Fit the mediator, outcome and total-effect regressions by weighted least squares."""
    ax = np.column_stack([a, X])
    fits = {}
    for name, features, target in (("mediator", ax, m), ("outcome", np.column_stack([a, m, X]), y),
                                   ("total", ax, y)):
        model = OLS().fit(features, target, w)
        fits[name] = (model.coef_, target - model.predict(features))
    return LinearPaths(
        alpha=float(fits["mediator"][0][0]), beta=float(fits["outcome"][0][1]), c_prime=float(fits["outcome"][0][0]),
        c_total=float(fits["total"][0][0]), resid_mediator=fits["mediator"][1], resid_outcome=fits["outcome"][1],
        resid_total=fits["total"][1],
        r2=(_r2(m, fits["mediator"][1], w), _r2(y, fits["outcome"][1], w), _r2(y, fits["total"][1], w)))


@dataclass
class PathReplicates:
    """The three regressions refitted in every bootstrap replicate (arrays over replicates):
    coefficients, residual sums of squares ``ssr_*``, total sums of squares ``sst_*`` (about
    the replicate mean), the residual cross-product of the total-effect and mediator models and
    the total weight."""

    alpha: np.ndarray
    beta: np.ndarray
    c_prime: np.ndarray
    c_total: np.ndarray
    ssr_mediator: np.ndarray
    ssr_outcome: np.ndarray
    ssr_total: np.ndarray
    sst_mediator: np.ndarray
    sst_outcome: np.ndarray
    total_mediator_cross: np.ndarray
    weight: np.ndarray

    def vector(self) -> np.ndarray:
        """(B x 9) replicates of :meth:`LinearPaths.vector`."""
        indirect = self.alpha * self.beta
        with np.errstate(invalid="ignore", divide="ignore"):
            r2 = [1 - self.ssr_mediator / self.sst_mediator, 1 - self.ssr_outcome / self.sst_outcome,
                  1 - self.ssr_total / self.sst_outcome]
        return np.column_stack([self.alpha, self.beta, self.c_prime, indirect, self.c_prime + indirect,
                                self.c_total, *r2])


def linear_path_replicates(a: np.ndarray, m: np.ndarray, y: np.ndarray, X: np.ndarray, w: np.ndarray,
                           codes: np.ndarray, n_clusters: int, n_boot: int, seed: int) -> PathReplicates:
    """:func:`fit_linear_paths` in every cluster-bootstrap replicate, from per-cluster moment
    sums of (A, M, X, Y) (:mod:`._moments`): the same least-squares fits without the rows."""
    counts = cluster_multiplicities(n_clusters, n_boot, seed)
    totals = ClusterMoments(np.column_stack([a, m, X, y]), w, codes, n_clusters).totals(counts)
    x_columns = list(range(2, 2 + X.shape[1]))
    a_col, m_col, y_col = 0, 1, 2 + X.shape[1]
    models = {"mediator": ([a_col, *x_columns], m_col), "outcome": ([a_col, m_col, *x_columns], y_col),
              "total": ([a_col, *x_columns], y_col)}
    fits = {name: (features, target, solve(OLS(), totals, features, target)[0])
            for name, (features, target) in models.items()}
    products = residual_products(totals, [fits["mediator"], fits["outcome"], fits["total"]])
    return PathReplicates(
        alpha=fits["mediator"][2][:, 0], beta=fits["outcome"][2][:, 1], c_prime=fits["outcome"][2][:, 0],
        c_total=fits["total"][2][:, 0], ssr_mediator=products[:, 0, 0], ssr_outcome=products[:, 1, 1],
        ssr_total=products[:, 2, 2], sst_mediator=totals.centred[:, m_col, m_col],
        sst_outcome=totals.centred[:, y_col, y_col], total_mediator_cross=products[:, 2, 0], weight=totals.weight)


@single_threaded
def path_model(
    data: pd.DataFrame,
    treatment: str,
    mediator: str,
    outcome: str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    weights: str | np.ndarray | None = None,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
) -> EffectSet:
    """Linear path coefficients alpha, beta, c', indirect, total and the total-effect regression
    coefficient, with R^2 of each model in ``diagnostics`` and cluster-bootstrap intervals (the
    three regressions refitted in every replicate, from per-cluster moment sums)."""
    alpha_level, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    prep = prepare(data, treatment, outcome, mediator, covariates, categorical, cluster, weights)
    w = prep.base_weights
    point = fit_linear_paths(prep.a, prep.m, prep.y, prep.X, w).vector()
    replicates = None
    if n_boot:
        replicates = linear_path_replicates(prep.a, prep.m, prep.y, prep.X, w, prep.codes, prep.n_clusters, n_boot,
                                            seed).vector()
    diagnostics = {**dict(zip(R2_NAMES, point[len(PATH_NAMES):].tolist())), "design": prep.design.summary()}
    effects = {}
    for j, name in enumerate(PATH_NAMES):
        common = dict(estimand=name, method="linear path model (WLS)", estimate=point[j], n=prep.n,
                      n_clusters=prep.n_clusters, alpha=alpha_level)
        effects[name] = from_replicates_or_point(replicates=None if replicates is None else replicates[:, j],
                                                 **common)
    return EffectSet(method="linear path model (WLS)", effects=effects, diagnostics=diagnostics)
