import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from estimator_sims import confounded
from sklearn.linear_model import Ridge

from kuairec_causal.estimators import (
    aipw,
    clustered_mean,
    compare_estimates,
    effect_moderators,
    g_computation,
    lightgbm_regressor,
    logit_glm,
    ols_learner,
    ridge_learner,
    segment_effects,
    xgboost_regressor,
)


def test_gcomp_same_seed_same_replicates_and_relative_effect():
    df = confounded(n=300, n_clusters=30, seed=1)
    runs = [g_computation(df, "a", "y", ["x"], ["c"], cluster="g", n_boot=20, seed=s) for s in (4, 4, 5)]
    np.testing.assert_array_equal(runs[0].replicates, runs[1].replicates)
    assert not np.array_equal(runs[0].replicates, runs[2].replicates)
    r = runs[0]
    assert r.reference_mean == r.diagnostics["mean_y0"]
    assert r.relative_effect == pytest.approx(r.estimate / r.diagnostics["mean_y0"])
    assert r.n == 300 and r.n_clusters == 30


def test_gcomp_lightgbm_fast_path_equals_plain_scikit_learn_path():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"g": rng.integers(0, 30, 400), "x": rng.integers(0, 4, 400).astype(float)})
    df["a"] = (rng.random(400) < 0.3 + 0.1 * df["x"]).astype(int)
    df["y"] = 1.5 * df["a"] + df["x"] + rng.normal(size=400)
    learner = lightgbm_regressor(seed=1, n_estimators=15)
    for strategy in ("s", "t"):
        fast, plain = (g_computation(df, "a", "y", ["x"], cluster="g", learner=learner, strategy=strategy,
                                     n_boot=8, seed=3, lightgbm_fast_path=flag) for flag in (True, False))
        assert fast.estimate == pytest.approx(plain.estimate, rel=1e-10)
        np.testing.assert_allclose(fast.replicates, plain.replicates, rtol=1e-10)


@pytest.mark.parametrize("learner", [ols_learner(), ridge_learner(alpha=3.0), Ridge(alpha=0.5)],
                         ids=["ols", "scaler>ridge", "ridge"])
def test_gcomp_linear_fast_path_equals_refitting_scikit_learn_on_the_rows(learner):
    # Large offsets (x ~ 1e4) test the moment sums for cancellation; category "rare" exists only
    # among treated rows of two clusters, so it is absent from the control arm and from some
    # replicates; cluster 0 has no treated rows. Weights are non-integer.
    rng = np.random.default_rng(11)
    n = 500
    df = pd.DataFrame({"g": rng.integers(0, 25, n), "x": 1e4 + rng.normal(size=n), "z": rng.exponential(size=n),
                       "c": rng.choice(["p", "q", "r"], n), "w": rng.uniform(0.5, 2.0, n)})
    df["a"] = (rng.random(n) < 1 / (1 + np.exp(-(df["x"] - 1e4)))).astype(int)
    df.loc[df["g"] == 0, "a"] = 0
    df.loc[(df["a"] == 1) & df["g"].isin([3, 4]), "c"] = "rare"
    df["y"] = 2 * df["a"] + 0.5 * (df["x"] - 1e4) + df["z"] + (df["c"] == "q") + rng.normal(size=n)
    for strategy in ("s", "t"):
        fast, plain = (g_computation(df, "a", "y", ["x", "z"], ["c"], cluster="g", learner=learner, weights="w",
                                     strategy=strategy, n_boot=30, seed=5, linear_fast_path=flag)
                       for flag in (True, False))
        assert fast.estimate == plain.estimate  # the point fit is the same in both
        np.testing.assert_allclose(fast.replicates, plain.replicates, rtol=1e-7, atol=1e-9)
        for name in ("ci_lower", "ci_upper", "relative_ci_lower", "relative_ci_upper"):
            assert getattr(fast, name) == pytest.approx(getattr(plain, name), rel=1e-7), name
        for name in ("mean_y1_ci_lower", "mean_y0_ci_upper"):
            assert fast.diagnostics[name] == pytest.approx(plain.diagnostics[name], rel=1e-9), name


