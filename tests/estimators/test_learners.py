import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression

from kuairec_causal.estimators import (
    OLS,
    fit_learner,
    lightgbm_regressor,
    logistic_learner,
    logit_glm,
    predict_mean,
    probit_glm,
    ridge_learner,
)
from kuairec_causal.estimators._lightgbm import BinnedLightGBM


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 3, n), rng.normal(size=n) * 100])
    y = 1 + X @ [0.5, -1.0, 0.01] + rng.normal(size=n)
    return X, y, rng.integers(1, 4, n).astype(float)


def test_ols_equals_statsmodels_wls():
    X, y, w = _data()
    ours = OLS().fit(X, y, sample_weight=w)
    ref = sm.WLS(y, sm.add_constant(X), weights=w).fit()
    np.testing.assert_allclose(np.r_[ours.intercept_, ours.coef_], ref.params, rtol=1e-9)


def test_ols_collinear_and_empty_columns_do_not_fail():
    X, y, _ = _data()
    X = np.column_stack([X, X[:, 0], np.zeros(len(y))])
    pred = OLS().fit(X, y).predict(X)
    ref = sm.OLS(y, sm.add_constant(X[:, :3])).fit().fittedvalues
    np.testing.assert_allclose(pred, ref, rtol=1e-8)


def test_binary_glm_equals_statsmodels_and_integer_weights_equal_duplicated_rows():
    X, y, w = _data()
    b = (y > np.median(y)).astype(int)
    for learner, link in ((logit_glm(), sm.families.links.Logit()), (probit_glm(), sm.families.links.Probit())):
        ref = sm.GLM(b, sm.add_constant(X), family=sm.families.Binomial(link=link)).fit(tol=1e-12)
        np.testing.assert_allclose(predict_mean(fit_learner(learner, X, b), X), ref.fittedvalues, rtol=1e-6, atol=1e-9)
    rows = np.repeat(np.arange(len(b)), w.astype(int))
    weighted = predict_mean(fit_learner(logit_glm(), X, b, w), X)
    duplicated = predict_mean(fit_learner(logit_glm(), X[rows], b[rows]), X)
    np.testing.assert_allclose(weighted, duplicated, rtol=1e-7)


def test_pipelines_route_weights_so_integer_weights_equal_duplicated_rows():
    X, y, w = _data()
    b = (y > np.median(y)).astype(int)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    for learner, target in ((ridge_learner(), y), (logistic_learner(), b)):
        weighted = predict_mean(fit_learner(learner, X, target, w), X)
        duplicated = predict_mean(fit_learner(learner, X[rows], target[rows]), X)
        np.testing.assert_allclose(weighted, duplicated, rtol=1e-5, atol=1e-6)
    assert isinstance(logistic_learner().steps[-1][1], LogisticRegression)


def test_binned_lightgbm_matches_sklearn_fit_with_weights():
    # Few distinct feature values: bins are identical whether built on all rows or on the subset,
    # so the fast path must reproduce LGBMRegressor exactly.
    rng = np.random.default_rng(1)
    X = rng.integers(0, 5, size=(300, 3)).astype(float)
    y = X @ [1.0, -0.5, 0.2] + rng.normal(size=300)
    rows = np.sort(rng.choice(300, 200, replace=False))
    w = rng.integers(1, 4, 200).astype(float)
    learner = lightgbm_regressor(seed=3, n_estimators=20)
    flipped = X.copy()
    flipped[:, 0] = 4 - flipped[:, 0]
    binned = BinnedLightGBM(learner, X, y, {"flipped": flipped})
    booster = binned.fit(rows, w)
    reference = fit_learner(learner, X[rows], y[rows], w)
    np.testing.assert_allclose(binned.fitted_scores(booster), reference.predict(X[rows]), rtol=1e-10)
    others = np.setdiff1d(np.arange(300), rows)
    np.testing.assert_allclose(binned.scores(booster, "flipped", others), reference.predict(flipped[others]),
                               rtol=1e-10)
    assert isinstance(pd.Series(reference.feature_importances_).sum(), (int, np.integer, float))
