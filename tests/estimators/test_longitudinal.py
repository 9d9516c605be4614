"""Longitudinal g-methods against policy means known exactly (closed form or enumeration).

A check passes when the estimate lies within ``Z_TOLERANCE`` of its own standard errors of the
exact value; every model is large enough that the standard error is small, and seeds are fixed,
so the checks are deterministic. Where a method is expected to fail (naive adjustment for a
time-varying confounder, a wrong nuisance model without the other one to rescue it), the same
check is shown to reject it.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from longitudinal_models import (
    DISCRETE_ROLES,
    GAUSSIAN_ROLES,
    CellMeansClassifier,
    CellMeansRegressor,
    OracleClassifier,
    discrete_oracle,
    discrete_policy_mean,
    discrete_two_step,
    gaussian_mean,
    gaussian_propensity,
    gaussian_two_step,
    incremental_policy,
    static_policy,
)
from sklearn.dummy import DummyClassifier, DummyRegressor

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import clustered_mean, lightgbm_classifier, lightgbm_regressor
from kuairec_causal.estimators import longitudinal as lg

Z_TOLERANCE = 4.0
GAUSSIAN_TRUTH = {"always": gaussian_mean(1, 1), "never": gaussian_mean(0, 0)}
GAUSSIAN_TRUTH["always - never"] = GAUSSIAN_TRUTH["always"] - GAUSSIAN_TRUTH["never"]


def _close(estimate: float, truth: float, std_error: float) -> bool:
    return abs(estimate - truth) <= Z_TOLERANCE * std_error


def _assert_matches(result: lg.PolicyEffects, truth: dict[str, float]) -> None:
    for name, value in truth.items():
        part = result[name]
        assert np.isfinite(part.std_error) and part.std_error > 0, name
        assert _close(part.estimate, value, part.std_error), (
            f"{result.method} {name}: {part.estimate:.4f} (SE {part.std_error:.4f}) vs exact {value:.4f}")


@pytest.fixture(scope="module")
def gaussian():
    return gaussian_two_step(20_000, seed=11)


@pytest.fixture(scope="module")
def gaussian_panel(gaussian):
    return lg.LongitudinalData(gaussian, **GAUSSIAN_ROLES)


@pytest.fixture(scope="module")
def discrete():
    return discrete_two_step(40_000, seed=3)


@pytest.fixture(scope="module")
def discrete_panel(discrete):
    return lg.LongitudinalData(discrete, **DISCRETE_ROLES)


@pytest.fixture(scope="module")
def discrete_truth() -> dict[str, float]:
    truth = {"always": discrete_policy_mean(static_policy(1)), "never": discrete_policy_mean(static_policy(0))}
    for delta in (0.5, 1.0, 2.0):
        truth[f"delta={delta:g}"] = discrete_policy_mean(incremental_policy(delta))
    truth["always - never"] = truth["always"] - truth["never"]
    for delta in ("0.5", "2"):
        truth[f"delta={delta} - delta=1"] = truth[f"delta={delta}"] - truth["delta=1"]
    return truth


def test_enumerated_truth_is_the_observed_mean_under_the_natural_course(discrete, discrete_truth):
    natural = discrete_policy_mean(lambda step, r, propensity: propensity)
    assert natural == pytest.approx(discrete_truth["delta=1"], abs=1e-12)
    assert _close(discrete["y"].mean(), natural, discrete["y"].std() / np.sqrt(len(discrete)))


# -- time-varying confounding affected by treatment -----------------------------------------------

def test_ice_recovers_the_closed_form_where_naive_adjustment_for_the_confounder_fails(gaussian, gaussian_panel):
    result = lg.ice_g_computation(gaussian_panel, learner="ols", n_boot=50, seed=1)
    _assert_matches(result, GAUSSIAN_TRUTH)
    # Y on (L0, A0, L1, A1): A0's coefficient misses the path A0 -> L1 -> Y (0.7 * 0.8 = 0.56)
    naive = sm.OLS(gaussian["y"], sm.add_constant(gaussian[["l0", "a0", "l1", "a1"]])).fit().params
    contrast = result["always - never"]
    assert not _close(naive["a0"] + naive["a1"], GAUSSIAN_TRUTH["always - never"], contrast.std_error)
    assert naive["a0"] + naive["a1"] == pytest.approx(GAUSSIAN_TRUTH["always - never"] - 0.56, abs=0.1)


def test_sdr_is_consistent_with_a_wrong_outcome_model(gaussian_panel):
    wrong = DummyRegressor()  # ignores every covariate
    _assert_matches(lg.sdr_regimes(gaussian_panel, outcome_learner=wrong, seed=1), GAUSSIAN_TRUTH)
    plug_in = lg.ice_g_computation(gaussian_panel, learner=wrong, n_boot=0)["always - never"]
    assert not _close(plug_in.estimate, GAUSSIAN_TRUTH["always - never"], 0.05)


def test_sdr_is_consistent_with_a_wrong_propensity_model(gaussian_panel):
    wrong = DummyClassifier(strategy="prior")  # treatment as if randomised
    _assert_matches(lg.sdr_regimes(gaussian_panel, propensity_learner=wrong, seed=1), GAUSSIAN_TRUTH)
    weighted = lg.ipw_regimes(gaussian_panel, propensity_learner=wrong, n_boot=30, seed=1)
    contrast = weighted["always - never"]
    assert not _close(contrast.estimate, GAUSSIAN_TRUTH["always - never"], contrast.std_error)


def test_sdr_with_both_models_right(gaussian_panel):
    _assert_matches(lg.sdr_regimes(gaussian_panel, seed=2), GAUSSIAN_TRUTH)


def test_ipw_with_known_propensities_and_without_truncation(gaussian_panel):
    oracle = OracleClassifier(gaussian_propensity, widths=(1, 3))
    result = lg.ipw_regimes(gaussian_panel, propensity_learner=oracle, truncation_quantile=None,
                            n_boot=50, seed=1)
    _assert_matches(result, GAUSSIAN_TRUTH)
    assert result.diagnostics["weights"]["always"]["share_truncated"] == 0


def test_ipw_with_fitted_propensities_and_mild_truncation(gaussian_panel):
    result = lg.ipw_regimes(gaussian_panel, truncation_quantile=0.999, n_boot=50, seed=1)
    _assert_matches(result, GAUSSIAN_TRUTH)
    weights = result.diagnostics["weights"]["always"]
    assert 0 < weights["share_truncated"] <= 0.002 and weights["max_weight"] == pytest.approx(weights["cap"])
    assert "truncated at the 0.999 quantile" in result.method


def test_truncation_trades_bias_for_variance(gaussian_panel):
    """Capping the largest weights (here at the 95th percentile) biases the regime contrast."""
    result = lg.ipw_regimes(gaussian_panel, truncation_quantile=0.95, n_boot=30, seed=1)
    contrast = result["always - never"]
    assert not _close(contrast.estimate, GAUSSIAN_TRUTH["always - never"], contrast.std_error)


def test_lightgbm_learners(gaussian):
    data = gaussian.iloc[:6000]
    learners = dict(outcome_learner=lightgbm_regressor(seed=1, n_estimators=60),
                    propensity_learner=lightgbm_classifier(seed=1, n_estimators=60))
    _assert_matches(lg.sdr_regimes(lg.LongitudinalData(data, **GAUSSIAN_ROLES), **learners, seed=1), GAUSSIAN_TRUTH)
    # Plumbing: ICE takes the same learner. 60 shrunken trees under-fit the treatment terms, and
    # the plug-in keeps that bias (about -0.3 here) which SDR's correction above removes.
    ice = lg.ice_g_computation(lg.LongitudinalData(data, **GAUSSIAN_ROLES), learner=learners["outcome_learner"],
                               n_boot=0)
    assert ice["always - never"].estimate == pytest.approx(GAUSSIAN_TRUTH["always - never"], abs=0.5)


# -- treatment possible only on some steps; exact policy means by enumeration ------------------------

def test_static_regimes_where_treatment_is_not_always_possible(discrete, discrete_truth, discrete_panel):
    truth = {name: discrete_truth[name] for name in ("always", "never", "always - never")}
    cells = dict(outcome_learner=CellMeansRegressor(), propensity_learner=CellMeansClassifier())
    _assert_matches(lg.sdr_regimes(discrete_panel, **cells, seed=1), truth)
    _assert_matches(lg.ice_g_computation(discrete_panel, learner=CellMeansRegressor(), n_boot=40), truth)
    ipw = lg.ipw_regimes(discrete_panel, propensity_learner=CellMeansClassifier(),
                         truncation_quantile=None, n_boot=40)
    _assert_matches(ipw, truth)
    # "always" treats only where treatment is possible: P(follow) is the share of rows with A_s = R_s
    follows = np.mean((discrete["a0"] == discrete["r0"]) & (discrete["a1"] == discrete["r1"]))
    assert ipw.diagnostics["weights"]["always"]["share_following"] == pytest.approx(follows)


def test_incremental_effects_match_enumeration(discrete_truth, discrete_panel):
    result = lg.incremental_effects(discrete_panel, deltas=(0.5, 2.0), outcome_learner=CellMeansRegressor(),
                                    propensity_learner=CellMeansClassifier(), seed=1)
    _assert_matches(result, {name: value for name, value in discrete_truth.items() if name.startswith("delta")})
    assert result.contrast(2.0).estimate > 0 > result.contrast(0.5).estimate


def test_incremental_effects_with_known_propensities_and_a_wrong_outcome_model(discrete_truth, discrete_panel):
    oracle = OracleClassifier(discrete_oracle, widths=(3, 6))
    result = lg.incremental_effects(discrete_panel, outcome_learner=DummyRegressor(),
                                    propensity_learner=oracle, seed=1)
    _assert_matches(result, {name: value for name, value in discrete_truth.items() if name.startswith("delta")})


def test_natural_course_is_the_outcome_mean(discrete, discrete_panel):
    """Plumbing: delta = 1 leaves every step's propensity alone, so its mean is mean(Y)."""
    result = lg.incremental_effects(discrete_panel, deltas=(2.0,), outcome_learner=CellMeansRegressor(),
                                    propensity_learner=CellMeansClassifier(), seed=1)
    mean, se = clustered_mean(discrete["y"].to_numpy(), discrete["unit"].to_numpy())
    assert result.mean(1.0).estimate == pytest.approx(mean, rel=1e-12)
    assert result.mean(1.0).std_error == pytest.approx(se, rel=1e-9)


