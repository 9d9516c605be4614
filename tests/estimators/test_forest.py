"""The settings forest (one tree walk per row for many settings of A, M, A*M) against the
libraries' own ``predict``: the same values bit for bit, on models with missing values, exact
zeros, values LightGBM reads as zero, single-leaf trees and both missing-value rules, and the
Monte Carlo mediation that uses it equal to the stacked ``predict`` path it replaces."""

import numpy as np
import pytest
from estimator_sims import mediated

from kuairec_causal.estimators import (
    lightgbm_classifier,
    lightgbm_regressor,
    mediation_crossfit_outcomes,
    mediation_gformula,
    xgboost_regressor,
)
from kuairec_causal.estimators import mediation as mediation_module
from kuairec_causal.estimators._forest import settings_forest

N_SETTINGS = 12


def _data(seed: int = 0, n: int = 3000, p: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows [A, M, A*M, X] with missing and zero covariates, and an outcome that depends on M."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[rng.random((n, p)) < 0.05] = np.nan
    X[rng.random((n, p)) < 0.05] = 0.0
    X[:, 2] = rng.integers(0, 3, n)
    a = rng.integers(0, 2, n).astype(float)
    m = rng.normal(size=n) + a
    m[rng.random(n) < 0.05] = 0.0
    y = np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) * m + a * m + rng.normal(size=n)
    return np.column_stack([a, m, a * m, X]), y, X


def _settings(rows: int, seed: int = 1) -> np.ndarray:
    """(rows x settings x 3) values of A, M, A*M, with NaNs, zeros and values below 1e-35."""
    rng = np.random.default_rng(seed)
    varying = np.empty((rows, N_SETTINGS, 3))
    for s in range(N_SETTINGS):
        m = rng.normal(size=rows)
        m[rng.random(rows) < 0.1] = 0.0
        m[:5], m[5:8] = 1e-40, np.nan
        varying[:, s, 0], varying[:, s, 1] = float(s % 2), m
        varying[:, s, 2] = varying[:, s, 0] * varying[:, s, 1]
    return varying


def _stacked_predict(model, fixed: np.ndarray, varying: np.ndarray) -> np.ndarray:
    frames = [np.column_stack([varying[:, s, :], fixed]) for s in range(varying.shape[1])]
    return np.asarray(model.predict(np.concatenate(frames)), dtype=float).reshape(varying.shape[1], len(fixed))


@pytest.mark.parametrize("model", [
    lightgbm_regressor(0, 60),
    lightgbm_regressor(0, 60, zero_as_missing=True),
    lightgbm_regressor(0, 30, min_split_gain=1e9),  # every tree a single leaf
    xgboost_regressor(0, 60),
    xgboost_regressor(0, 30, max_depth=8),
], ids=["lightgbm", "lightgbm-zero-as-missing", "lightgbm-single-leaves", "xgboost", "xgboost-deep"])
def test_settings_forest_equals_predict_bit_for_bit(model):
    design, y, X = _data()
    model.fit(design, y)
    forest = settings_forest(model)
    assert forest is not None
    rows = slice(0, 800)
    varying = _settings(800)
    got = forest.predict(X[rows], varying)
    np.testing.assert_array_equal(got, _stacked_predict(model, X[rows], varying))


def test_models_outside_the_covered_rules_are_left_to_predict():
    design, y, _ = _data()
    assert settings_forest(lightgbm_classifier(0, 10).fit(design, (y > 0).astype(int))) is None
    assert settings_forest(lightgbm_regressor(0, 10, linear_tree=True).fit(design, y)) is None
    assert settings_forest(lightgbm_regressor(0, 10, objective="poisson").fit(design, np.exp(y / 4))) is None
    assert settings_forest(xgboost_regressor(0, 10, objective="reg:pseudohubererror").fit(design, y)) is None


@pytest.mark.parametrize("learner", [lightgbm_regressor(0, 40), xgboost_regressor(0, 40)], ids=["lightgbm", "xgboost"])
def test_monte_carlo_mediation_equals_the_stacked_predict_path(learner, monkeypatch):
    """Plumbing: the mediation results are the same whether the settings forest or the stacked
    ``predict`` calls (the path for every other learner) evaluate the outcome model."""
    df = mediated(n=600, n_clusters=40, seed=3).assign(y2=lambda d: d.y * 2 + d.x)

    def run():
        cross = mediation_crossfit_outcomes(df, "a", "m", ["y", "y2"], ["x"], cluster="g", mediator_learner=learner,
                                            outcome_learner=learner, n_mc=6, n_folds=3, n_boot=20, seed=4)
        full = mediation_gformula(df, "a", "m", "y", ["x"], cluster="g", mediator_learner=learner,
                                  outcome_learner=learner, n_mc=6, n_boot=3, seed=4)
        return cross, full

    parsed = []
    monkeypatch.setattr(mediation_module, "settings_forest", lambda model: parsed.append(settings_forest(model))
                        or parsed[-1])
    fast_cross, fast_full = run()
    assert parsed and all(forest is not None for forest in parsed)  # the forest did the predictions
    monkeypatch.setattr(mediation_module, "settings_forest", lambda model: None)
    slow_cross, slow_full = run()
    for outcome in ("y", "y2"):
        np.testing.assert_array_equal(fast_cross[outcome].row_effects.to_numpy(),
                                      slow_cross[outcome].row_effects.to_numpy())
        assert fast_cross[outcome]["NIE"].ci_lower == slow_cross[outcome]["NIE"].ci_lower
    for name in ("TE", "NDE", "NIE"):
        assert fast_full[name].estimate == slow_full[name].estimate
        np.testing.assert_array_equal(fast_full[name].replicates, slow_full[name].replicates)
