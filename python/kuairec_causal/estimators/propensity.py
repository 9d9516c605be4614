"""Propensity scores P(A = 1 | X) from any classifier: in-sample and out-of-fold, with metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_int, check_seed
from ._data import prepare
from ._threads import single_threaded
from .crossfit import classification_metrics, fit_and_cross_fit, grouped_folds
from .design import DesignSpec
from .learners import fit_learner, predict_mean, require_classifier, resolve_learner


@dataclass(kw_only=True)
class PropensityResult:
    """``scores``: in-sample from the full fit; ``oof_scores``: out-of-fold (clusters kept within a
    fold); ``metrics``: AUC / Brier / log loss of the out-of-fold scores, overall and per fold."""

    scores: np.ndarray
    oof_scores: np.ndarray | None
    folds: np.ndarray | None
    metrics: pd.DataFrame
    model: object
    design: DesignSpec


def fit_propensity_model(learner: Any, X: np.ndarray, a: np.ndarray,
                         sample_weight: np.ndarray | None = None) -> tuple[Any, np.ndarray]:
    """Fit ``learner`` to the treatment and return (model, in-sample scores)."""
    require_classifier(learner, "propensity learner")
    model = fit_learner(learner, X, a.astype(int), sample_weight)
    return model, predict_mean(model, X)


@single_threaded
def fit_propensity(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    learner: Any = "logistic",
    n_folds: int | None = 5,
    seed: int = 0,
    weights: str | np.ndarray | None = None,
    n_jobs: int | None = 1,
) -> PropensityResult:
    """Fit a propensity model on all rows, plus out-of-fold scores when ``n_folds`` is set.

    Metrics describe the out-of-fold scores when available (an honest view of overlap and
    discrimination), else the in-sample ones.
    """
    learner = resolve_learner(learner, "learner")
    require_classifier(learner, "propensity learner")
    seed = check_seed(seed)
    prep = prepare(data, treatment, covariates=covariates, categorical=categorical, cluster=cluster,
                   weights=weights)
    oof = folds = None
    if n_folds is None:
        model, scores = fit_propensity_model(learner, prep.X, prep.a, prep.weights)
    else:
        folds = grouped_folds(prep.codes, check_int(n_folds, "n_folds", 2), seed)
        model, oof = fit_and_cross_fit(learner, prep.X, prep.a.astype(int), folds, prep.weights,
                                       desc="propensity fits", n_jobs=n_jobs)
        scores = predict_mean(model, prep.X)
    metrics = classification_metrics(prep.a, scores if oof is None else oof, folds, prep.weights)
    metrics.insert(0, "scores", "in-sample" if oof is None else "out-of-fold")
    return PropensityResult(scores=scores, oof_scores=oof, folds=folds, metrics=metrics, model=model,
                            design=prep.design)
