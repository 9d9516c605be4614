"""Bootstrap refits of least-squares learners from per-cluster moment sums.

A weighted least-squares or ridge fit with an intercept (also after a weighted StandardScaler)
sees the rows only through sum w, sum w x, sum w x x', sum w x y and sum w y. Under the cluster
bootstrap with multiplicities M[b, g], replicate b's sums are M[b] @ (per-cluster sums), so a
refit costs clusters x p^2 instead of rows x p^2 and gives the coefficients of refitting on the
multiplicity-weighted rows. Columns are shifted by their full-sample mean before summing, which
keeps the centred Gram matrix of each replicate free of cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .bootstrap import cluster_sums
from .learners import OLS, ols_coefficients


def _solver_kind(learner) -> tuple[str, float] | None:
    """("ols" | "ridge" | "scaled_ridge", penalty) when the learner is a supported affine fit."""
    steps = [step for _, step in learner.steps if step not in (None, "passthrough")] \
        if isinstance(learner, Pipeline) else [learner]
    *head, final = steps
    plain_scaler = all(isinstance(s, StandardScaler) and s.with_mean and s.with_std for s in head)
    if len(head) > 1 or not plain_scaler:
        return None
    # exact types: a subclass may transform its columns (the study's ModifiedSlopesOLS does)
    if type(final) is OLS:
        return "ols", 0.0  # scale-invariant: a scaler in front changes nothing
    if type(final) is Ridge and final.fit_intercept and not final.positive and np.ndim(final.alpha) == 0:
        return ("scaled_ridge" if head else "ridge"), float(final.alpha)
    return None


def supports_moments(learner) -> bool:
    """True for OLS, Ridge and StandardScaler > Ridge (with intercept, scalar penalty)."""
    return _solver_kind(learner) is not None


@dataclass
class ClusterMoments:
    """Per-cluster weighted sums of shifted columns x - x_shift and y - y_shift."""

    weight: np.ndarray  # (G,)
    x: np.ndarray  # (G, p)
    xx: np.ndarray  # (G, p * p)
    xy: np.ndarray  # (G, p)
    y: np.ndarray  # (G,)
    x_shift: np.ndarray
    y_shift: float

    def totals(self, counts: np.ndarray) -> tuple[np.ndarray, ...]:
        """Replicate sums for multiplicities ``counts`` (B x G): W, Sx, Sxx (B x p x p), Sxy, Sy."""
        p = self.x.shape[1]
        return (counts @ self.weight, counts @ self.x, (counts @ self.xx).reshape(len(counts), p, p), counts @ self.xy,
                counts @ self.y)


def cluster_moments(X: np.ndarray, y: np.ndarray, w: np.ndarray, codes: np.ndarray, n_clusters: int,
                    x_shift: np.ndarray, y_shift: float) -> ClusterMoments:
    """Moment sums of the rows of (X, y) with weights ``w`` per cluster code (0..G-1)."""
    xc, yc = X - x_shift, y - y_shift
    p = X.shape[1]
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_clusters + 1))
    scaled = xc * np.sqrt(w)[:, None]
    xx = np.zeros((n_clusters, p, p))
    for g in np.flatnonzero(np.diff(bounds)):
        part = scaled[order[bounds[g]:bounds[g + 1]]]
        xx[g] = part.T @ part
    sums = cluster_sums(np.column_stack([w, w * yc, xc * w[:, None], xc * (w * yc)[:, None]]), codes, n_clusters)
    return ClusterMoments(weight=sums[:, 0], y=sums[:, 1], x=sums[:, 2:2 + p], xy=sums[:, 2 + p:],
                          xx=xx.reshape(n_clusters, p * p), x_shift=x_shift, y_shift=y_shift)


def solve_replicates(learner, moments: ClusterMoments, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate: (coefficients B x p, intercept B) in the original units of x and y.

    A replicate with no weight gets NaN. ``learner`` must pass :func:`supports_moments`.
    """
    kind, penalty = _solver_kind(learner)
    total, sx, sxx, sxy, sy = moments.totals(counts)
    coef = np.full(sx.shape, np.nan)
    intercept = np.full(len(total), np.nan)
    for b in np.flatnonzero(total > 0):
        mean_x, mean_y = sx[b] / total[b], sy[b] / total[b]
        gram = sxx[b] - total[b] * np.outer(mean_x, mean_x)
        moment = sxy[b] - total[b] * mean_x * mean_y
        # a column constant in this replicate (a dummy absent from an arm) leaves rounding
        # noise in place of its zero variance; zero it so that its coefficient is exactly 0
        constant = np.diag(gram) <= 1e-10 * np.diag(sxx[b])
        gram[constant, :], gram[:, constant], moment[constant] = 0.0, 0.0, 0.0
        coef[b] = _solve(kind, penalty, gram, moment, total[b])
        intercept[b] = moments.y_shift + mean_y - (mean_x + moments.x_shift) @ coef[b]
    return coef, intercept


def _solve(kind: str, penalty: float, gram: np.ndarray, moment: np.ndarray, total: float) -> np.ndarray:
    if kind == "ols":
        return ols_coefficients(gram, moment)
    if kind == "ridge":
        return np.linalg.solve(gram + penalty * np.eye(len(moment)), moment)
    # StandardScaler (weighted mean and variance) then ridge on the standardised columns
    scale = np.sqrt(np.clip(np.diag(gram), 0, None) / total)
    scale[scale == 0] = 1.0  # as StandardScaler does for a constant column
    standardised = np.linalg.solve(gram / np.outer(scale, scale) + penalty * np.eye(len(moment)), moment / scale)
    return standardised / scale


def replicate_column_means(X: np.ndarray, w: np.ndarray, codes: np.ndarray, n_clusters: int,
                           counts: np.ndarray) -> np.ndarray:
    """Weighted column means of X in every replicate (B x p); NaN for a replicate with no weight."""
    sums = counts @ cluster_sums(np.column_stack([w, X * w[:, None]]), codes, n_clusters)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums[:, 1:] / sums[:, :1]
