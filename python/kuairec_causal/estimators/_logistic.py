"""Bootstrap refits of a logistic propensity model by Newton steps from the full-sample fit.

Supported learners: ``LogisticRegression`` (L2 penalty, with intercept), the same behind a
``StandardScaler`` (as :func:`.learners.logistic_learner` builds it) and the unpenalised
:class:`.learners.BinaryGLM` with the logit link. Replicate b of the cluster bootstrap minimises

    C * sum_i k_bi w_i logloss_i(beta) + 1/2 sum_j d_bj beta_j^2     (intercept not penalised)

with row multiplicities k_bi. Behind a StandardScaler that is refitted on the replicate, the
penalty on the standardised coefficients becomes d_bj = var_bj (the replicate's weighted
variance of column j) on the raw ones, so the optimum is the pipeline's refit. Starting from the
full-sample optimum, each replicate takes Newton steps with its Hessian at that start, assembled
from per-cluster Hessian sums (one matrix product for all replicates), and gradients from one
pass over the rows for a block of replicates at once; replicates still moving after
``FIXED_HESSIAN_STEPS`` steps finish with exact Newton steps. Iteration stops at a step below
``TOLERANCE`` on the standardised scale, far inside lbfgs' default tolerance: the result is the
refit's optimum, not an approximation of it (tested against scikit-learn refits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._moments import cluster_grams
from .bootstrap import cluster_sums
from .learners import BinaryGLM

TOLERANCE = 1e-10
FIXED_HESSIAN_STEPS = 30
EXACT_STEPS = 50
BLOCK = 25  # replicates per pass over the rows (n x BLOCK matrices)


@dataclass(frozen=True)
class _Kind:
    C: float  # inf: unpenalised
    scaled: bool


def _logistic_kind(learner: Any) -> _Kind | None:
    steps = ([step for _, step in learner.steps if step not in (None, "passthrough")]
             if isinstance(learner, Pipeline) else [learner])
    *head, final = steps
    if len(head) > 1 or not all(isinstance(s, StandardScaler) and s.with_mean and s.with_std for s in head):
        return None
    if type(final) is BinaryGLM and final.link == "logit" and not head:
        return _Kind(np.inf, False)
    if type(final) is LogisticRegression:
        params = final.get_params()
        ok = (params["fit_intercept"] and params["class_weight"] is None and params["l1_ratio"] in (0, 0.0, None)
              and params["penalty"] in ("l2", "deprecated") and np.isfinite(params["C"]) and params["C"] > 0)
        return _Kind(float(params["C"]), bool(head)) if ok else None
    return None


def supports_logistic_moments(learner: Any) -> bool:
    """True for L2 logistic regression (optionally standardised) and the unpenalised logit GLM."""
    return _logistic_kind(learner) is not None


class LogisticReplicates:
    """Logistic fits of ``a`` on ``X`` for bootstrap replicates with cluster multiplicities."""

    def __init__(self, learner: Any, X: np.ndarray, a: np.ndarray, w: np.ndarray, codes: np.ndarray, n_clusters: int):
        kind = _logistic_kind(learner)
        if kind is None:
            raise ValueError(f"unsupported learner {learner!r}")
        self.kind, self.a, self.w, self.codes, self.n_clusters = kind, a, w, codes, n_clusters
        self.shift = w @ X / w.sum()
        self.design = np.column_stack([np.ones(len(a)), X - self.shift])
        # per-cluster sums of w x and w x^2 (replicate means and variances of the columns)
        self.column_sums = cluster_sums(np.column_stack([w, (X - self.shift) * w[:, None],
                                                         (X - self.shift) ** 2 * w[:, None]]), codes, n_clusters)
        self.start = self._solve_exact(np.ones(len(a)), np.zeros(self.design.shape[1]),
                                       self._penalty(np.ones((1, n_clusters)))[0])
        p = expit(self.design @ self.start)
        self.cluster_hessians = cluster_grams(self.design, w * p * (1 - p), codes, n_clusters)

    def _penalty(self, counts: np.ndarray) -> np.ndarray:
        """Diagonal penalty (B x p+1) on the coefficients of the shifted raw columns."""
        p = self.design.shape[1] - 1
        penalty = np.zeros((len(counts), p + 1))
        if not np.isfinite(self.kind.C):
            return penalty
        if not self.kind.scaled:
            penalty[:, 1:] = 1.0
            return penalty
        sums = counts @ self.column_sums
        total, first, second = sums[:, :1], sums[:, 1:1 + p], sums[:, 1 + p:]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = first / total
            var = np.clip(second / total - mean**2, 0, None)
        mean_raw = mean + self.shift
        # StandardScaler's rule for a (near) constant column: its scale is 1
        constant = var <= total * np.finfo(float).eps * var + (total * mean_raw * np.finfo(float).eps) ** 2
        penalty[:, 1:] = np.where(constant | (var <= 1e-12 * (1 + mean_raw**2)), 1.0, var)
        return penalty

    def _solve_exact(self, k: np.ndarray, beta: np.ndarray, penalty: np.ndarray) -> np.ndarray:
        """Newton's method with exact Hessians for one replicate (row multiplicities ``k``)."""
        kw = k * self.w
        for _ in range(EXACT_STEPS):
            p = expit(self.design @ beta)
            gradient = self._scaled_C() * (self.design.T @ (kw * (self.a - p))) - penalty * beta
            hessian = self._scaled_C() * _gram(self.design, kw * p * (1 - p)) + np.diag(penalty)
            step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
            beta = beta + step
            if self._converged(step[None, :], penalty[None, :])[0]:
                break
        return beta

    def _scaled_C(self) -> float:
        return 1.0 if not np.isfinite(self.kind.C) else self.kind.C

    def _converged(self, steps: np.ndarray, penalty: np.ndarray) -> np.ndarray:
        scale = np.sqrt(np.where(penalty[:, 1:] > 0, penalty[:, 1:], 1.0)) if self.kind.scaled else 1.0
        size = np.maximum(np.abs(steps[:, 0]), np.max(np.abs(steps[:, 1:]) * scale, axis=1, initial=0.0))
        return cast(np.ndarray, size <= TOLERANCE)

    def coefficients(self, counts: np.ndarray) -> np.ndarray:
        """(B x p+1) intercept and coefficients on the shifted columns (see :meth:`scores`)."""
        counts = np.asarray(counts, dtype=float)
        penalty = self._penalty(counts)
        C = self._scaled_C()
        hessians = C * (counts @ self.cluster_hessians.reshape(self.n_clusters, -1))
        size = self.design.shape[1]
        hessians = hessians.reshape(len(counts), size, size)
        hessians[:, np.arange(size), np.arange(size)] += penalty
        inverses = np.linalg.pinv(hessians, hermitian=True)
        beta = np.tile(self.start, (len(counts), 1))
        for block in range(0, len(counts), BLOCK):
            part = slice(block, block + BLOCK)
            kw = counts[part][:, self.codes].T * self.w[:, None]  # rows x replicates
            active = np.ones(kw.shape[1], dtype=bool)
            for _ in range(FIXED_HESSIAN_STEPS):
                index = np.flatnonzero(active)
                p = expit(self.design @ beta[part][index].T)
                gradient = C * (self.design.T @ (kw[:, index] * (self.a[:, None] - p))).T \
                    - penalty[part][index] * beta[part][index]
                steps = np.einsum("bij,bj->bi", inverses[part][index], gradient)
                beta[block + index] += steps
                done = self._converged(steps, penalty[part][index])
                active[index[done]] = False
                if not active.any():
                    break
            for j in np.flatnonzero(active):  # far from the start: finish with exact Hessians
                b = block + j
                beta[b] = self._solve_exact(counts[b][self.codes], beta[b], penalty[b])
        return beta

    def scores(self, beta: np.ndarray) -> np.ndarray:
        """P(A = 1 | X) for every row (rows x replicates) from :meth:`coefficients`."""
        return cast(np.ndarray, expit(self.design @ beta.T))


def _gram(design: np.ndarray, weight: np.ndarray) -> np.ndarray:
    scaled = design * np.sqrt(weight)[:, None]
    return cast(np.ndarray, scaled.T @ scaled)
