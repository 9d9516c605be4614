import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from estimator_sims import mediated

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import (
    EffectEstimate,
    evalue_difference,
    evalue_effect,
    evalue_or,
    evalue_rr,
    mediation_rho_sensitivity,
    path_model,
)


def test_path_model_equals_statsmodels_weighted_regressions():
    df = mediated(n=300, n_clusters=30, seed=1)
    w = np.random.default_rng(1).uniform(0.5, 2.0, 300)
    p = path_model(df, "a", "m", "y", ["x"], cluster="g", weights=w, n_boot=30, seed=2)
    med = sm.WLS(df.m, sm.add_constant(df[["a", "x"]]), weights=w).fit()
    out = sm.WLS(df.y, sm.add_constant(df[["a", "m", "x"]]), weights=w).fit()
    tot = sm.WLS(df.y, sm.add_constant(df[["a", "x"]]), weights=w).fit()
    assert p["alpha"].estimate == pytest.approx(med.params["a"], rel=1e-9)
    assert p["beta"].estimate == pytest.approx(out.params["m"], rel=1e-9)
    assert p["c_prime"].estimate == pytest.approx(out.params["a"], rel=1e-9)
    assert p["total_regression"].estimate == pytest.approx(tot.params["a"], rel=1e-9)
    # OLS identity: c = c' + alpha * beta on the same rows and weights
    assert p["total"].estimate == pytest.approx(p["total_regression"].estimate, rel=1e-9)
    np.testing.assert_allclose(p["total"].replicates, p["total_regression"].replicates, rtol=1e-8)
    assert p.diagnostics["r2_mediator_model"] == pytest.approx(med.rsquared, rel=1e-9)
    assert p.diagnostics["r2_outcome_model"] == pytest.approx(out.rsquared, rel=1e-9)
    assert p["indirect"].ci_lower < p["indirect"].estimate < p["indirect"].ci_upper


# Published worked examples: VanderWeele & Ding (2017), Ann Intern Med 167:268 (smoking and lung
# cancer RR 10.73 [8.02, 14.36] -> 20.95 / 15.52; breastfeeding RR 3.9 [1.8, 8.7] -> 7.26 / 3.02);
# the remaining values are the examples of the EValue R package's test suite (Mathur et al.).
@pytest.mark.parametrize("args, kwargs, expected", [
    ((10.73, 8.02, 14.36), {}, (20.95, 15.52)),
    ((3.9, 1.8, 8.7), {}, (7.26, 3.0)),
    ((0.8, 0.71, 0.91), {"true_rr": 1.2}, (2.366, 1.967)),
])
def test_evalue_risk_ratio_published_examples(args, kwargs, expected):
    result = evalue_rr(*args, **kwargs)
    assert (result.evalue_estimate, result.evalue_ci) == pytest.approx(expected, abs=0.01)


def test_evalue_common_outcome_odds_ratio_and_standardized_difference():
    odds = evalue_or(1.47, 1.12, 1.93, rare_outcome=False)
    assert (odds.rr, odds.rr_ci_lower) == pytest.approx((1.212, 1.058), abs=1e-3)
    assert (odds.evalue_estimate, odds.evalue_ci) == pytest.approx((1.720, 1.307), abs=1e-3)
    diff = evalue_difference(-0.42, sd=1.0, std_error=0.14)
    assert (diff.rr, diff.rr_ci_upper) == pytest.approx((0.682, 0.875), abs=1e-3)
    assert (diff.evalue_estimate, diff.evalue_ci) == pytest.approx((2.292, 1.545), abs=1e-3)


def test_evalue_interval_containing_the_null_and_effect_estimates():
    assert evalue_rr(1.3, 0.9, 1.8).evalue_ci == 1.0
    assert evalue_rr(0.5, 0.3, 0.8).evalue_estimate == pytest.approx(2 + np.sqrt(2))
    effect = EffectEstimate(estimand="ATE", method="m", estimate=0.42, std_error=0.1, ci_lower=0.2, ci_upper=0.6,
                            n=10, n_clusters=10, ci_method="x")
    via_effect = evalue_effect(effect, outcome_sd=1.0)
    assert via_effect.rr == pytest.approx(np.exp(0.91 * 0.42))
    assert via_effect.evalue_ci == pytest.approx(evalue_rr(np.exp(0.91 * 0.2)).evalue_estimate)
    with pytest.raises(ParameterError, match="rr must be a positive ratio"):
        evalue_rr(-1)
    with pytest.raises(ParameterError, match="sd must be a positive number"):
        evalue_difference(0.3, sd=0)


def test_rho_sensitivity_recovers_the_truth_at_the_confounders_rho():
    rng = np.random.default_rng(3)
    n = 20000
    x, u, a = rng.normal(size=n), rng.normal(size=n), rng.integers(0, 2, n)
    m = 0.8 * a + 0.5 * x + 0.7 * u + rng.normal(size=n)  # u: unmeasured mediator-outcome confounder
    y = 0.4 * a + 0.5 * m + 0.3 * x + 0.7 * u + rng.normal(size=n)
    df = pd.DataFrame({"a": a, "m": m, "y": y, "x": x})
    induced = 0.49 / 1.49  # corr(0.7u + e_m, 0.7u + e_y)
    result = mediation_rho_sensitivity(df, "a", "m", "y", ["x"], rho_grid=[0.0, induced])
    naive, adjusted = result.table["nie"]
    assert abs(naive - 0.4) > 0.2  # the naive NIE is badly biased
    assert adjusted == pytest.approx(0.4, abs=0.03)
    assert result.table["nde"].iloc[1] == pytest.approx(0.4, abs=0.03)
    p = path_model(df, "a", "m", "y", ["x"], n_boot=0)
    assert result.naive_nie == pytest.approx(p["indirect"].estimate, rel=1e-9)
    zero = mediation_rho_sensitivity(df, "a", "m", "y", ["x"], rho_grid=[result.rho_at_zero])
    assert zero.table["nie"].iloc[0] == pytest.approx(0, abs=1e-9)


def test_rho_sensitivity_bootstrap_and_errors():
    df = mediated(n=200, n_clusters=20, seed=4)
    result = mediation_rho_sensitivity(df, "a", "m", "y", ["x"], cluster="g", n_boot=20, seed=1)
    table = result.table
    assert len(table) == 37 and {"nie_ci_lower", "nde_ci_upper", "r2_product_total"} <= set(table.columns)
    assert np.all(table["nie_ci_lower"] <= table["nie"]) and np.all(table["nie"] <= table["nie_ci_upper"])
    assert np.all(np.diff(table["nie"]) < 0)  # a stronger positive confounder explains more of the NIE
    with pytest.raises(ParameterError, match="rho_grid"):
        mediation_rho_sensitivity(df, "a", "m", "y", rho_grid=[1.0])
