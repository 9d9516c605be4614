"""SEM-style linear path model for A -> M -> Y with covariates X.

    mediator model   M ~ A + X        alpha = coefficient of A
    outcome model    Y ~ A + M + X    c' = coefficient of A, beta = coefficient of M
    total model      Y ~ A + X        c  = coefficient of A

indirect = alpha * beta, total = c' + alpha * beta (equal to c for OLS on the same rows and
weights). Intervals: cluster bootstrap refitting the three regressions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import check_alpha, check_n_boot, check_seed
from ._data import prepare
from ._threads import single_threaded
from .bootstrap import cluster_bootstrap
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
    coefficient, with R^2 of each model in ``diagnostics`` and cluster-bootstrap intervals."""
    alpha_level, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    prep = prepare(data, treatment, outcome, mediator, covariates, categorical, cluster, weights)
    w = prep.base_weights
    point = fit_linear_paths(prep.a, prep.m, prep.y, prep.X, w).vector()
    replicates = None
    if n_boot:
        replicates = cluster_bootstrap(
            lambda r, k: fit_linear_paths(prep.a[r], prep.m[r], prep.y[r], prep.X[r], w[r] * k).vector(),
            prep.codes, n_boot, seed, desc="path model bootstrap")
    diagnostics = {**dict(zip(R2_NAMES, point[len(PATH_NAMES):].tolist())), "design": prep.design.summary()}
    effects = {}
    for j, name in enumerate(PATH_NAMES):
        common = dict(estimand=name, method="linear path model (WLS)", estimate=point[j], n=prep.n,
                      n_clusters=prep.n_clusters, alpha=alpha_level)
        effects[name] = from_replicates_or_point(replicates=None if replicates is None else replicates[:, j],
                                                 **common)
    return EffectSet(method="linear path model (WLS)", effects=effects, diagnostics=diagnostics)
