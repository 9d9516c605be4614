"""Nuisance learners: default factories, two statsmodels-backed adapters, and fit/predict helpers.

Every estimator takes scikit-learn-compatible learners and uses only :func:`fit_learner`
(clone + fit with sample weights routed through pipelines) and :func:`predict_mean`
(probability of class 1 for classifiers, prediction for regressors).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pandas as pd
import scipy.linalg
import statsmodels.api as sm
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from kuairec_causal.errors import ParameterError

from ._checks import check_choice

# ---------------------------------------------------------------------------------------------
# Adapters


class OLS(RegressorMixin, BaseEstimator):  # type: ignore[misc]  # sklearn has no type information
    """Weighted least squares with an intercept, fast enough to refit in every bootstrap replicate.

    Solves the weighted normal equations of centred, scale-normalised columns with LAPACK's
    minimum-norm least squares (``scipy.linalg.lstsq``), so collinear or all-zero columns (a
    dummy absent from a replicate) get a zero coefficient instead of an error. Coefficients
    equal statsmodels' WLS; integer weights give exactly the fit on duplicated rows.
    """

    def features(self, X: Any) -> np.ndarray:
        """The regression features of input rows ``X``: the columns themselves. A subclass may
        return other columns (products, transforms); fit and predict then use those, and the
        bootstrap still refits from per-cluster sums (:mod:`._moments`)."""
        return np.asarray(X, dtype=float)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        X = self.features(X)
        y = np.asarray(y, dtype=float)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        total = w.sum()
        x_mean = w @ X / total
        y_mean = w @ y / total
        root = np.sqrt(w)
        scaled = X - x_mean
        scaled *= root[:, None]  # sqrt(w)-scaled centred columns: Z'Z is one symmetric (syrk) product
        self.coef_ = ols_coefficients(scaled.T @ scaled, scaled.T @ (root * (y - y_mean)))
        self.intercept_ = float(y_mean - x_mean @ self.coef_)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: Any) -> np.ndarray:
        return cast(np.ndarray, self.features(X) @ self.coef_ + self.intercept_)


def ols_coefficients(gram: np.ndarray, moment: np.ndarray) -> np.ndarray:
    """Minimum-norm solution of the centred normal equations ``gram @ coef = moment`` (columns
    scale-normalised first, so the cut-off for collinearity does not depend on units)."""
    scale = np.sqrt(np.clip(np.diag(gram), 0, None))
    scale[scale == 0] = 1.0
    coef, *_ = scipy.linalg.lstsq(gram / np.outer(scale, scale), moment / scale, cond=1e-10, lapack_driver="gelsd")
    return cast(np.ndarray, coef / scale)


class BinaryGLM(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # sklearn has no type information
    """Unpenalised binomial GLM (logit or probit link) fitted by statsmodels IRLS.

    ``sample_weight`` enters as frequency weights, so integer weights equal duplicated rows.
    """

    def __init__(self, link: str = "logit", tol: float = 1e-10, max_iter: int = 100):
        self.link = link
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        link = {"logit": sm.families.links.Logit(), "probit": sm.families.links.Probit()}.get(self.link)
        if link is None:
            raise ParameterError(f"link must be 'logit' or 'probit'; got {self.link!r}")
        exog = np.column_stack([np.ones(len(X)), np.asarray(X, dtype=float)])
        model = sm.GLM(np.asarray(y, dtype=float), exog, family=sm.families.Binomial(link=link),
                       freq_weights=None if sample_weight is None else np.asarray(sample_weight, dtype=float))
        self.result_ = model.fit(tol=self.tol, maxiter=self.max_iter)
        self.coef_ = np.asarray(self.result_.params[1:])
        self.intercept_ = float(self.result_.params[0])
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = exog.shape[1] - 1
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        exog = np.column_stack([np.ones(len(X)), np.asarray(X, dtype=float)])
        p1 = self.result_.model.family.link.inverse(exog @ self.result_.params)
        return np.column_stack([1 - p1, p1])

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


# ---------------------------------------------------------------------------------------------
# Factories (all single-threaded and seeded)


def ols_learner() -> OLS:
    """Ordinary (weighted) least squares."""
    return OLS()


def logit_glm() -> BinaryGLM:
    """Unpenalised logistic regression (statsmodels GLM)."""
    return BinaryGLM("logit")


def probit_glm() -> BinaryGLM:
    """Unpenalised probit regression (statsmodels GLM)."""
    return BinaryGLM("probit")


def logistic_learner(C: float = 1.0, max_iter: int = 1000, seed: int = 0) -> Pipeline:
    """Standardised L2 logistic regression (lbfgs, deterministic; ``seed`` fixes ``random_state``)."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter, random_state=seed))


