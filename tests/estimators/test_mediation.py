from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
import statsmodels.api as sm
from estimator_sims import mediated
from scipy.stats import norm

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import (
    lightgbm_regressor,
    logistic_learner,
    mediation_crossfit,
    mediation_gformula,
    path_model,
    probit_glm,
)

FRAMING = Path(statsmodels.__file__).parent / "stats" / "tests" / "results" / "framing.csv"

# R `mediation` estimates published in statsmodels/stats/tests/test_mediation.py (framing data,
# 100 simulations each): (estimate, lower, upper) for the bootstrap and the parametric runs.
# Each published estimate is a mean of 100 draws, so it carries Monte Carlo error; the two runs
# themselves differ by up to 2.4 Monte Carlo SEs.
PUBLISHED = {
    "NIE(0)": [(0.085106, 0.029938, 0.141525), (0.075529, 0.024995, 0.132408)],  # ACME (control)
    "NIE": [(0.085674, 0.031089, 0.147762), (0.076348, 0.027475, 0.130138)],  # ACME (treated)
    "NDE": [(0.016938, -0.129157, 0.121945), (0.021389, -0.094323, 0.139148)],  # ADE (control)
    "NDE(1)": [(0.017506, -0.139649, 0.130030), (0.022207, -0.101239, 0.145740)],  # ADE (treated)
    "TE": [(0.102612, -0.036749, 0.227213), (0.097736, -0.025384, 0.225386)],  # Total effect
}


@pytest.mark.skipif(not FRAMING.exists(), reason="statsmodels test data not installed")
def test_framing_matches_published_r_mediation_estimates():
    data = pd.read_csv(FRAMING)
    result = mediation_gformula(data, "treat", "emo", "cong_mesg", ["age", "income"], ["educ", "gender"],
                                outcome_learner=probit_glm(), interaction=False, n_mc=400, n_boot=0, seed=1)
    assert result.diagnostics["integration"] == "monte_carlo"
    for name, runs in PUBLISHED.items():
        for estimate, low, high in runs:
            # Monte Carlo SE of a published mean of 100 draws: (interval width / 3.92) / sqrt(100)
            mc_se = (high - low) / 3.92 / 10
            assert abs(result[name].estimate - estimate) < 3.5 * mc_se, (name, result[name].estimate, estimate)


def test_linear_no_interaction_equals_path_model_products():
    df = mediated(n=500, n_clusters=50, seed=1)
    g = mediation_gformula(df, "a", "m", "y", ["x"], cluster="g", interaction=False, n_boot=0)
    p = path_model(df, "a", "m", "y", ["x"], cluster="g", n_boot=0)
    assert g["NIE"].estimate == pytest.approx(p["alpha"].estimate * p["beta"].estimate, rel=1e-9)
    assert g["NDE"].estimate == pytest.approx(p["c_prime"].estimate, rel=1e-9)
    assert g["TE"].estimate == pytest.approx(p["total_regression"].estimate, rel=1e-9)
    assert g["NDE(1)"].estimate == pytest.approx(g["NDE"].estimate, rel=1e-9)
    for cde in (k for k in g.effects if k.startswith("CDE")):
        assert g[cde].estimate == pytest.approx(g["NDE"].estimate, rel=1e-9)


def test_interaction_matches_vanderweele_closed_form():
    # M = b0 + b1 A + b2 X; Y = t0 + t1 A + t2 M + t3 A M + t4 X (VanderWeele & Vansteelandt 2009):
    # NDE = t1 + t3 (b0 + b2 E[X]); NIE = (t2 + t3) b1; CDE(m) = t1 + t3 m; and with the mediator at
    # its treated level NDE(1) = t1 + t3 (b0 + b1 + b2 E[X]), NIE(0) = t2 b1, TE = NDE(1) + t2 b1 +
    # t3 b1 = t1 + t2 b1 + t3 (b0 + b1 + b2 E[X]). Each is checked against its own closed form (the
    # library defines TE as NDE + NIE, so that identity alone would prove nothing).
    df = mediated(n=500, n_clusters=50, seed=2)
    df["y"] += 0.6 * df["a"] * df["m"]
    b = sm.OLS(df["m"], sm.add_constant(df[["a", "x"]])).fit().params
    t = sm.OLS(df["y"], sm.add_constant(df[["a", "m"]].assign(am=df.a * df.m, x=df.x))).fit().params
    g = mediation_gformula(df, "a", "m", "y", ["x"], cde_values=[-1.0, 2.0], n_boot=0)
    assert g["NDE"].estimate == pytest.approx(t["a"] + t["am"] * (b["const"] + b["x"] * df.x.mean()), rel=1e-8)
    assert g["NIE"].estimate == pytest.approx((t["m"] + t["am"]) * b["a"], rel=1e-8)
    assert g["CDE(m=2)"].estimate == pytest.approx(t["a"] + 2 * t["am"], rel=1e-8)
    mediator_treated = b["const"] + b["a"] + b["x"] * df.x.mean()
    assert g["NDE(1)"].estimate == pytest.approx(t["a"] + t["am"] * mediator_treated, rel=1e-8)
    assert g["NIE(0)"].estimate == pytest.approx(t["m"] * b["a"], rel=1e-8)
    assert g["TE"].estimate == pytest.approx(t["a"] + t["m"] * b["a"] + t["am"] * mediator_treated, rel=1e-8)


