"""What the long-term study analyses: population, exposure, outcomes, adjustment set, learners,
weightings and heterogeneity segments, declared in one place (as ``mediation_spec`` does for the
mediation study). ``long_term`` runs the estimator library on this specification.
"""

from __future__ import annotations

from dataclasses import dataclass

from kuairec_causal import estimators as est
from kuairec_causal.studies.common import LONG_TERM_TRUTH_OUTCOMES

STUDY = "long_term"
MART = "mart_long_term_analysis"
TREATMENT = "treatment"
CLUSTER = "user_id"
PRIMARY_OUTCOME = "future_7day_interactions"
# mart column -> outcome name of the simulator's ground truth
OUTCOMES = {column: name for name, column in LONG_TERM_TRUTH_OUTCOMES.items()}
SECONDARY_OUTCOMES = [c for c in OUTCOMES if c != PRIMARY_OUTCOME]
OUTCOME_ORDER = {column: order for order, column in enumerate([PRIMARY_OUTCOME, *SECONDARY_OUTCOMES])}
AVERAGE_DAILY_OUTCOME = "future_7day_avg_daily_interactions"

# Pre-treatment history: the previous day (lag_1_*) and the sum over the three previous days
# (prior_3day_*). The capped watch ratio stands in for the raw one: raw ratios carry re-watch
# loops of up to several hundred, which dominate linear models without adding information.
HISTORY_MEASURES = ("active_day", "interactions", "total_play_duration_sec", "avg_watch_ratio_capped",
                    "high_watch_share", "complete_or_rewatch_share", "valid_play_share",
                    "discovery_candidate_share", "satisfaction_depth_score")
HISTORY = [f"{window}_{measure}" for window in ("lag_1", "prior_3day") for measure in HISTORY_MEASURES]
CALENDAR = ["calendar_day_index"]
PROFILE_NUMERIC = ["register_days", "follow_user_num", "fans_user_num", "friend_user_num", "is_lowactive_period",
                   "is_live_streamer", "is_video_author", *[f"onehot_feat{i}" for i in range(18)]]
CATEGORICAL = ["day_of_week_name", "user_active_degree"]
NUMERIC = [*HISTORY, *CALENDAR, *PROFILE_NUMERIC]
# Inputs of the effect-moderator model: the histories and the calendar (what a targeting rule
# could use), not the anonymised profile codes.
MODERATORS = [*HISTORY, *CALENDAR, "day_of_week"]

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


def learners(seed: int) -> dict[str, object]:
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


# Heterogeneity: segment type -> the pre-treatment column cut into quantile buckets.
SEGMENTS = (
    ("prior_interactions_bucket", "prior_3day_interactions"),
    ("lag_interactions_bucket", "lag_1_interactions"),
    ("prior_watch_ratio_bucket", "prior_3day_avg_watch_ratio"),
    ("prior_high_watch_bucket", "prior_3day_high_watch_share"),
)
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