def ridge_learner(alpha: float = 1.0, seed: int = 0) -> Pipeline:
    """Standardised ridge regression."""
    return make_pipeline(StandardScaler(), Ridge(alpha=alpha, random_state=seed))


def _lightgbm_params(seed: int, n_estimators: int, learning_rate: float, num_leaves: int, max_bin: int,
                     min_child_samples: int, overrides: dict[str, Any]) -> dict[str, Any]:
    params = dict(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves, max_bin=max_bin,
                  min_child_samples=min_child_samples, random_state=seed, n_jobs=1, verbose=-1,
                  deterministic=True, force_row_wise=True)
    params.update(overrides)
    return params


def lightgbm_regressor(seed: int = 0, n_estimators: int = 150, learning_rate: float = 0.05, num_leaves: int = 31,
                       max_bin: int = 63, min_child_samples: int = 20, **overrides: Any) -> Any:
    """LightGBM regressor with moderate defaults (``overrides`` go to ``LGBMRegressor``)."""
    from lightgbm import LGBMRegressor

    return LGBMRegressor(**_lightgbm_params(seed, n_estimators, learning_rate, num_leaves, max_bin,
                                            min_child_samples, overrides))


def lightgbm_classifier(seed: int = 0, n_estimators: int = 150, learning_rate: float = 0.05, num_leaves: int = 31,
                        max_bin: int = 63, min_child_samples: int = 20, **overrides: Any) -> Any:
    """LightGBM binary classifier with moderate defaults."""
    from lightgbm import LGBMClassifier

    return LGBMClassifier(**_lightgbm_params(seed, n_estimators, learning_rate, num_leaves, max_bin,
                                             min_child_samples, overrides))


def _xgboost_params(seed: int, n_estimators: int, learning_rate: float, max_depth: int, max_bin: int,
                    overrides: dict[str, Any]) -> dict[str, Any]:
    params = dict(n_estimators=n_estimators, learning_rate=learning_rate, max_depth=max_depth, max_bin=max_bin,
                  tree_method="hist", random_state=seed, n_jobs=1, verbosity=0)
    params.update(overrides)
    return params


def xgboost_regressor(seed: int = 0, n_estimators: int = 150, learning_rate: float = 0.05, max_depth: int = 6,
                      max_bin: int = 63, **overrides: Any) -> Any:
    """XGBoost (hist) regressor."""
    from xgboost import XGBRegressor

    return XGBRegressor(**_xgboost_params(seed, n_estimators, learning_rate, max_depth, max_bin, overrides))


def xgboost_classifier(seed: int = 0, n_estimators: int = 150, learning_rate: float = 0.05, max_depth: int = 6,
                       max_bin: int = 63, **overrides: Any) -> Any:
    """XGBoost (hist) binary classifier."""
    from xgboost import XGBClassifier

    return XGBClassifier(**_xgboost_params(seed, n_estimators, learning_rate, max_depth, max_bin, overrides))


_NAMED: dict[str, Callable[[], Any]] = {"ols": ols_learner, "logit": logit_glm, "probit": probit_glm,
                                        "logistic": logistic_learner, "ridge": ridge_learner}