# -- result interface, determinism, bad input -----------------------------------------------------

def test_result_interface(gaussian, gaussian_panel):
    sdr = lg.sdr_regimes(gaussian_panel, seed=1)
    contrast = sdr.contrast("always")
    assert contrast is sdr["always - never"]
    assert contrast.confint() == pytest.approx((contrast.ci_lower, contrast.ci_upper))
    low90, high90 = contrast.confint(0.9)
    assert contrast.ci_lower < low90 < contrast.estimate < high90 < contrast.ci_upper
    assert 0 <= contrast.pvalue < 1e-6 and contrast.reference_mean == sdr.mean("never").estimate
    # the contrast's standard error comes from the difference of the two influence functions
    difference = sdr.mean("always").influence - sdr.mean("never").influence
    assert contrast.std_error == pytest.approx(clustered_mean(difference, gaussian["unit"].to_numpy())[1])
    table = sdr.summary()
    assert list(table["estimand"]) == ["E[Y(always)]", "E[Y(never)]", "E[Y(always)] - E[Y(never)]"]
    assert {"estimate", "std_error", "ci_lower", "ci_upper", "pvalue", "n_clusters"} <= set(table.columns)
    assert table["n_clusters"].iloc[0] == gaussian["unit"].nunique()
    ice = lg.ice_g_computation(gaussian_panel, n_boot=40, seed=1)["always - never"]
    assert ice.replicates.shape == (40,) and ice.confint() == pytest.approx((ice.ci_lower, ice.ci_upper))
    assert ice.confint(0.5)[1] - ice.confint(0.5)[0] < ice.ci_upper - ice.ci_lower
    assert ice.summary()["pvalue"].iloc[0] == ice.pvalue


