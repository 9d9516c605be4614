"""Cross-fitting helpers: folds grouped by cluster, out-of-fold predictions, nuisance metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, mean_absolute_error, mean_squared_error, r2_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from kuairec_causal.errors import ParameterError
from kuairec_causal.parallel import parallel_map

from ._checks import check_int, check_seed
from .learners import fit_learner, predict_mean

ALL_ROWS = -1  # the task that fits on every row (fold numbers are 0, 1, ...)


def grouped_folds(codes: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Fold id (0..n_folds-1) per row; all rows of a cluster share a fold (shuffled GroupKFold)."""
    n_folds = check_int(n_folds, "n_folds", 2)
    n_groups = len(np.unique(codes))
    if n_groups < n_folds:
        raise ParameterError(f"n_folds ({n_folds}) exceeds the number of clusters ({n_groups})")
    folds = np.empty(len(codes), dtype=np.int64)
    splitter = GroupKFold(n_splits=n_folds, shuffle=True, random_state=check_seed(seed))
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(codes)), groups=codes)):
        folds[test] = k
    return folds


def cross_fit_predict(learner: Any, X: np.ndarray, y: np.ndarray, folds: np.ndarray,
                      sample_weight: np.ndarray | None = None, desc: str = "cross-fitting",
                      n_jobs: int | None = 1) -> np.ndarray:
    """Out-of-fold E[y | X] (probabilities for classifiers); folds fitted on ``n_jobs`` processes."""
    return _fit_parts(learner, X, y, folds, sample_weight, desc, n_jobs, full=False)[1]


def fit_and_cross_fit(learner: Any, X: np.ndarray, y: np.ndarray, folds: np.ndarray,
                      sample_weight: np.ndarray | None = None, desc: str = "cross-fitting",
                      n_jobs: int | None = 1) -> tuple[Any, np.ndarray]:
    """(the learner fitted on every row, out-of-fold E[y | X]): the full fit is one more task
    beside the folds, so that it shares the processes instead of running before them."""
    return _fit_parts(learner, X, y, folds, sample_weight, desc, n_jobs, full=True)


def _fit_parts(learner: Any, X: np.ndarray, y: np.ndarray, folds: np.ndarray, sample_weight: np.ndarray | None,
               desc: str, n_jobs: int | None, full: bool) -> tuple[Any, np.ndarray]:
    def fit_part(k: int) -> Any:
        if k == ALL_ROWS:
            return fit_learner(learner, X, y, sample_weight)
        train, test = folds != k, folds == k
        model = fit_learner(learner, X[train], y[train], None if sample_weight is None else sample_weight[train])
        return predict_mean(model, X[test])

    fold_ids = list(range(int(folds.max()) + 1))
    done = parallel_map(fit_part, [ALL_ROWS, *fold_ids] if full else fold_ids, n_jobs, desc)  # longest task first
    model, fold_predictions = (done[0], done[1:]) if full else (None, done)
    pred = np.empty(len(y))
    for k, values in zip(fold_ids, fold_predictions):
        pred[folds == k] = values
    return model, pred


def _by_fold(y: np.ndarray, pred: np.ndarray, folds: np.ndarray | None, weights: np.ndarray | None,
             metrics: Callable[[np.ndarray, np.ndarray, np.ndarray | None], dict[str, Any]]) -> pd.DataFrame:
    rows = [{"fold": "overall", "n": len(y), **metrics(y, pred, weights)}]
    if folds is not None:
        for k in np.unique(folds):
            part = folds == k
            rows.append({"fold": str(int(k)), "n": int(part.sum()),
                         **metrics(y[part], pred[part], None if weights is None else weights[part])})
    return pd.DataFrame(rows)


def _classification(y: Any, p: Any, w: Any) -> dict[str, Any]:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    auc = roc_auc_score(y, p, sample_weight=w) if len(np.unique(y)) == 2 else np.nan
    return {"auc": auc, "brier": brier_score_loss(y, p, sample_weight=w),
            "log_loss": log_loss(y, p, sample_weight=w, labels=[0, 1])}


def _regression(y: Any, pred: Any, w: Any) -> dict[str, Any]:
    return {"rmse": float(np.sqrt(mean_squared_error(y, pred, sample_weight=w))),
            "mae": mean_absolute_error(y, pred, sample_weight=w),
            "r2": r2_score(y, pred, sample_weight=w) if len(y) > 1 else np.nan}


def classification_metrics(y: np.ndarray, p: np.ndarray, folds: np.ndarray | None = None,
                           weights: np.ndarray | None = None) -> pd.DataFrame:
    """AUC, Brier score and log loss, overall and per fold."""
    return _by_fold(np.asarray(y), np.asarray(p, dtype=float), folds, weights, _classification)


def regression_metrics(y: np.ndarray, pred: np.ndarray, folds: np.ndarray | None = None,
                       weights: np.ndarray | None = None) -> pd.DataFrame:
    """RMSE, MAE and R^2, overall and per fold."""
    return _by_fold(np.asarray(y, dtype=float), np.asarray(pred, dtype=float), folds, weights, _regression)


def nuisance_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack per-model metric tables with a leading ``model`` column."""
    return pd.concat([table.assign(model=name) for name, table in tables.items()], ignore_index=True).pipe(
        lambda t: t[["model", *[c for c in t.columns if c != "model"]]])
