"""What the long-term study analyses: population, exposure, outcomes, adjustment set, learners,
weightings and heterogeneity segments, declared in one place (as ``mediation_spec`` does for the
mediation study); the names of window columns follow the build's panel windows (``Columns.of``).
``long_term`` runs the estimator library on this specification.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kuairec_causal import estimators as est
from kuairec_causal.studies.common import long_term_truth_outcomes
from kuairec_causal.windows import PanelWindows

STUDY = "long_term"
MART = "mart_long_term_analysis"
TREATMENT = "treatment"
CLUSTER = "user_id"
# Pre-treatment history: the previous day (lag_1_*) and the sum over the previous history window
# (prior_<h>day_*). The capped watch ratio stands in for the raw one: raw ratios carry re-watch
# loops of up to several hundred, which dominate linear models without adding information.
HISTORY_MEASURES = ("active_day", "interactions", "total_play_duration_sec", "avg_watch_ratio_capped",
                    "high_watch_share", "complete_or_rewatch_share", "valid_play_share",
                    "discovery_candidate_share", "satisfaction_depth_score")
CALENDAR = ["calendar_day_index"]
PROFILE_NUMERIC = ["register_days", "follow_user_num", "fans_user_num", "friend_user_num", "is_lowactive_period",
                   "is_live_streamer", "is_video_author", *[f"onehot_feat{i}" for i in range(18)]]
CATEGORICAL = ["day_of_week_name", "user_active_degree"]


@dataclass(frozen=True)
class Columns:
    """The mart columns the study uses whose names follow the build's panel windows."""

    outcomes: dict[str, str]  # mart column -> outcome name of the simulator's ground truth (primary first)
    primary_outcome: str
    average_daily_outcome: str
    numeric: list[str]
    # Inputs of the effect-moderator model: the histories and the calendar (what a targeting
    # rule could use), not the anonymised profile codes.
    moderators: list[str]
    # Heterogeneity: (segment type, the pre-treatment column cut into quantile buckets).
    segments: tuple[tuple[str, str], ...]
    prior_raw_watch_ratio: str  # read for the watch-ratio segments only

    @classmethod
    def of(cls, windows: PanelWindows) -> Columns:
        outcomes = {column: name for name, column in long_term_truth_outcomes(windows).items()}
        history = [*(f"lag_1_{m}" for m in HISTORY_MEASURES), *(windows.prior(m) for m in HISTORY_MEASURES)]
        segments = (("prior_interactions_bucket", windows.prior("interactions")),
                    ("lag_interactions_bucket", "lag_1_interactions"),
                    ("prior_watch_ratio_bucket", windows.prior("avg_watch_ratio")),
                    ("prior_high_watch_bucket", windows.prior("high_watch_share")))
        return cls(outcomes=outcomes, primary_outcome=windows.horizon("interactions"),
                   average_daily_outcome=windows.horizon("avg_daily_interactions"),
                   numeric=[*history, *CALENDAR, *PROFILE_NUMERIC], moderators=[*history, *CALENDAR, "day_of_week"],
                   segments=segments, prior_raw_watch_ratio=windows.prior("avg_watch_ratio"))

    @property
    def secondary_outcomes(self) -> list[str]:
        return [c for c in self.outcomes if c != self.primary_outcome]

    @property
    def order(self) -> dict[str, int]:
        """Display order of the outcomes: the primary first."""
        return {column: order for order, column in enumerate([self.primary_outcome, *self.secondary_outcomes])}


ANALYSIS_WEIGHT_CAP = 10.0
AIPW_PROPENSITY_BOUNDS = (0.01, 0.99)
# Independent cross-fitting splits averaged by AIPW. On small panels the split itself moves the
# estimate and the score bootstrap of one split cannot see that (see estimators.aipw): with one
# split the interval covered the planted effect in 15 of 20 200-user releases, with 3 splits in
# 37 of 40 (tests/studies/test_long_term.py, coverage over releases).
AIPW_SPLITS = 3
SEGMENT_BUCKETS = 4
MODERATOR_BUCKETS = 5
SEGMENT_MIN_ROWS = 300
SEGMENT_MIN_USERS = 30
# LightGBM g-computation refits two boosters per replicate (~0.3 s at 72k rows): the primary
# outcome gets the full n_boot, secondary outcomes at most this many replicates.
LIGHTGBM_SECONDARY_MAX_BOOT = 50


def learners(seed: int) -> dict[str, Any]:
    """Nuisance learners. LightGBM outcome models are small (60 trees of 15 leaves at learning
    rate 0.15): as accurate out of fold as 150 trees of 31 leaves on this panel, at a third of
    the cost per bootstrap refit."""
    return {
        "logistic": est.logistic_learner(seed=seed),
        "lightgbm_propensity": est.lightgbm_classifier(seed=seed, n_estimators=100, learning_rate=0.1,
                                                       num_leaves=15, min_child_samples=50),
        "ridge": est.ridge_learner(alpha=1.0, seed=seed),
        "lightgbm_outcome": est.lightgbm_regressor(seed=seed, n_estimators=60, learning_rate=0.15, num_leaves=15,
                                                  min_child_samples=50),
        "lightgbm_moderator": est.lightgbm_regressor(seed=seed, n_estimators=100, learning_rate=0.05, num_leaves=7,
                                                     min_child_samples=200),
    }


@dataclass(frozen=True)
class WeightOption:
    column: str
    propensity_model: str  # "logistic", "lightgbm" or "none"
    spec: est.WeightSpec | None
    description: str


WEIGHT_OPTIONS = (
    WeightOption("unweighted", "none", None, "no weighting (the naive difference in means)"),
    WeightOption("ipw_logistic", "logistic", est.WeightSpec(stabilized=False), "1/e or 1/(1-e), logistic propensity"),
    WeightOption("sw_logistic", "logistic", est.WeightSpec(stabilized=True), "stabilized, logistic propensity"),
    WeightOption("sw_logistic_clip_10", "logistic", est.WeightSpec(stabilized=True, clip=10.0),
                 "stabilized, clipped at 10, logistic propensity (= analysis_weight)"),
    WeightOption("sw_logistic_clip_5", "logistic", est.WeightSpec(stabilized=True, clip=5.0),
                 "stabilized, clipped at 5, logistic propensity"),
    WeightOption("sw_logistic_clip_2", "logistic", est.WeightSpec(stabilized=True, clip=2.0),
                 "stabilized, clipped at 2, logistic propensity"),
    WeightOption("ipw_lightgbm", "lightgbm", est.WeightSpec(stabilized=False),
                 "1/e or 1/(1-e), LightGBM out-of-fold propensity"),
    WeightOption("sw_lightgbm", "lightgbm", est.WeightSpec(stabilized=True),
                 "stabilized, LightGBM out-of-fold propensity"),
    WeightOption("sw_lightgbm_clip_10", "lightgbm", est.WeightSpec(stabilized=True, clip=10.0),
                 "stabilized, clipped at 10, LightGBM out-of-fold propensity"),
)
ANALYSIS_WEIGHT = "sw_logistic_clip_10"
ANALYSIS_SPEC = est.WeightSpec(stabilized=True, clip=ANALYSIS_WEIGHT_CAP)
# The analysis weighting retargeted to the exposed days (ATT): fitted beside the ATE weightings,
# on the same resamples and propensity refits (long_term.msm_step).
ANALYSIS_ATT_WEIGHT = "sw_logistic_clip_10_att"
ANALYSIS_ATT_SPEC = replace(ANALYSIS_SPEC, estimand="ATT")


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