def test_same_seed_same_numbers(discrete_panel):
    cells = dict(outcome_learner=CellMeansRegressor(), propensity_learner=CellMeansClassifier())
    runs = [lg.incremental_effects(discrete_panel, **cells, seed=5).summary() for _ in range(2)]
    assert runs[0].equals(runs[1])
    sdr = [lg.sdr_regimes(discrete_panel, **cells, seed=seed).summary()["estimate"] for seed in (5, 5, 6)]
    assert sdr[0].equals(sdr[1]) and not sdr[0].equals(sdr[2])
    boot = [lg.ice_g_computation(discrete_panel, learner=CellMeansRegressor(), n_boot=10, seed=5)
            for _ in range(2)]
    assert np.array_equal(boot[0]["always - never"].replicates, boot[1]["always - never"].replicates)


def test_same_numbers_on_one_or_two_processes(gaussian_panel):
    """Plumbing (determinism): folds and bootstrap replicates spread over two processes give the
    one-process numbers, bit for bit."""
    fits = {
        "ice": lambda jobs: lg.ice_g_computation(gaussian_panel, n_boot=6, seed=5, n_jobs=jobs),
        "ipw": lambda jobs: lg.ipw_regimes(gaussian_panel, truncation_quantile=0.99, n_boot=6, seed=5, n_jobs=jobs),
        "sdr": lambda jobs: lg.sdr_regimes(gaussian_panel, n_folds=3, seed=5, n_jobs=jobs),
        "incremental": lambda jobs: lg.incremental_effects(gaussian_panel, n_folds=3, seed=5, n_jobs=jobs),
    }
    for name, fit in fits.items():
        one, two = fit(1), fit(2)
        assert one.summary().equals(two.summary()), name
        for key in one.effects:
            if one[key].replicates is not None:
                assert np.array_equal(one[key].replicates, two[key].replicates), (name, key)


