"""ATT and ATC: the effect among the treated and among the controls, against closed forms.

World: X ~ N(0, 1), P(A = 1 | X) = expit(gamma X), Y = 1 + X + A (1 + 2 X) + N(0, 1). The effect
at x is 1 + 2 x, so ATE = 1, ATT = 1 + 2 E[X | A = 1] and ATC = 1 + 2 E[X | A = 0]. By symmetry
P(A = 1) = 1/2, so E[X | A = 1] = 2 E[X expit(gamma X)] = -E[X | A = 0]; that expectation is
computed by quadrature, independently of every estimator. The outcome model (one OLS per arm) and
the logistic propensity are both correctly specified, so every estimator is consistent for its
estimand; the ATT and ATC lie far from the ATE, so an estimator that ignored ``estimand`` fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import WeightSpec, aipw, g_computation, ipw_msm, ipw_weights

GAMMA = 1.2


def true_effects(gamma: float = GAMMA) -> dict[str, float]:
    """Closed-form ATE / ATT / ATC of the world above (one numerical integral)."""
    shift, _ = integrate.quad(lambda x: x * special.expit(gamma * x) * stats.norm.pdf(x), -np.inf, np.inf)
    treated_mean_x = 2 * shift  # E[X | A = 1]; P(A = 1) = 1/2
    return {"ATE": 1.0, "ATT": 1 + 2 * treated_mean_x, "ATC": 1 - 2 * treated_mean_x}


def world(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    a = (rng.random(n) < special.expit(GAMMA * x)).astype(int)
    y = 1 + x + a * (1 + 2 * x) + rng.normal(size=n)
    return pd.DataFrame({"x": x, "a": a, "y": y, "cluster": np.arange(n) // 2})


TRUTH = true_effects()


def test_the_estimands_differ_enough_to_tell_apart():
    # plumbing of the test itself: the world separates the three estimands
    assert TRUTH["ATT"] - TRUTH["ATE"] > 0.6 and TRUTH["ATE"] - TRUTH["ATC"] > 0.6


@pytest.mark.parametrize("estimand", ["ATE", "ATT", "ATC"])
def test_every_estimator_recovers_its_estimand(estimand):
    data = world(40_000, seed=3)
    roles = dict(treatment="a", outcome="y", covariates=["x"], cluster="cluster")
    estimates = {
        "g-computation": g_computation(data, **roles, strategy="t", n_boot=0, estimand=estimand),
        "IPW-MSM": ipw_msm(data, **roles, weight_spec=WeightSpec(estimand=estimand), n_boot=0),
        "AIPW": aipw(data, **roles, n_boot=0, n_folds=3, estimand=estimand),
    }
    for name, result in estimates.items():
        assert result.to_record()["estimand"] == estimand, name
        tolerance = 4 * result.std_error if np.isfinite(result.std_error) else 0.05
        assert abs(result.estimate - TRUTH[estimand]) < max(tolerance, 0.02), (name, result.estimate)


def test_bootstrap_intervals_refit_the_att_weights():
    """The MSM bootstrap (propensity refitted in each replicate) and the g-computation bootstrap
    (moment refits) give intervals around the ATT that contain the truth and exclude the ATE."""
    data = world(20_000, seed=5)
    roles = dict(treatment="a", outcome="y", covariates=["x"], cluster="cluster", n_boot=200, seed=1)
    for result in (ipw_msm(data, **roles, weight_spec=WeightSpec(estimand="ATT")),
                   g_computation(data, **roles, strategy="t", estimand="ATT")):
        low, high = result.confint()
        assert low < TRUTH["ATT"] < high, (result.method, low, high)
        assert not low < TRUTH["ATE"] < high, (result.method, low, high)


def test_aipw_att_interval_covers_across_worlds():
    """Coverage of the AIPW ATT's influence-function interval over 80 independent worlds: a
    binomial(80, 0.95) count falls below 68 with probability under 0.5%."""
    covered = 0
    for seed in range(80):
        result = aipw(world(1_500, seed=100 + seed), "a", "y", ["x"], cluster="cluster", n_boot=0, n_folds=3,
                      estimand="ATT")
        low, high = result.confint()
        covered += low < TRUTH["ATT"] < high
    assert covered >= 68, covered


def test_att_weights_are_one_for_the_treated_and_the_odds_for_controls():
    # plumbing: the weights' definition, and that stabilising does not move the arm means
    a = np.array([1, 1, 0, 0, 0])
    e = np.array([0.5, 0.8, 0.2, 0.5, 0.75])
    raw = ipw_weights(a, e, stabilized=False, estimand="ATT")
    np.testing.assert_allclose(raw, [1, 1, 0.25, 1, 3])
    stable = ipw_weights(a, e, stabilized=True, estimand="ATT")
    np.testing.assert_allclose(stable / raw, [1, 1, 1.5, 1.5, 1.5])
    np.testing.assert_allclose(ipw_weights(a, e, stabilized=False, estimand="ATC"), [1, 0.25, 1, 1, 1])


def test_unknown_estimand_is_a_parameter_error():
    data = world(200, seed=0)
    with pytest.raises(ParameterError, match="estimand"):
        g_computation(data, "a", "y", ["x"], n_boot=0, estimand="CATE")
    with pytest.raises(ParameterError, match="estimand"):
        WeightSpec(estimand="att")


def test_aipw_answers_several_estimands_from_one_set_of_fits():
    data = world(20_000, seed=8)
    result = aipw(data, "a", "y", ["x"], cluster="cluster", n_boot=50, n_folds=3, also_estimands=["ATT", "ATC"])
    alone = aipw(data, "a", "y", ["x"], cluster="cluster", n_boot=50, n_folds=3, estimand="ATT")
    # plumbing: the same folds and fits give the ATT asked for on its own, bit for bit
    assert result.other_estimands["ATT"].estimate == alone.estimate
    assert result.other_estimands["ATT"].confint() == alone.confint()
    for estimand in ("ATT", "ATC"):
        low, high = result.other_estimands[estimand].confint()
        assert low < TRUTH[estimand] < high, (estimand, low, high)
