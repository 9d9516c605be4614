"""Slow: do the longitudinal estimators' 95% intervals cover the exact policy means across seeds?

Nominal coverage is 0.95; with 200 (100) independent samples a floor of 0.88 fails by chance
with probability below 1e-4 (1e-2) when the true coverage is 0.95, and catches a coverage of 0.8.
"""

from __future__ import annotations

import numpy as np
import pytest
from longitudinal_models import (
    DISCRETE_ROLES,
    GAUSSIAN_ROLES,
    CellMeansClassifier,
    CellMeansRegressor,
    discrete_policy_mean,
    discrete_two_step,
    gaussian_mean,
    gaussian_two_step,
    incremental_policy,
)

from kuairec_causal.estimators import longitudinal as lg

pytestmark = pytest.mark.slow
FLOOR = 0.88
GAUSSIAN_CONTRAST = gaussian_mean(1, 1) - gaussian_mean(0, 0)


def _covers(part: lg.PolicyEstimate, truth: float) -> bool:
    low, high = part.confint(0.95)
    return bool(low <= truth <= high)


def test_sdr_and_ice_cover_the_closed_form_contrast():
    sdr, ice = [], []
    for seed in range(200):
        data = lg.LongitudinalData(gaussian_two_step(2000, seed=1000 + seed), **GAUSSIAN_ROLES)
        sdr.append(_covers(lg.sdr_regimes(data, seed=seed)["always - never"], GAUSSIAN_CONTRAST))
        if seed < 100:
            result = lg.ice_g_computation(data, n_boot=100, seed=seed)
            ice.append(_covers(result["always - never"], GAUSSIAN_CONTRAST))
    assert np.mean(sdr) >= FLOOR, f"SDR coverage {np.mean(sdr):.3f}"
    assert np.mean(ice) >= FLOOR, f"ICE coverage {np.mean(ice):.3f}"


def test_incremental_effects_cover_the_enumerated_contrasts():
    truth = {delta: discrete_policy_mean(incremental_policy(delta)) - discrete_policy_mean(incremental_policy(1.0))
             for delta in (0.5, 2.0)}
    covered = {delta: [] for delta in truth}
    cells = dict(outcome_learner=CellMeansRegressor(), propensity_learner=CellMeansClassifier())
    for seed in range(200):
        data = lg.LongitudinalData(discrete_two_step(4000, seed=2000 + seed), **DISCRETE_ROLES)
        result = lg.incremental_effects(data, **cells, seed=seed)
        for delta, value in truth.items():
            covered[delta].append(_covers(result.contrast(delta), value))
    for delta, hits in covered.items():
        assert np.mean(hits) >= FLOOR, f"delta={delta}: coverage {np.mean(hits):.3f}"