@pytest.mark.parametrize(("change", "message"), [
    (dict(data_edit=("a1", "r1")), "treatment column 'a1' is 1 on rows where 'r1' is 0"),
    (dict(time_varying=[["l0"]]), "time_varying must have one entry per treatment step (2); got 1"),
    (dict(possible=["r0"]), "possible must have one entry per treatment step (2); got 1"),
    (dict(outcome="missing"), "outcome column 'missing' not in data"),
    (dict(baseline=["l1"]), "column 'l1' is used both as a baseline covariate and as a time-varying covariate"),
])
def test_bad_roles_are_one_line(discrete, change, message):
    data = discrete.copy()
    change = dict(change)
    if "data_edit" in change:
        treated, possible = change.pop("data_edit")
        data.loc[data[possible] == 0, treated] = 1
    with pytest.raises(ParameterError) as error:
        lg.LongitudinalData(data, **{**DISCRETE_ROLES, **change})
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(("estimator", "arguments", "message"), [
    (lg.incremental_effects, dict(deltas=(1.0, 2.0)), "deltas must be distinct positive numbers other than 1"),
    (lg.sdr_regimes, dict(regimes={"always": 1}), "regimes must map at least two names"),
    (lg.ice_g_computation, dict(regimes={"a": (1, 0, 1), "b": 0}),
     "regime 'a' must be 0, 1 or one 0/1 decision per step (2)"),
    (lg.ipw_regimes, dict(truncation_quantile=0.2), "truncation_quantile must be in [0.5, 1] or None"),
])
def test_bad_options_are_one_line(discrete_panel, estimator, arguments, message):
    with pytest.raises(ParameterError) as error:
        estimator(discrete_panel, **arguments)
    assert message in str(error.value)


def test_roles_come_in_a_longitudinal_data(discrete):
    with pytest.raises(ParameterError, match="data must be a LongitudinalData"):
        lg.sdr_regimes(discrete)
