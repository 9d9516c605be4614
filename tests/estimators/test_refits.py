"""Bootstrap refits without passes over the rows, and on several processes.

Each fast path (logistic propensity by Newton steps from per-cluster Hessian sums, least-squares
models from per-cluster moment sums) is checked against refitting the same learner with
scikit-learn / statsmodels on the multiplicity-weighted rows of the same resamples; every
estimator that spreads work over processes must return identical results with one and two.
"""

import numpy as np
import pandas as pd
import pytest
from estimator_sims import confounded, mediated

from kuairec_causal.estimators import (
    WeightSpec,
    aipw_outcomes,
    cluster_bootstrap,
    cluster_multiplicities,
    fit_learner,
    fit_propensity,
    g_computation,
    ipw_msm_family,
    lightgbm_classifier,
    lightgbm_regressor,
    logistic_learner,
    logit_glm,
    mediation_crossfit_outcomes,
    mediation_gformula,
    mediation_rho_sensitivity,
    path_model,
    predict_mean,
    xgboost_regressor,
)
from kuairec_causal.estimators._logistic import LogisticReplicates, supports_logistic_moments
from kuairec_causal.estimators.paths import fit_linear_paths
from kuairec_causal.estimators.sensitivity import _sigma_rho, nie_at_rho


def _panel(n: int = 1500, clusters: int = 60, seed: int = 0) -> pd.DataFrame:
    """Clustered rows with a large-offset column (cancellation), a rare level and uneven weights."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"g": rng.integers(0, clusters, n), "x": 1e3 + rng.normal(size=n), "z": rng.exponential(size=n),
                       "c": rng.choice(["p", "q", "r"], n, p=[0.6, 0.38, 0.02]), "w": rng.uniform(0.5, 2.0, n)})
    df["a"] = (rng.random(n) < 1 / (1 + np.exp(-(df["x"] - 1e3) - 0.5 * df["z"] + 1))).astype(int)
    df["m"] = 0.5 * df["a"] + 0.3 * df["z"] + rng.normal(size=n)
    df["y"] = 1 + df["a"] + 0.8 * df["m"] + 0.2 * df["m"] * df["z"] + (df["x"] - 1e3) + rng.normal(size=n)
    df["y2"] = df["y"] ** 2 / 10 + df["a"]
    return df


def _tight(learner):
    """The same learner, converged far beyond its default tolerance (the reference optimum)."""
    if hasattr(learner, "steps"):
        return learner.set_params(logisticregression__solver="newton-cholesky", logisticregression__tol=1e-12)
    return learner.set_params(tol=1e-14)


@pytest.mark.parametrize("learner", [logistic_learner(), logistic_learner(C=0.05), logit_glm()],
                         ids=["scaler>logistic", "scaler>logistic C=0.05", "logit GLM"])
def test_logistic_replicates_equal_refits_on_the_rows(learner):
    df = _panel()
    X = np.column_stack([df["x"], df["z"], df["c"] == "q", df["c"] == "r"]).astype(float)
    a, w, codes = df["a"].to_numpy(float), df["w"].to_numpy(), df["g"].to_numpy()
    counts = cluster_multiplicities(60, 12, seed=3)
    fits = LogisticReplicates(learner, X, a, w, codes, 60)
    scores = fits.scores(fits.coefficients(counts))
    for b, count in enumerate(counts):
        k = count[codes]
        rows = np.flatnonzero(k)
        model = fit_learner(_tight(learner), X[rows], a[rows].astype(int), (w * k)[rows])
        np.testing.assert_allclose(scores[rows, b], predict_mean(model, X[rows]), rtol=0, atol=1e-9)


def test_only_logistic_learners_take_the_newton_path():
    from sklearn.linear_model import LogisticRegression

    assert supports_logistic_moments(logistic_learner()) and supports_logistic_moments(logit_glm())
    for learner in (LogisticRegression(fit_intercept=False), LogisticRegression(l1_ratio=1.0, solver="saga"),
                    LogisticRegression(class_weight="balanced"), lightgbm_classifier()):
        assert not supports_logistic_moments(learner), learner


def test_msm_family_replicates_equal_refitting_the_propensity_on_the_rows():
    df = _panel()
    lightgbm_weights = np.random.default_rng(1).uniform(0.5, 3, len(df))
    weightings = {"sw": WeightSpec(stabilized=True), "sw_clip": WeightSpec(stabilized=True, clip=3.0),
                  "ipw_bounds": WeightSpec(stabilized=False, propensity_bounds=(0.05, 0.95)),
                  "fixed": lightgbm_weights, "none": None}
    family = ipw_msm_family(df, "a", ["y", "y2"], weightings, ["x", "z"], ["c"], cluster="g", weights="w",
                            n_boot=15, seed=4)
    learner = _tight(logistic_learner(seed=4))
    X = np.column_stack([df["x"], df["z"], df["c"] == "q", df["c"] == "r"]).astype(float)  # the library's design
    codes = pd.factorize(df["g"], sort=True)[0]
    counts = cluster_multiplicities(codes.max() + 1, 15, 4)
    a, base = df["a"].to_numpy(float), df["w"].to_numpy()
    for b in range(15):
        k = counts[b][codes] * base
        rows = np.flatnonzero(k)
        e = predict_mean(fit_learner(learner, X[rows], a[rows].astype(int), k[rows]), X[rows])
        for name, spec in weightings.items():
            w = (spec.compute_unchecked(a[rows], e, k[rows]) if isinstance(spec, WeightSpec)
                 else np.ones(len(rows)) if spec is None else lightgbm_weights[rows]) * k[rows]
            for outcome in ("y", "y2"):
                y = df[outcome].to_numpy()[rows]
                treated, control = (np.average(y[a[rows] == arm], weights=w[a[rows] == arm]) for arm in (1, 0))
                assert family[(name, outcome)].replicates[b] == pytest.approx(treated - control, rel=1e-8, abs=1e-9)
    # the point estimates are weighted least squares with the full-sample weights
    assert family[("none", "y")].estimate == pytest.approx(df.y[df.a == 1].mean() - df.y[df.a == 0].mean(), rel=0.2)


def test_mediation_gformula_moment_replicates_equal_row_refits():
    from kuairec_causal.studies.mediation_models import ModifiedSlopesOLS

    df = _panel()
    names = ["x", "z", "c_q", "c_r"]
    modifiers = (ModifiedSlopesOLS(slope_columns=(0,), modifier_columns=(1 + names.index("z"),)),
                 ModifiedSlopesOLS(slope_columns=(0, 1), modifier_columns=(3 + names.index("z"),)))
    for mediator_learner, outcome_learner in (("ols", "ols"), modifiers):
        for weights in (None, "w"):
            fast, rows = (mediation_gformula(df, "a", "m", "y", ["x", "z"], ["c"], cluster="g", weights=weights,
                                             mediator_learner=mediator_learner, outcome_learner=outcome_learner,
                                             cde_values=[0.0, 1.0], n_boot=20, seed=2, linear_fast_path=flag)
                          for flag in (True, False))
            for name in rows.effects:
                assert fast[name].estimate == rows[name].estimate
                np.testing.assert_allclose(fast[name].replicates, rows[name].replicates, rtol=1e-9, atol=1e-10)


def test_path_model_and_rho_sensitivity_replicates_equal_row_refits():
    df = mediated(n=600, n_clusters=40, seed=5)
    df["w"] = np.random.default_rng(5).uniform(0.5, 2, len(df))
    paths = path_model(df, "a", "m", "y", ["x"], cluster="g", weights="w", n_boot=20, seed=3)
    codes = df["g"].to_numpy()
    a, m, y, X, w = (df[c].to_numpy(float) for c in ("a", "m", "y", "x", "w"))
    X = X[:, None]
    by_rows = cluster_bootstrap(lambda r, k: fit_linear_paths(a[r], m[r], y[r], X[r], w[r] * k).vector(), codes,
                                n_boot=20, seed=3)
    for j, name in enumerate(("alpha", "beta", "c_prime", "indirect", "total", "total_regression")):
        np.testing.assert_allclose(paths[name].replicates, by_rows[:, j], rtol=1e-9)
    grid = np.array([-0.5, 0.0, 0.3])
    rho = mediation_rho_sensitivity(df, "a", "m", "y", ["x"], cluster="g", weights="w", rho_grid=grid, n_boot=20,
                                    seed=3)

    def curve(r, k):
        fit = fit_linear_paths(a[r], m[r], y[r], X[r], w[r] * k)
        nie = nie_at_rho(fit.alpha, *_sigma_rho(fit, w[r] * k), grid)
        return np.concatenate([nie, fit.c_total - nie])

    low, high = np.nanquantile(cluster_bootstrap(curve, codes, n_boot=20, seed=3), [0.025, 0.975], axis=0)
    np.testing.assert_allclose(rho.table["nie_ci_lower"], low[:3], rtol=1e-9)
    np.testing.assert_allclose(rho.table["nde_ci_upper"], high[3:], rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# The same results with one process and with two


def _same(first, second) -> None:
    if isinstance(first, dict):
        assert first.keys() == second.keys()
        for key in first:
            _same(first[key], second[key])
    elif isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, second, check_exact=True)
    elif hasattr(first, "effects"):
        _same(first.effects, second.effects)
    elif hasattr(first, "effect"):
        _same(first.effect, second.effect)
        np.testing.assert_array_equal(first.scores, second.scores)
    else:
        assert (first.estimate, first.ci_lower, first.ci_upper) == (second.estimate, second.ci_lower, second.ci_upper)
        np.testing.assert_array_equal(first.replicates, second.replicates)


def test_results_do_not_depend_on_the_number_of_processes():
    df = confounded(n=800, n_clusters=60, seed=6)
    df["y2"] = df["y"] * 2 + df["x"]
    small_gbm = lightgbm_regressor(seed=1, n_estimators=10)
    runs = {}
    for jobs in (1, 2):
        runs[jobs] = {
            "gcomp": g_computation(df, "a", "y", ["x"], cluster="g", learner=small_gbm, strategy="t", n_boot=10,
                                   seed=1, fit_metrics=True, n_folds=3, n_jobs=jobs),
            "aipw": aipw_outcomes(df, "a", ["y", "y2"], ["x"], cluster="g", outcome_learner=small_gbm,
                                  propensity_learner=lightgbm_classifier(seed=1, n_estimators=10), n_folds=3, n_rep=2,
                                  n_boot=20, seed=1, n_jobs=jobs),
            "msm": ipw_msm_family(df, "a", ["y"], {"sw": WeightSpec()}, ["x"], cluster="g",
                                  propensity_learner=lightgbm_classifier(seed=1, n_estimators=10), n_boot=6, seed=2,
                                  n_jobs=jobs).effects,
            "propensity": fit_propensity(df, "a", ["x"], cluster="g", n_folds=3, seed=2, n_jobs=jobs,
                                         learner=lightgbm_classifier(seed=1, n_estimators=10)),
            # Newton refits on moment sums, 3 blocks of replicates spread over the processes
            "msm_logistic": ipw_msm_family(df, "a", ["y", "y2"], {"sw": WeightSpec(), "unweighted": None}, ["x"],
                                           cluster="g", propensity_learner="logistic", n_boot=60, seed=2,
                                           n_jobs=jobs).effects,
        }
        med = mediated(n=600, n_clusters=40, seed=7)
        runs[jobs]["mediation_mc"] = mediation_gformula(med, "a", "m", "y", ["x"], cluster="g",
                                                        outcome_learner=xgboost_regressor(seed=1, n_estimators=10),
                                                        n_mc=3, n_boot=6, seed=3, n_jobs=jobs)
        runs[jobs]["crossfit"] = mediation_crossfit_outcomes(med, "a", "m", ["y"], ["x"], cluster="g",
                                                             mediator_learner=small_gbm, outcome_learner=small_gbm,
                                                             n_mc=3, n_folds=3, n_boot=10, seed=3, n_jobs=jobs)
    _same(runs[1]["gcomp"], runs[2]["gcomp"])
    for name in ("aipw", "msm", "msm_logistic", "mediation_mc", "crossfit"):
        _same(runs[1][name], runs[2][name])
    for scores in ("scores", "oof_scores"):  # the full fit runs beside the folds
        np.testing.assert_array_equal(getattr(runs[1]["propensity"], scores), getattr(runs[2]["propensity"], scores))
    pd.testing.assert_frame_equal(runs[1]["crossfit"]["y"].row_effects, runs[2]["crossfit"]["y"].row_effects)
