"""Closed-form cases: each estimator must hit a number known without running it."""

import numpy as np
import pandas as pd
import pytest
from estimator_sims import balanced_blocks

from kuairec_causal.estimators import (
    WeightSpec,
    aipw,
    bootstrap_weighted_means,
    g_computation,
    ipw_msm,
    logit_glm,
    mediation_gformula,
    msm_effect,
    path_model,
)


def strata(heterogeneous: bool) -> pd.DataFrame:
    """Deterministic outcomes in two strata with treated shares 0.3 and 0.7 (repeated 4 times)."""
    x = np.tile(np.r_[np.zeros(10), np.ones(10)], 4)
    a = np.tile(np.r_[np.ones(3), np.zeros(7), np.ones(7), np.zeros(3)], 4)
    effect = 2 + x if heterogeneous else np.full_like(x, 2.0)
    return pd.DataFrame({"x": x, "a": a.astype(int), "y": effect * a + 3 * x + 1})


@pytest.mark.parametrize("heterogeneous, truth", [(False, 2.0), (True, 2.5)])
def test_ipw_with_the_true_propensity_is_exact(heterogeneous, truth):
    df = strata(heterogeneous)
    raw = df.loc[df.a == 1, "y"].mean() - df.loc[df.a == 0, "y"].mean()
    assert abs(raw - truth) > 0.5  # confounded: the raw contrast is wrong
    e = np.where(df.x == 1, 0.7, 0.3)  # known propensity
    given = msm_effect(df, "a", "y", weights=np.where(df.a == 1, 1 / e, 1 / (1 - e)))
    assert given.estimate == pytest.approx(truth, abs=1e-12)
    # a saturated unpenalised logit recovers the stratum shares exactly
    for stabilized in (True, False):
        fitted = ipw_msm(df, "a", "y", ["x"], propensity_learner=logit_glm(),
                         weight_spec=WeightSpec(stabilized=stabilized), n_boot=0)
        assert fitted.estimate == pytest.approx(truth, abs=1e-8)


@pytest.mark.parametrize("heterogeneous, truth", [(False, 2.0), (True, 2.5)])
def test_gcomp_and_aipw_with_a_correct_linear_outcome_model_are_exact(heterogeneous, truth):
    df = strata(heterogeneous)
    strategies = ["t"] if heterogeneous else ["s", "t"]
    for strategy in strategies:
        g = g_computation(df, "a", "y", ["x"], learner="ols", strategy=strategy, n_boot=0)
        assert g.estimate == pytest.approx(truth, abs=1e-9)
        assert g.diagnostics["mean_y0"] == pytest.approx(1 + 3 * 0.5, abs=1e-9)
    for n_rep in (1, 3):
        dr = aipw(df, "a", "y", ["x"], outcome_learner="ols", strategy="t", n_folds=2, n_boot=0, seed=3, n_rep=n_rep)
        assert dr.effect.estimate == pytest.approx(truth, abs=1e-9)
        np.testing.assert_allclose(dr.scores, 2 + (df.x if heterogeneous else 0), atol=1e-9)


def test_without_confounding_every_estimator_equals_the_difference_in_means():
    df = balanced_blocks(n_clusters=10, seed=1)
    dim = df.loc[df.a == 1, "y"].mean() - df.loc[df.a == 0, "y"].mean()
    roles = dict(covariates=["x"], categorical=["c"], cluster="g")
    estimates = {
        "g-comp S": g_computation(df, "a", "y", **roles, strategy="s", n_boot=0).estimate,
        "g-comp T": g_computation(df, "a", "y", **roles, strategy="t", n_boot=0).estimate,
        "IPW": ipw_msm(df, "a", "y", **roles, propensity_learner=logit_glm(), n_boot=0).estimate,
        "AIPW": aipw(df, "a", "y", **roles, propensity_learner=logit_glm(), n_folds=5, n_boot=0).effect.estimate,
        "mediation TE": mediation_gformula(df, "a", "m", "y", **roles, n_boot=0)["TE"].estimate,
        "path total": path_model(df, "a", "m", "y", **roles, n_boot=0)["total"].estimate,
    }
    for name, value in estimates.items():
        assert value == pytest.approx(dim, abs=1e-8), name


def test_gcomp_bootstrap_replicates_equal_bootstrapped_difference_in_means():
    # Each cluster is a balanced block, so every cluster resample is balanced too and the
    # g-computation replicate must equal that resample's difference in means.
    df = balanced_blocks(n_clusters=10, seed=2)
    g = g_computation(df, "a", "y", ["x"], ["c"], cluster="g", n_boot=30, seed=5)
    means = bootstrap_weighted_means(df["y"].to_numpy(), df["g"].to_numpy(), 30, 5, groups=df["a"].to_numpy())
    np.testing.assert_allclose(g.replicates, means[:, 1] - means[:, 0], atol=1e-9)
    assert g.ci_lower < g.estimate < g.ci_upper
