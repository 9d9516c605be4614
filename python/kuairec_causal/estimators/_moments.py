"""Bootstrap refits of least-squares models from per-cluster moment sums.

A weighted least-squares or ridge fit with an intercept (also after a weighted StandardScaler)
sees the rows only through sum w, sum w z and sum w z z' of its columns z = (features, target).
Under the cluster bootstrap with multiplicities M[b, g], replicate b's sums are M[b] @ (the
per-cluster sums), so a refit costs clusters x q^2 once and q^3 per replicate instead of a pass
over the rows per replicate, and gives the coefficients of refitting on the multiplicity-weighted
rows. Columns are shifted by their full-sample mean before summing, which keeps the centred Gram
matrix of each replicate free of cancellation. One set of sums serves every regression among its
columns (several targets, nested feature sets) and their residual cross-products.

OLS subclasses qualify when they only change the regression features (:meth:`.learners.OLS.features`,
e.g. products of columns): the sums are then taken over those features.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .bootstrap import cluster_sums
from .learners import OLS, ols_coefficients

Features = Callable[[np.ndarray], np.ndarray]


def _solver_kind(learner: Any) -> tuple[str, float] | None:
    """("ols" | "ridge" | "scaled_ridge", penalty) when the learner is a supported affine fit."""
    steps = [step for _, step in learner.steps if step not in (None, "passthrough")] \
        if isinstance(learner, Pipeline) else [learner]
    *head, final = steps
    plain_scaler = all(isinstance(s, StandardScaler) and s.with_mean and s.with_std for s in head)
    if len(head) > 1 or not plain_scaler:
        return None
    # an OLS subclass qualifies if it changes only the features (not fit), and not behind a scaler
    if isinstance(final, OLS) and type(final).fit is OLS.fit and (type(final) is OLS or not head):
        return "ols", 0.0  # scale-invariant: a scaler in front changes nothing
    if type(final) is Ridge and final.fit_intercept and not final.positive and np.ndim(final.alpha) == 0:
        return ("scaled_ridge" if head else "ridge"), float(final.alpha)
    return None


def supports_moments(learner: Any) -> bool:
    """True for OLS (and subclasses that only change the features), Ridge and StandardScaler >
    Ridge (with intercept, scalar penalty)."""
    return _solver_kind(learner) is not None


def feature_map(learner: Any) -> Features:
    """The regression features of a supported learner as a function of its input matrix."""
    final = learner.steps[-1][1] if isinstance(learner, Pipeline) else learner
    return final.features if isinstance(final, OLS) else (lambda X: np.asarray(X, dtype=float))


def cluster_grams(Z: np.ndarray, w: np.ndarray, codes: np.ndarray, n_clusters: int) -> np.ndarray:
    """(G x q x q) per-cluster sums of w z z'."""
    return cluster_cross_products(Z, None, w, codes, n_clusters)


def cluster_cross_products(left: np.ndarray, right: np.ndarray | None, w: np.ndarray, codes: np.ndarray,
                           n_clusters: int) -> np.ndarray:
    """(G x p x q) per-cluster sums of w u v' for the rows u of ``left`` and v of ``right``
    (``right`` None: of ``left`` itself, computed as one symmetric product per cluster)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_clusters + 1))
    root = np.sqrt(w)[:, None]
    scaled_left = left * root
    scaled_right = scaled_left if right is None else right * root
    sums = np.zeros((n_clusters, left.shape[1], scaled_right.shape[1]))
    for g in np.flatnonzero(np.diff(bounds)):
        rows = order[bounds[g]:bounds[g + 1]]
        sums[g] = scaled_left[rows].T @ scaled_right[rows]
    return sums


@dataclass
class Totals:
    """Replicate sums: total weight (B), column means (B x q, original units), centred Gram
    sum w (z - mean)(z - mean)' (B x q x q) and the raw shifted Gram (for rounding thresholds)."""

    weight: np.ndarray
    mean: np.ndarray
    centred: np.ndarray
    raw: np.ndarray


class ClusterMoments:
    """Per-cluster weighted sums of the columns of ``Z`` and of their products."""

    def __init__(self, Z: np.ndarray, w: np.ndarray, codes: np.ndarray, n_clusters: int):
        Z = np.asarray(Z, dtype=float)
        self.n_clusters, self.width = n_clusters, Z.shape[1]
        self.shift = w @ Z / w.sum()
        shifted = Z - self.shift
        self.first = cluster_sums(np.column_stack([w, shifted * w[:, None]]), codes, n_clusters)
        self.second = cluster_grams(shifted, w, codes, n_clusters).reshape(n_clusters, -1)

    def totals(self, counts: np.ndarray) -> Totals:
        counts = np.asarray(counts, dtype=float)
        first = counts @ self.first
        total = first[:, 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = first[:, 1:] / total[:, None]
        raw = (counts @ self.second).reshape(len(counts), self.width, self.width)
        centred = raw - total[:, None, None] * mean[:, :, None] * mean[:, None, :]
        return Totals(weight=total, mean=mean + self.shift, centred=centred, raw=raw)


def solve(learner: Any, totals: Totals, features: Sequence[int], target: int) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate: (coefficients B x p, intercept B) of ``learner`` fitted to column ``target``
    on columns ``features`` of the summed matrix. A replicate with no weight gets NaN."""
    kind, penalty = cast("tuple[str, float]", _solver_kind(learner))  # callers check supports_moments first
    features = list(features)
    coef = np.full((len(totals.weight), len(features)), np.nan)
    intercept = np.full(len(totals.weight), np.nan)
    for b in np.flatnonzero(totals.weight > 0):
        gram = totals.centred[b][np.ix_(features, features)].copy()
        moment = totals.centred[b][features, target].copy()
        # a column constant in this replicate (a dummy absent from an arm) leaves rounding
        # noise in place of its zero variance; zero it so that its coefficient is exactly 0
        constant = np.diag(gram) <= 1e-10 * np.diag(totals.raw[b])[features]
        gram[constant, :], gram[:, constant], moment[constant] = 0.0, 0.0, 0.0
        coef[b] = _solve(kind, penalty, gram, moment, totals.weight[b])
        intercept[b] = totals.mean[b, target] - totals.mean[b, features] @ coef[b]
    return coef, intercept


def residual_products(totals: Totals, fits: Sequence[tuple[Sequence[int], int, np.ndarray]]) -> np.ndarray:
    """(B x k x k) weighted residual cross-products sum w e_i e_j of least-squares fits given as
    (features, target, coefficients B x p). Exact at the normal equations' solution."""
    out = np.empty((len(totals.weight), len(fits), len(fits)))
    for i, (features_i, target_i, coef_i) in enumerate(fits):
        for j, (features_j, target_j, coef_j) in enumerate(fits):
            c = totals.centred
            cross = (c[:, target_i, target_j]
                     - np.einsum("bp,bp->b", coef_i, c[:, list(features_i), target_j])
                     - np.einsum("bp,bp->b", coef_j, c[:, list(features_j), target_i])
                     + np.einsum("bp,bpq,bq->b", coef_i, c[:, list(features_i)][:, :, list(features_j)], coef_j))
            out[:, i, j] = cross
    return out


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
        return cast(np.ndarray, sums[:, 1:] / sums[:, :1])
