import numpy as np
import pandas as pd
import pytest
from estimator_sims import confounded

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import (
    WeightSpec,
    balance_summary,
    balance_table,
    effective_sample_size,
    fit_propensity,
    ipw_weights,
    logit_glm,
    weight_diagnostics,
)


def test_plain_stabilized_and_clipped_weights_by_hand():
    a = np.array([1, 1, 0, 0, 0])
    e = np.array([0.5, 0.25, 0.5, 0.75, 0.2])
    np.testing.assert_allclose(ipw_weights(a, e, stabilized=False), [2, 4, 2, 4, 1.25])
    # marginal treated rate 2/5
    np.testing.assert_allclose(ipw_weights(a, e, stabilized=True), [0.8, 1.6, 1.2, 2.4, 0.75])
    np.testing.assert_allclose(ipw_weights(a, e, stabilized=False, clip=3), [2, 3, 2, 3, 1.25])
    np.testing.assert_allclose(ipw_weights(a, e, stabilized=False, propensity_bounds=(0.3, 0.7)),
                               [2, 1 / 0.3, 2, 1 / 0.3, 1 / 0.7])
    assert WeightSpec(stabilized=True, clip=2).compute(a, e).max() == 2


def test_stabilized_weights_average_about_one():
    df = confounded(n=4000, n_clusters=400, seed=5)
    e = fit_propensity(df, "a", ["x"], learner=logit_glm(), n_folds=None).scores
    assert ipw_weights(df["a"], e).mean() == pytest.approx(1.0, abs=0.05)
    assert ipw_weights(df["a"], e, stabilized=False).mean() == pytest.approx(2.0, abs=0.1)


def test_weight_diagnostics_effective_sample_size():
    equal = weight_diagnostics(np.full(50, 3.0))
    assert equal["ess"] == pytest.approx(50)
    assert equal["ess_share"] == pytest.approx(1.0)
    assert effective_sample_size([1.0, 1.0, 2.0]) == pytest.approx(16 / 6)
    d = weight_diagnostics(np.arange(1.0, 101.0))
    assert (d["min"], d["p50"], d["max"], d["mean"]) == pytest.approx((1, 50.5, 100, 50.5))


def test_balance_smd_matches_hand_computation():
    df = pd.DataFrame({"a": [1, 1, 1, 0, 0], "x": [1.0, 2.0, 3.0, 2.0, 4.0]})
    w = np.array([1.0, 1.0, 2.0, 1.0, 3.0])
    table = balance_table(df, "a", ["x"], weights=w)
    row = table.loc["x"]
    # unweighted: means 2 and 3, variances (ddof=1) 1 and 2 -> -1 / sqrt(1.5)
    assert row["treated_mean"] == pytest.approx(2.0)
    assert row["control_mean"] == pytest.approx(3.0)
    assert row["smd"] == pytest.approx(-1 / np.sqrt(1.5))
    # weighted: treated mean 9/4, var 2.75 / (4 - 6/4) = 1.1; control mean 14/4, var 3 / (4 - 10/4) = 2
    assert row["treated_mean_weighted"] == pytest.approx(2.25)
    assert row["control_mean_weighted"] == pytest.approx(3.5)
    assert row["smd_weighted"] == pytest.approx(-1.25 / np.sqrt(1.55))
    assert row["abs_smd_weighted"] == pytest.approx(1.25 / np.sqrt(1.55))


def test_balance_categorical_levels_and_summary_counts():
    df = pd.DataFrame({"a": [1, 1, 0, 0], "c": ["u", "v", "u", "u"], "x": [0.0, 1.0, 0.0, 1.0]})
    table = balance_table(df, "a", ["x"], ["c"], weights=np.ones(4))
    assert list(table.index) == ["x", "c_u", "c_v"]
    np.testing.assert_allclose(table["smd"], table["smd_weighted"])  # equal weights change nothing
    summary = balance_summary(table)
    assert summary["n_covariates"] == 3
    assert summary["n_above_0.1_before"] == 2  # c_u and c_v are imbalanced, x is not
    assert summary["max_abs_smd_after"] == pytest.approx(summary["max_abs_smd_before"])


def test_ipw_weighting_removes_imbalance():
    df = confounded(n=3000, n_clusters=300, seed=6)
    e = fit_propensity(df, "a", ["x"], learner=logit_glm(), n_folds=None).scores
    table = balance_table(df, "a", ["x"], weights=ipw_weights(df["a"], e))
    assert table.loc["x", "abs_smd"] > 0.5
    assert table.loc["x", "abs_smd_weighted"] < 0.1  # the conventional balance threshold


def test_weight_errors():
    with pytest.raises(ParameterError, match="treatment must be binary 0/1; found values \\[0, 1, 2\\]"):
        ipw_weights([0, 1, 2], [0.5, 0.5, 0.5])
    with pytest.raises(ParameterError, match="propensity must lie strictly inside"):
        ipw_weights([0, 1], [0.5, 0.0])
    with pytest.raises(ParameterError, match="propensity_bounds"):
        ipw_weights([0, 1], [0.5, 0.5], propensity_bounds=(0.6, 0.4))
    with pytest.raises(ParameterError, match="clip"):
        WeightSpec(clip=-1)
    with pytest.raises(ParameterError, match="negative"):
        weight_diagnostics([1.0, -1.0])
