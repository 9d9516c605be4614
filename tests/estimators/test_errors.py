"""Bad arguments raise ParameterError with a one-line message naming the parameter or column."""

import numpy as np
import pytest
from estimator_sims import confounded, mediated

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import (
    aipw,
    balance_table,
    effect_moderators,
    g_computation,
    ipw_msm,
    lightgbm_regressor,
    mediation_crossfit,
    msm_effect,
    path_model,
    segment_effects,
)

DF = confounded(n=60, n_clusters=12)
MED = mediated(n=60, n_clusters=12)

CASES = [
    (lambda: g_computation(DF.assign(a=np.arange(60) % 3), "a", "y", n_boot=0),
     r"treatment column 'a' must be binary 0/1; found values \[0, 1, 2\]"),
    (lambda: g_computation(DF, "a", "y", ["x9"], n_boot=0), "covariate 'x9' not in data"),
    (lambda: g_computation(DF, "A", "y", n_boot=0), "treatment column 'A' not in data"),
    (lambda: g_computation(DF, "a", "nope", n_boot=0), "outcome column 'nope' not in data"),
    (lambda: g_computation(DF.assign(y=DF.y.where(DF.x > -1)), "a", "y", n_boot=0),
     "outcome column 'y' has .* missing"),
    (lambda: g_computation(DF, "a", "c", n_boot=0), "outcome column 'c' must be numeric"),
    (lambda: g_computation(DF, "a", "y", strategy="x", n_boot=0), "strategy must be one of"),
    (lambda: g_computation(DF, "a", "y", n_boot=1), "n_boot must be 0"),
    (lambda: g_computation(DF, "a", "y", seed=1.5), "seed must be an integer"),
    (lambda: g_computation(DF, "a", "y", alpha=0, n_boot=0), "alpha must be in"),
    (lambda: g_computation(DF, "a", "y", learner=object(), n_boot=0), "learner must be a scikit-learn"),
    (lambda: g_computation(DF, "a", "y", learner="forest", n_boot=0), "learner must be one of"),
    (lambda: g_computation(DF, "a", "y", ["x"], ["x"], n_boot=0), "column 'x' is used both"),
    (lambda: g_computation(DF, "a", "y", weights=-np.ones(60), n_boot=0), "weights has negative values"),
    (lambda: g_computation(DF, "a", "y", weights=np.ones(5), n_boot=0), "weights has 5 entries but data has 60"),
    (lambda: g_computation(DF, "a", "y", weights="w", n_boot=0), "weights column 'w' not in data"),
    (lambda: ipw_msm(DF, "a", "y", ["x"], propensity_learner=lightgbm_regressor(), n_boot=0),
     "propensity_learner must be a classifier"),
    (lambda: msm_effect(DF, "a", "y", cluster="nope"), "cluster column 'nope' not in data"),
    (lambda: aipw(DF, "a", "y", ["x"], propensity_bounds=(0.9, 0.1), n_boot=0), "propensity_bounds must satisfy"),
    (lambda: aipw(DF, "a", "y", ["x"], cluster="g", n_folds=13, n_boot=0), r"n_folds \(13\) exceeds"),
    (lambda: aipw(DF, "a", "y", ["x"], n_folds=1, n_boot=0), "n_folds must be >= 2"),
    (lambda: balance_table(DF, "a", ["x"], weights=np.full(60, np.nan)), "weights has missing"),
    (lambda: segment_effects(np.ones(60), np.ones(59), np.arange(60)), "must have the same length"),
    (lambda: effect_moderators(np.ones(60), np.ones((59, 2))), "X has 59 rows but scores has 60"),
    (lambda: path_model(MED, "a", "m", "y", ["c"], n_boot=0), "covariate 'c' not in data"),
    (lambda: mediation_crossfit(MED, "a", "m", "y", mediator_type="ordinal", n_boot=0),
     "mediator_type must be one of"),
    (lambda: mediation_crossfit(MED, "a", "m", "y", n_mc=0, n_boot=0), "n_mc must be >= 1"),
]


@pytest.mark.parametrize("call, message", CASES)
def test_parameter_errors(call, message):
    with pytest.raises(ParameterError, match=message) as info:
        call()
    assert "\n" not in str(info.value)
