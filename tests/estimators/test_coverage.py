"""Planted effects: intervals must cover the truth at close to the nominal rate.

The quick versions (30 data sets) catch grossly wrong intervals, e.g. ones that ignore the
clustering; the ``slow`` versions (200 data sets) check the rate more tightly.
"""

import numpy as np
import pytest
from estimator_sims import confounded, mediated

from kuairec_causal.estimators import aipw, g_computation, ipw_msm, logit_glm, mediation_gformula

ATE = 2.0
MEDIATION = {"TE": 0.8 * 0.5 + 0.4, "NDE": 0.4, "NIE": 0.8 * 0.5}


def _covered(effect, truth):
    return effect.ci_lower <= truth <= effect.ci_upper


def _coverage(n_sets: int) -> dict[str, float]:
    hits = {"g-computation": 0, "AIPW": 0, "IPW-MSM": 0, **{k: 0 for k in MEDIATION}}
    for s in range(n_sets):
        df = confounded(n=300, n_clusters=50, effect=ATE, seed=1000 + s)
        roles = dict(covariates=["x"], cluster="g", n_boot=99, seed=s)
        hits["g-computation"] += _covered(g_computation(df, "a", "y", **roles), ATE)
        hits["AIPW"] += _covered(aipw(df, "a", "y", n_folds=3, propensity_learner=logit_glm(), **roles).effect, ATE)
        hits["IPW-MSM"] += _covered(ipw_msm(df, "a", "y", propensity_learner=logit_glm(), **roles), ATE)
        med = mediation_gformula(mediated(n=300, n_clusters=50, seed=2000 + s), "a", "m", "y", **roles)
        for name, truth in MEDIATION.items():
            hits[name] += _covered(med[name], truth)
    return {k: v / n_sets for k, v in hits.items()}


def test_intervals_cover_planted_effects():
    for name, rate in _coverage(30).items():
        assert rate >= 0.8, f"{name}: coverage {rate:.2f}"


@pytest.mark.slow
def test_interval_coverage_is_near_nominal():
    for name, rate in _coverage(200).items():
        assert 0.89 <= rate <= 0.99, f"{name}: coverage {rate:.2f}"


def test_ignoring_clusters_would_fail_the_coverage_check():
    # Guards the check above: with strong cluster effects, row-level intervals are too narrow.
    hits_rows = hits_clusters = 0
    for s in range(30):
        rng = np.random.default_rng(3000 + s)
        df = confounded(n=300, n_clusters=15, effect=ATE, seed=3000 + s)
        df["y"] += 3 * rng.normal(size=15)[df["g"]] * df["a"]  # cluster-specific effects, mean zero
        roles = dict(covariates=["x"], n_boot=99, seed=s)
        hits_rows += _covered(g_computation(df, "a", "y", **roles), ATE)
        hits_clusters += _covered(g_computation(df, "a", "y", cluster="g", **roles), ATE)
    assert hits_rows / 30 < 0.8 <= hits_clusters / 30