def resolve_learner(learner: Any, parameter: str) -> Any:
    """A learner object, or a fresh one for a documented name: 'ols' (:func:`ols_learner`), 'ridge'
    (:func:`ridge_learner`), 'logistic' (:func:`logistic_learner`), 'logit' / 'probit'
    (:func:`logit_glm` / :func:`probit_glm`). Every learner parameter takes either."""
    if isinstance(learner, str):
        check_choice(learner, parameter, sorted(_NAMED))
        return _NAMED[learner]()
    if not (hasattr(learner, "fit") and (hasattr(learner, "predict") or hasattr(learner, "predict_proba"))):
        raise ParameterError(f"{parameter} must be a scikit-learn style estimator or a name; got {learner!r}")
    return learner


def require_classifier(learner: Any, parameter: str) -> None:
    if not (is_classifier(learner) and hasattr(learner, "predict_proba")):
        raise ParameterError(f"{parameter} must be a classifier with predict_proba; got {type(learner).__name__}")


# ---------------------------------------------------------------------------------------------
# Fitting and predicting


def _accepts_sample_weight(estimator: Any) -> bool:
    return "sample_weight" in inspect.signature(estimator.fit).parameters


def fit_learner(learner: Any, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Any:
    """Fit a fresh clone of ``learner``; weights reach every pipeline step that accepts them."""
    model = clone(learner)
    if sample_weight is None:
        return model.fit(X, y)
    if isinstance(model, Pipeline):
        params = {f"{name}__sample_weight": sample_weight for name, step in model.steps
                  if step not in (None, "passthrough") and _accepts_sample_weight(step)}
        if f"{model.steps[-1][0]}__sample_weight" not in params:
            raise ParameterError(f"learner {type(model.steps[-1][1]).__name__} does not accept sample_weight")
        return model.fit(X, y, **params)
    if not _accepts_sample_weight(model):
        raise ParameterError(f"learner {type(model).__name__} does not accept sample_weight")
    return model.fit(X, y, sample_weight=sample_weight)


def predict_mean(model: Any, X: np.ndarray) -> np.ndarray:
    """E[y | X]: P(y = 1) for a classifier, the prediction for a regressor."""
    if is_classifier(model):
        return np.asarray(model.predict_proba(X))[:, 1]
    return np.asarray(model.predict(X), dtype=float)


def final_step(model: Any) -> Any:
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


_LINEAR = (OLS, LinearRegression, Ridge, Lasso, ElasticNet)


def is_linear_regressor(model: Any) -> bool:
    """True when predictions are affine in each feature (so E[f(M)] = f(E[M]))."""
    if isinstance(model, Pipeline):
        head = [step for _, step in model.steps[:-1] if step not in (None, "passthrough")]
        if not all(isinstance(step, StandardScaler) for step in head):
            return False
    return isinstance(final_step(model), _LINEAR)


def describe_learner(learner: Any) -> str:
    if isinstance(learner, Pipeline):
        return " > ".join(type(step).__name__ for _, step in learner.steps)
    if isinstance(learner, BinaryGLM):
        return f"BinaryGLM({learner.link})"
    return type(learner).__name__


def feature_importances(model: Any, names: list[str]) -> pd.Series:
    """Importance shares (sum 1): gain for LightGBM, ``feature_importances_`` for other trees,
    |coefficient| for linear models (comparable across features only when they are standardised,
    as in :func:`ridge_learner` / :func:`logistic_learner`)."""
    final = final_step(model)
    if hasattr(final, "booster_"):  # LightGBM: gain is more informative than split counts
        values = final.booster_.feature_importance(importance_type="gain")
    elif hasattr(final, "feature_importances_"):
        values = final.feature_importances_
    elif hasattr(final, "coef_"):
        values = np.abs(np.ravel(final.coef_))
    else:
        return pd.Series(np.nan, index=names, name="importance")
    values = np.asarray(values, dtype=float)
    total = values.sum()
    return pd.Series(values / total if total > 0 else values, index=names, name="importance").sort_values(
        ascending=False)