def test_binary_mediator_is_integrated_exactly():
    rng = np.random.default_rng(3)
    n = 800
    x = rng.normal(size=n)
    a = rng.integers(0, 2, n)
    m = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 1.2 * a + 0.5 * x)))).astype(int)
    y = 0.3 * a + 1.0 * m + 0.5 * a * m + x + rng.normal(size=n)
    df = pd.DataFrame({"a": a, "m": m, "y": y, "x": x})
    g = mediation_gformula(df, "a", "m", "y", ["x"], n_boot=0)
    assert g.diagnostics["integration"] == "exact"
    logit = sm.GLM(m, sm.add_constant(np.column_stack([a, x])), family=sm.families.Binomial()).fit(tol=1e-12)
    p1 = logit.predict(np.column_stack([np.ones(n), np.ones(n), x]))
    p0 = logit.predict(np.column_stack([np.ones(n), np.zeros(n), x]))
    t = sm.OLS(y, sm.add_constant(np.column_stack([a, m, a * m, x]))).fit().params
    assert g["NIE"].estimate == pytest.approx((t[2] + t[3]) * np.mean(p1 - p0), rel=1e-6)
    assert g["NDE"].estimate == pytest.approx(t[1] + t[3] * np.mean(p0), rel=1e-6)
    assert g["CDE(m=1)"].estimate == pytest.approx(t[1] + t[3], rel=1e-8)


def test_nonlinear_outcome_integrates_the_mediator_distribution():
    # Probit outcome and normal mediator errors: E[Phi(c + d M)] over M ~ N(mu, s^2) equals
    # Phi((c + d mu) / sqrt(1 + d^2 s^2)), far from the plug-in Phi(c + d mu).
    rng = np.random.default_rng(4)
    n = 3000
    a = rng.integers(0, 2, n)
    m = 1.0 * a + 1.5 * rng.normal(size=n)
    y = (rng.random(n) < norm.cdf(-0.3 + 0.2 * a + 0.9 * m)).astype(int)
    df = pd.DataFrame({"a": a, "m": m, "y": y})
    g = mediation_gformula(df, "a", "m", "y", outcome_learner=probit_glm(), interaction=False, n_mc=300,
                           n_boot=0, seed=2)
    med = sm.OLS(m, sm.add_constant(a)).fit()
    s = np.sqrt(np.mean(med.resid**2))
    out = sm.GLM(y, sm.add_constant(np.column_stack([a, m])),
                 family=sm.families.Binomial(link=sm.families.links.Probit())).fit(tol=1e-12).params
    mu = {k: med.params[0] + med.params[1] * k for k in (0, 1)}

    def integrated(a_value, m_arm):
        return norm.cdf((out[0] + out[1] * a_value + out[2] * mu[m_arm]) / np.sqrt(1 + out[2] ** 2 * s**2))

    def plug_in(a_value, m_arm):
        return norm.cdf(out[0] + out[1] * a_value + out[2] * mu[m_arm])

    nie_true, nie_plug = integrated(1, 1) - integrated(1, 0), plug_in(1, 1) - plug_in(1, 0)
    assert abs(nie_true - nie_plug) > 0.05
    assert g["NIE"].estimate == pytest.approx(nie_true, abs=0.01)
    assert g["NDE"].estimate == pytest.approx(integrated(1, 0) - integrated(0, 0), abs=0.01)
    assert g.diagnostics["n_mc"] == 300


def test_monte_carlo_agrees_with_exact_plug_in_for_a_linear_outcome():
    df = mediated(n=400, n_clusters=40, seed=5)
    exact = mediation_gformula(df, "a", "m", "y", ["x"], n_boot=0)
    mc = mediation_gformula(df, "a", "m", "y", ["x"], integration="monte_carlo", n_mc=200, n_boot=0)
    assert exact.diagnostics["integration"] == "plugin"
    for name in ("NDE", "NIE", "TE"):
        assert mc[name].estimate == pytest.approx(exact[name].estimate, abs=0.01)


