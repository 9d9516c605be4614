"""Repeated fits of one learner on row subsets of one matrix (bootstrap replicates, folds).

The matrix is built once; each fit indexes rows. LightGBM learners take the binned fast path
of :mod:`._lightgbm`; everything else goes through :func:`.learners.fit_learner`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._lightgbm import BinnedLightGBM, is_lightgbm
from .learners import fit_learner, predict_mean


class RowFitter:
    """Fit ``learner`` to (X[rows], y[rows]) and predict E[y | x] for rows of X or of a named
    frame with the same columns (e.g. X with the treatment flipped)."""

    def __init__(self, learner: Any, X: np.ndarray, y: np.ndarray, frames: dict[str, np.ndarray] | None = None,
                 fast_path: bool = True):
        self.learner, self.y = learner, y
        self.binned = BinnedLightGBM(learner, X, y, frames) if fast_path and is_lightgbm(learner) else None
        # the binned path keeps LightGBM's compact bins; raw matrices are only needed otherwise
        self.frames = {"train": X, **(frames or {})} if self.binned is None else {}

    def fit(self, rows: np.ndarray, weight: np.ndarray | None = None) -> _Fitted:
        if self.binned is not None:
            return _Fitted(self.binned.fit(rows, weight), rows)
        return _Fitted(fit_learner(self.learner, self.frames["train"][rows], self.y[rows], weight), rows)

    def predict(self, fitted: _Fitted, rows: np.ndarray, frame: str = "train") -> np.ndarray:
        if self.binned is None:
            return predict_mean(fitted.model, self.frames[frame][rows])
        if frame != "train":
            return self.binned.scores(fitted.model, frame, rows)
        # the booster's own training rows come with their scores (eval_train); score the rest
        fitted_rows = np.isin(rows, fitted.rows, assume_unique=True)
        if not np.array_equal(rows[fitted_rows], fitted.rows):
            return self.binned.scores(fitted.model, frame, rows)
        scores = np.empty(len(rows))
        scores[fitted_rows] = self.binned.fitted_scores(fitted.model)
        if not fitted_rows.all():
            scores[~fitted_rows] = self.binned.scores(fitted.model, frame, rows[~fitted_rows])
        return scores


class _Fitted:
    __slots__ = ("model", "rows")

    def __init__(self, model: Any, rows: np.ndarray):
        self.model, self.rows = model, rows


class OutcomeModel:
    """E[Y | A, X] as one model with A as the first feature ("s") or one model per arm ("t")."""

    def __init__(self, learner: Any, a: np.ndarray, X: np.ndarray, y: np.ndarray, strategy: str,
                 fast_path: bool = True):
        self.a, self.strategy = a, strategy
        if strategy == "s":
            self.fitter = RowFitter(learner, np.column_stack([a, X]), y,
                                    {"flipped": np.column_stack([1.0 - a, X])}, fast_path)
        else:
            self.fitter = RowFitter(learner, X, y, None, fast_path)

    def fit_predict(self, train: np.ndarray, weight: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, ...]:
        """Fit on rows ``train`` (with ``weight``) and return (mu1, mu0) for rows ``target``.

        With the "t" strategy an arm absent from ``train`` gives NaN predictions for that arm.
        """
        if self.strategy == "s":
            fitted = self.fitter.fit(train, weight)
            observed = self.fitter.predict(fitted, target)
            flipped = self.fitter.predict(fitted, target, "flipped")
            treated = self.a[target] == 1
            return np.where(treated, observed, flipped), np.where(treated, flipped, observed)
        arms = []
        for arm in (1.0, 0.0):
            keep = self.a[train] == arm
            if not keep.any():
                arms.append(np.full(len(target), np.nan))
                continue
            arms.append(self.fitter.predict(self.fitter.fit(train[keep], weight[keep]), target))
        return arms[0], arms[1]
