import numpy as np
import pandas as pd
import pytest
from estimator_sims import confounded, mediated
from scipy import stats

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import (
    EffectEstimate,
    WeightSpec,
    aipw,
    cluster_multiplicities,
    compare_estimates,
    g_computation,
    ipw_msm,
    logit_glm,
    mediation_gformula,
    msm_effect,
)


def test_msm_effect_weighted_means_by_hand():
    df = pd.DataFrame({"a": [1, 1, 0, 0], "y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 3.0, 1.0, 1.0]})
    r = msm_effect(df, "a", "y", weights="w")
    assert r.diagnostics["treated_mean"] == pytest.approx(1.75)
    assert r.diagnostics["control_mean"] == pytest.approx(3.5)
    assert r.estimate == pytest.approx(-1.75)
    assert r.relative_effect == pytest.approx(-0.5)
    assert r.ci_lower < r.estimate < r.ci_upper


def _duplicated(df: pd.DataFrame, cluster: str, counts: np.ndarray) -> pd.DataFrame:
    labels = np.sort(df[cluster].unique())
    parts = [df[df[cluster] == label] for label, k in zip(labels, counts) for _ in range(k)]
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("estimator", ["ipw", "gcomp", "mediation"])
def test_bootstrap_replicates_equal_refits_on_duplicated_resamples(estimator):
    df = mediated(n=120, n_clusters=12, seed=3)
    spec = WeightSpec(stabilized=True, clip=8)
    run = {
        "ipw": lambda d, b: ipw_msm(d, "a", "y", ["x"], cluster="g", propensity_learner=logit_glm(),
                                    weight_spec=spec, n_boot=b, seed=5),
        "gcomp": lambda d, b: g_computation(d, "a", "y", ["x"], cluster="g", strategy="t", n_boot=b, seed=5),
        "mediation": lambda d, b: mediation_gformula(d, "a", "m", "y", ["x"], cluster="g", n_boot=b,
                                                     seed=5)["NIE"],
    }[estimator]
    replicates = run(df, 6).replicates
    counts = cluster_multiplicities(12, 6, seed=5)
    for b in range(6):
        assert run(_duplicated(df, "g", counts[b]), 0).estimate == pytest.approx(replicates[b], rel=1e-7)


def test_ipw_msm_reports_weights_balance_and_covers_truth():
    df = confounded(n=1000, n_clusters=100, effect=2.0, seed=4)
    r = ipw_msm(df, "a", "y", ["x"], ["c"], cluster="g", weight_spec=WeightSpec(clip=10), n_boot=100, seed=2)
    assert r.ci_lower < 2.0 < r.ci_upper
    assert r.diagnostics["weights"]["max"] <= 10
    assert r.diagnostics["balance"]["max_abs_smd_after"] < r.diagnostics["balance"]["max_abs_smd_before"]
    assert r.ci_method.startswith("cluster bootstrap percentile")
    naive = msm_effect(df, "a", "y", cluster="g")
    assert not naive.ci_lower < 2.0 < naive.ci_upper  # the unweighted contrast is confounded


def test_effect_estimate_record_and_helpers():
    e = EffectEstimate(estimand="ATE", method="m", estimate=0.5, std_error=0.2, ci_lower=-0.1, ci_upper=0.9, n=100,
                       n_clusters=10, ci_method="x", reference_mean=2.0,
                       diagnostics={"weights": {"ess": 80.0}, "note": "ok", "table": pd.DataFrame()})
    assert e.relative_effect == 0.25
    assert e.interval_crosses_zero
    record = e.to_record()
    assert record["diag_weights_ess"] == 80.0 and record["diag_note"] == "ok"
    assert "diag_table" not in record and record["n_boot"] == 0
    assert pd.DataFrame([record]).shape[0] == 1
    with pytest.raises(ParameterError, match="compare_estimates needs bootstrap replicates"):
        compare_estimates(e, e)


def test_confint_at_another_level_is_formed_as_the_stored_interval():
    df = confounded(n=400, n_clusters=40, seed=8)
    roles = dict(covariates=["x"], cluster="g", seed=2)
    percentile = g_computation(df, "a", "y", n_boot=60, **roles)
    normal = msm_effect(df, "a", "y", cluster="g")
    result = aipw(df, "a", "y", n_folds=3, propensity_learner=logit_glm(), n_boot=60, **roles)
    scored = result.effect
    assert (result.estimate, result.confint(0.8), result.pvalue) == (scored.estimate, scored.confint(0.8),
                                                                    scored.pvalue)
    for result in (percentile, normal, scored):
        assert result.confint() == (result.ci_lower, result.ci_upper)  # the stored 95% interval
    # percentile: the replicates' quantiles at the new level, the same as a run with that alpha
    again = g_computation(df, "a", "y", n_boot=60, alpha=0.2, **roles)
    assert percentile.confint(0.8) == pytest.approx((again.ci_lower, again.ci_upper), rel=1e-12)
    # normal: estimate +/- z * SE; AIPW's score bootstrap: z * the replicates' SD
    z = stats.norm.ppf(0.95)
    assert normal.confint(0.9) == pytest.approx((normal.estimate - z * normal.std_error,
                                                 normal.estimate + z * normal.std_error), rel=1e-12)
    sd = np.std(scored.replicates, ddof=1)
    assert scored.confint(0.9) == pytest.approx((scored.estimate - z * sd, scored.estimate + z * sd), rel=1e-12)
    narrow, wide = percentile.confint(0.5), percentile.confint(0.99)
    assert wide[0] < percentile.ci_lower < narrow[0] < narrow[1] < percentile.ci_upper < wide[1]
    with pytest.raises(ParameterError, match="level"):
        normal.confint(95)


def test_pvalue_inverts_the_interval_and_summary_has_one_row():
    df = confounded(n=400, n_clusters=40, seed=9)
    normal = msm_effect(df, "a", "y", cluster="g")
    assert normal.pvalue == pytest.approx(2 * stats.norm.sf(abs(normal.estimate / normal.std_error)))
    percentile = g_computation(df, "a", "y", ["x"], cluster="g", n_boot=80, seed=3)
    reps = percentile.replicates
    assert percentile.pvalue == pytest.approx(min(1, 2 * min(np.mean(reps <= 0), np.mean(reps >= 0))))
    null = g_computation(df.assign(y=np.random.default_rng(0).normal(size=len(df))), "a", "y", ["x"], cluster="g",
                         n_boot=80, seed=3)
    assert null.pvalue > 0.05 and percentile.pvalue < 0.05  # a planted effect of 2 vs none
    # at level 1 - p the interval reaches 0 (the definition of the p-value by inversion)
    weak = msm_effect(df.assign(y=np.random.default_rng(1).normal(size=len(df))), "a", "y", cluster="g")
    assert 0.001 < weak.pvalue < 0.999
    low, high = weak.confint(1 - weak.pvalue)
    assert min(abs(low), abs(high)) == pytest.approx(0, abs=1e-9)
    table = percentile.summary(level=0.9)
    assert list(table.index) == ["ATE"] and table.loc["ATE", "ci_lower"] == percentile.confint(0.9)[0]
    assert {"estimate", "std_error", "z", "pvalue", "ci_lower", "ci_upper", "level"} <= set(table.columns)
