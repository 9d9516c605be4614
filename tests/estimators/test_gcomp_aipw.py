import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from estimator_sims import confounded
from kuairec_causal.estimators import (aipw, clustered_mean, compare_estimates, effect_moderators, g_computation,
                                       lightgbm_regressor, logit_glm, segment_effects, xgboost_regressor)


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