def test_gcomp_tree_learners_recover_a_planted_effect_and_report_fit():
    df = confounded(n=1500, n_clusters=150, effect=2.0, seed=3)
    for learner in (lightgbm_regressor(seed=0, n_estimators=60), xgboost_regressor(seed=0, n_estimators=60)):
        r = g_computation(df, "a", "y", ["x"], cluster="g", learner=learner, strategy="t", n_boot=0,
                          fit_metrics=True, n_folds=3)
        assert r.estimate == pytest.approx(2.0, abs=0.25)
        assert 0.3 < r.diagnostics["fit"]["r2"] < 0.95
        assert len(r.diagnostics["fit_by_fold"]) == 4


def test_paired_replicates_make_differences_exact():
    # Without covariates the S- and T-learner both equal the difference in means on every resample.
    df = confounded(n=200, n_clusters=20, seed=4)
    s, t = (g_computation(df, "a", "y", cluster="g", strategy=k, n_boot=25, seed=9) for k in ("s", "t"))
    assert s.ci_upper - s.ci_lower > 0.1
    diff = compare_estimates(s, t)
    assert (diff.estimate, diff.ci_lower, diff.ci_upper) == pytest.approx((0, 0, 0), abs=1e-9)


def test_clustered_mean_se_equals_statsmodels_cluster_robust_se():
    rng = np.random.default_rng(5)
    clusters = rng.integers(0, 25, 200)
    values = rng.normal(size=25)[clusters] + rng.normal(size=200)
    mean, se = clustered_mean(values, clusters)
    ref = sm.OLS(values, np.ones(200)).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    assert mean == pytest.approx(ref.params[0])
    assert se == pytest.approx(ref.bse[0], rel=1e-10)


def test_aipw_returns_scores_nuisances_and_consistent_uncertainty():
    df = confounded(n=800, n_clusters=80, seed=6)
    r = aipw(df, "a", "y", ["x"], ["c"], cluster="g", propensity_learner=logit_glm(), n_boot=400, seed=1)
    assert r.effect.estimate == pytest.approx(r.scores.mean())
    assert r.effect.estimate == pytest.approx(r.mean_y1 - r.mean_y0)
    assert list(r.nuisances.columns) == ["mu1", "mu0", "propensity", "fold"]
    assert df.assign(fold=r.nuisances["fold"]).groupby("g")["fold"].nunique().max() == 1
    # the bootstrap over scores and the influence-function SE estimate the same quantity
    assert np.std(r.effect.replicates, ddof=1) / r.effect.std_error == pytest.approx(1.0, abs=0.15)
    assert set(r.metrics["model"]) == {"outcome", "propensity"}
    assert r.effect.ci_lower < 2.0 < r.effect.ci_upper


def test_aipw_repeated_cross_fitting_aggregates_independent_splits():
    # Split r of an n_rep run is the single-split fit with fold seed seed + r; the aggregate is
    # their mean, with variance mean_s(se_s^2 + (theta_s - theta)^2) (Chernozhukov et al. 2018).
    df = confounded(n=600, n_clusters=60, seed=8)
    roles = dict(covariates=["x"], categorical=["c"], cluster="g", propensity_learner=logit_glm(),
                 outcome_learner=lightgbm_regressor(seed=0, n_estimators=20), n_folds=3)
    single = [aipw(df, "a", "y", **roles, n_boot=0, seed=10 + r).effect for r in range(3)]
    theta, se = np.array([s.estimate for s in single]), np.array([s.std_error for s in single])
    assert np.ptp(theta) > 0  # the splits differ, so the spread term is exercised
    repeated = aipw(df, "a", "y", **roles, n_boot=0, seed=10, n_rep=3)
    assert repeated.effect.estimate == pytest.approx(theta.mean(), rel=1e-12)
    assert repeated.effect.diagnostics["split_estimates"] == pytest.approx(list(theta), rel=1e-12)
    assert repeated.effect.std_error == pytest.approx(np.sqrt(np.mean(se**2 + (theta - theta.mean()) ** 2)))
    assert repeated.scores.mean() == pytest.approx(theta.mean(), rel=1e-12)


def test_aipw_interval_is_normal_on_the_bootstrap_sd_of_split_mixed_replicates():
    df = confounded(n=600, n_clusters=60, seed=9)
    roles = dict(covariates=["x"], cluster="g", propensity_learner=logit_glm(), n_folds=3, n_boot=50, seed=4)
    r = aipw(df, "a", "y", **roles, n_rep=2).effect
    sd = np.std(r.replicates, ddof=1)
    assert len(r.replicates) == 50
    assert (r.ci_lower, r.ci_upper) == pytest.approx((r.estimate - 1.959964 * sd, r.estimate + 1.959964 * sd))
    # replicates alternate between the splits: even ones equal the first split's score bootstrap
    first = aipw(df, "a", "y", **roles).effect
    np.testing.assert_allclose(r.replicates[::2], first.replicates[::2], rtol=1e-12)