def test_mediation_bootstrap_is_reproducible_and_refits_each_resample():
    df = mediated(n=200, n_clusters=20, seed=6)
    runs = [mediation_gformula(df, "a", "m", "y", ["x"], cluster="g", n_boot=15, seed=3) for _ in range(2)]
    np.testing.assert_array_equal(runs[0]["NIE"].replicates, runs[1]["NIE"].replicates)
    r = runs[0]
    # Every replicate refits both models on one user resample: without A*M, the g-formula of each
    # replicate equals the path model fitted on the same resample (same seed, same multiplicities),
    # effect by effect -- an independent fit, not the library's own TE = NDE + NIE.
    linear = mediation_gformula(df, "a", "m", "y", ["x"], cluster="g", interaction=False, n_boot=15, seed=3)
    paths = path_model(df, "a", "m", "y", ["x"], cluster="g", n_boot=15, seed=3)
    for effect, path in (("TE", "total_regression"), ("NIE", "indirect"), ("NDE", "c_prime")):
        np.testing.assert_allclose(linear[effect].replicates, paths[path].replicates, rtol=1e-9, atol=1e-12)
        assert np.std(linear[effect].replicates) > 0
    table = r.table()
    assert {"TE", "NDE", "NIE", "NDE(1)", "NIE(0)", "proportion_mediated", "mediator_shift"} <= set(table.estimand)
    assert r["NIE"].reference_mean == r.diagnostics["potential_means"]["E[Y(0,M(0))]"]


def test_crossfit_matches_full_sample_for_linear_models_and_returns_row_effects():
    df = mediated(n=600, n_clusters=60, seed=7)
    full = mediation_gformula(df, "a", "m", "y", ["x"], cluster="g", n_boot=0)
    cf = mediation_crossfit(df, "a", "m", "y", ["x"], cluster="g", n_folds=3, n_boot=50, seed=1)
    for name in ("TE", "NDE", "NIE"):
        assert cf[name].estimate == pytest.approx(full[name].estimate, abs=0.03)
        assert cf[name].ci_lower < cf[name].estimate < cf[name].ci_upper
    rows = cf.row_effects
    assert {"m0", "m1", "y00", "y10", "y11", "y01", "nde", "nie", "te", "fold"} <= set(rows.columns)
    assert cf["TE"].estimate == pytest.approx(rows["te"].mean())
    assert set(cf.nuisance_metrics["model"]) == {"mediator", "outcome"}
    assert cf["mediator_shift"].estimate == pytest.approx(0.8, abs=0.2)
    assert cf["TE"].relative_effect == pytest.approx(cf["TE"].estimate / rows["y00"].mean())


def test_crossfit_with_trees_uses_monte_carlo_and_reports_importances():
    df = mediated(n=300, n_clusters=30, seed=8)
    cf = mediation_crossfit(df, "a", "m", "y", ["x"], cluster="g", mediator_learner=lightgbm_regressor(0, 20),
                            outcome_learner=lightgbm_regressor(0, 20), n_mc=5, n_folds=3, n_boot=0)
    assert cf.diagnostics["integration"] == "monte_carlo" and cf.diagnostics["n_mc"] == 5
    assert cf.importances["outcome"].index[0] in {"M", "A_x_M"}
    # The planted direct (0.4) and indirect (0.8 x 0.5) effects are positive; shallow trees shrink
    # both, but neither may come out with the wrong sign.
    assert cf["NDE"].estimate > 0 and cf["NIE"].estimate > 0


def test_mediation_errors():
    df = mediated(n=100, n_clusters=10)
    with pytest.raises(ParameterError, match="mediator_learner is a classifier but mediator 'm' is continuous"):
        mediation_gformula(df, "a", "m", "y", mediator_learner=logistic_learner(), n_boot=0)
    with pytest.raises(ParameterError, match="integration='plugin'"):
        mediation_gformula(df.assign(y=(df.y > 0).astype(int)), "a", "m", "y", outcome_learner=probit_glm(),
                           integration="plugin", n_boot=0)
    with pytest.raises(ParameterError, match="outcome_learner is a classifier but outcome 'y' is not binary"):
        mediation_gformula(df, "a", "m", "y", outcome_learner="logit", n_boot=0)
    with pytest.raises(ParameterError, match="mediator column 'm' must be binary"):
        mediation_gformula(df, "a", "m", "y", mediator_type="binary", n_boot=0)
    with pytest.raises(ParameterError, match="cde_quantiles"):
        mediation_gformula(df, "a", "m", "y", cde_quantiles=[1.5], n_boot=0)
    with pytest.raises(ParameterError, match="mediator column 'zz' not in data"):
        mediation_gformula(df, "a", "zz", "y", n_boot=0)