def test_segment_effects_means_filter_and_clustered_se():
    rng = np.random.default_rng(7)
    clusters = rng.integers(0, 40, 400)
    segments = np.where(rng.random(400) < 0.9, "big", "small")
    scores = np.where(segments == "big", 1.0, 3.0) + rng.normal(size=40)[clusters] + rng.normal(size=400)
    table = segment_effects(scores, segments, clusters, n_boot=200, seed=2, min_rows=100, min_clusters=10)
    big = table.set_index("segment").loc["big"]
    part = segments == "big"
    assert big["estimate"] == pytest.approx(scores[part].mean())
    ref = sm.OLS(scores[part], np.ones(part.sum())).fit(cov_type="cluster", cov_kwds={"groups": clusters[part]})
    assert big["std_error"] == pytest.approx(ref.bse[0], rel=1e-10)
    assert big["ci_lower"] < big["estimate"] < big["ci_upper"]
    assert table.set_index("segment")["passes_size_filter"].to_dict() == {"big": True, "small": False}


def test_effect_moderators_find_the_planted_moderator():
    rng = np.random.default_rng(8)
    n = 1500
    X = pd.DataFrame({"mod": rng.normal(size=n), "noise": rng.normal(size=n), "tier": rng.choice(["a", "b"], n)})
    scores = 2 + 1.5 * X["mod"] + 2 * rng.normal(size=n)  # noisy scores, effect varies with "mod" only
    result = effect_moderators(scores, X, clusters=rng.integers(0, 150, n), n_buckets=4, seed=1)
    assert result.importances.index[0] == "mod"
    means = result.buckets["mean_score"].to_numpy()
    assert np.all(np.diff(means) > 0)
    assert means[-1] - means[0] > 3
    assert np.corrcoef(result.predicted, X["mod"])[0, 1] > 0.9


def test_linear_fast_path_takes_only_plain_least_squares_learners():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    from kuairec_causal.estimators._moments import supports_moments

    class Squared(type(ols_learner())):  # a subclass that transforms its columns must not qualify
        def fit(self, X, y, sample_weight=None):
            return super().fit(np.asarray(X) ** 2, y, sample_weight)

    assert supports_moments(ols_learner()) and supports_moments(ridge_learner()) and supports_moments(Ridge())
    for learner in (Squared(), Ridge(fit_intercept=False), Ridge(positive=True),
                    make_pipeline(PolynomialFeatures(2), Ridge()),
                    make_pipeline(StandardScaler(with_std=False), Ridge()),
                    lightgbm_regressor(seed=0)):
        assert not supports_moments(learner), learner


def test_segment_replicate_summaries_and_moderator_bucket_labels_come_from_the_library():
    from kuairec_causal.estimators import bootstrap_std, bootstrap_weighted_means

    df = confounded(n=600, n_clusters=40, seed=12)
    scores = df["y"].to_numpy() - df["y"].mean()
    labels = np.where(df["x"] > 0, "high", "low")
    table = segment_effects(scores, labels, df["g"], n_boot=30, seed=4)
    replicates = bootstrap_weighted_means(scores, df["g"].to_numpy(), 30, 4, None, pd.factorize(labels, sort=True)[0])
    np.testing.assert_allclose(table["bootstrap_std"], bootstrap_std(replicates))
    np.testing.assert_allclose(table["bootstrap_mean"], replicates.mean(axis=0))
    moderators = effect_moderators(scores, df[["x"]], clusters=df["g"], n_buckets=4, n_folds=3, seed=1)
    counts = pd.Series(moderators.bucket).value_counts().sort_index()
    assert list(counts.index) == [1, 2, 3, 4] and list(counts) == list(moderators.buckets["n_rows"])
    for b in (1, 4):  # each label marks the rows whose predictions the bucket's range spans
        part = moderators.predicted[moderators.bucket == b]
        row = moderators.buckets.set_index("bucket").loc[b]
        assert (part.min(), part.max()) == (row["predicted_min"], row["predicted_max"])
