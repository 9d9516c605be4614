"""What the discovery-quality mediation study analyses: roles, confounder set, labels.

All KuaiRec knowledge of the mediation study lives in the ``mediation*`` modules of this package;
the estimator library only sees column names. The confounder set is the primary design set as the
warehouse names it (its "high satisfaction share" is the mart's ``high_watch_share``, the share of
plays with watch_ratio >= 0.8).
"""

from __future__ import annotations

from dataclasses import dataclass

from kuairec_causal.studies.common import MEDIATION_TRUTH_OUTCOMES
from kuairec_causal.windows import PanelWindows

STUDY = "mediation"
PANEL = "mart_mediation_panel"
TREATMENT = "A_high_discovery"
MEDIATOR = "M_satisfaction_depth"
CLUSTER = "user_id"
DATE = "event_date"
EXPOSURE_SCORE = "discovery_breadth_score"
PRIMARY_OUTCOME = "Y_future_interactions"
SECONDARY_OUTCOME = "Y_future_play_hours"  # the second outcome of the cross-fitted ML models
OUTCOMES = ("Y_future_interactions", "Y_future_active_days", "Y_future_play_hours")
_OUTCOME_NOUNS = {"Y_future_interactions": "interactions", "Y_future_active_days": "active days",
                  "Y_future_play_hours": "play hours"}
# mart column -> outcome name used by the simulator's ground truth
TRUTH_OUTCOME = {column: name for name, column in MEDIATION_TRUTH_OUTCOMES.items()}
MEDIATOR_TRUTH_OUTCOME = "satisfaction_depth_score"

CDE_QUANTILES = (0.1, 0.9)  # mediator values of CDE_low / CDE_high: quantiles of M over the panel
PROPENSITY_BOUNDS = (0.02, 0.98)  # propensity clipped before inverting
WEIGHT_CAP_QUANTILE = 0.99  # stabilized weights capped at their 99th percentile
N_MC = 20  # Monte Carlo draws of M(a') for the tree-based cross-fitted models


@dataclass(frozen=True)
class Covariate:
    name: str
    type: str  # numeric | categorical
    group: str  # calendar | history_activity | history_watch_quality | history_discovery | profile
    timing: str  # when it is measured relative to the user-day


_ROLE = {
    "calendar": ("treatment-outcome and mediator-outcome confounder",
                 "Position in the observation window: the recommender serves discovery more early in the "
                 "window while activity drifts, so calendar time moves A, M and Y together."),
    "history_activity": ("treatment-outcome and mediator-outcome confounder",
                         "Recent activity volume: active users are served more discovery and stay more "
                         "active next week."),
    "history_watch_quality": ("mediator-outcome confounder (and treatment-outcome)",
                              "Recent watch quality: predicts today's satisfaction depth and future engagement, "
                              "the main observed threat to the M -> Y path."),
    "history_discovery": ("treatment-outcome confounder",
                          "Recent discovery exposure: the recommender's discovery share is persistent, and it "
                          "tracks the user's future activity."),
    "profile": ("baseline confounder",
                "Static user profile (registration, social graph, anonymised traits): shifts exposure, "
                "watch quality and engagement levels."),
}

_TIMING = {
    "calendar": "known at the start of the user-day",
    "history_activity": "days before the user-day",
    "history_watch_quality": "days before the user-day",
    "history_discovery": "days before the user-day",
    "profile": "static profile, before the panel window",
}
# Timings that make a covariate pre-treatment (anything else would be a same-day, possibly
# treatment-induced, variable).
PRE_TREATMENT_TIMINGS = frozenset(_TIMING.values())


def _history(windows: PanelWindows, metric: str, group: str) -> list[Covariate]:
    return [Covariate(name, "numeric", group, _TIMING[group]) for name in (f"lag_1_{metric}", windows.prior(metric))]


def _covariates(windows: PanelWindows) -> tuple[Covariate, ...]:
    return tuple(
        [Covariate("calendar_day_index", "numeric", "calendar", _TIMING["calendar"])]
        + _history(windows, "active_day", "history_activity")
        + _history(windows, "interactions", "history_activity")
        + _history(windows, "total_play_duration_sec", "history_activity")
        + _history(windows, "valid_play_share", "history_watch_quality")
        + _history(windows, "high_watch_share", "history_watch_quality")
        + _history(windows, "satisfaction_depth_score", "history_watch_quality")
        + _history(windows, "discovery_candidate_share", "history_discovery")
        + [Covariate("recent_activity_score", "numeric", "history_activity", _TIMING["history_activity"])]
        + [Covariate(name, "numeric", "profile", _TIMING["profile"]) for name in (
            "register_days", "follow_user_num", "fans_user_num", "friend_user_num", "is_lowactive_period",
            "is_live_streamer", "is_video_author")]
        + [Covariate(f"onehot_feat{k}", "numeric", "profile", _TIMING["profile"]) for k in range(18)]
        + [Covariate(name, "categorical", "profile", _TIMING["profile"]) for name in (
            "user_active_degree", "follow_user_num_range", "fans_user_num_range", "friend_user_num_range",
            "register_days_range")]
    )


@dataclass(frozen=True)
class Columns:
    """The confounder set and the other panel columns whose names follow the build's windows
    (history covariates prior_<h>day_*, outcome labels of the n-day horizon)."""

    covariates: tuple[Covariate, ...]
    # Heterogeneity segments: (segment, source column, label stem of the tertiles; None = categorical).
    heterogeneity_segments: tuple[tuple[str, str, str | None], ...]
    outcome_labels: dict[str, str]
    prior_interactions: str  # the prior-window plays (group summaries)

    @classmethod
    def of(cls, windows: PanelWindows) -> Columns:
        segments = (
            ("prior_activity_group", windows.prior("interactions"), "prior activity"),
            ("prior_satisfaction_group", windows.prior("satisfaction_depth_score"), "prior satisfaction"),
            ("prior_discovery_group", windows.prior("discovery_candidate_share"), "prior discovery"),
            ("user_active_degree", "user_active_degree", None),
        )
        labels = {o: f"Future {windows.horizon_days}-day {noun}" for o, noun in _OUTCOME_NOUNS.items()}
        return cls(covariates=_covariates(windows), heterogeneity_segments=segments, outcome_labels=labels,
                   prior_interactions=windows.prior("interactions"))

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.covariates if c.type == "numeric")

    @property
    def categorical(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.covariates if c.type == "categorical")

    @property
    def slope_modifiers(self) -> tuple[str, ...]:
        """Pre-treatment effect modifiers of the g-formula's A and M slopes (calendar and history):
        the return to a discovery day or a satisfying day scales with recent activity and window
        position."""
        return tuple(c.name for c in self.covariates
                     if c.type == "numeric" and c.group in ("calendar", "history_activity", "history_watch_quality",
                                                            "history_discovery"))

    def covariates_in(self, groups: set[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(numeric, categorical) covariates of the given groups."""
        chosen = [c for c in self.covariates if c.group in groups]
        return (tuple(c.name for c in chosen if c.type == "numeric"),
                tuple(c.name for c in chosen if c.type == "categorical"))


# Extra pre-treatment columns of the mart outside the primary confounder set (robustness only).
EXTENDED_NUMERIC = ()
EXTENDED_CATEGORICAL = ("day_of_week",)

# Alternative satisfaction measures of the same day (mediator sensitivity).
ALTERNATIVE_MEDIATORS = {
    "high_watch_share": "Share of plays with watch_ratio >= 0.8",
    "complete_or_rewatch_share": "Share of plays watched to the end or re-watched",
    "valid_play_share": "Share of plays with watch_ratio >= 0.1",
    "avg_satisfaction_score": "Mean per-play satisfaction score",
    "avg_watch_ratio_capped": "Mean capped watch ratio",
}
THRESHOLD_QUANTILES = (0.5, 0.6, 0.7, 0.8)  # discovery cuts of discovery_breadth_score


def role_of(covariate: Covariate) -> tuple[str, str]:
    return _ROLE[covariate.group]


# Estimands of the decomposition table: output name -> (library effect name, definition).
ESTIMANDS = {
    "TE": ("TE", "E[Y(1, M(1)) - Y(0, M(0))]"),
    "NDE": ("NDE", "E[Y(1, M(0)) - Y(0, M(0))] (pure direct effect, mediator at its control level)"),
    "NIE": ("NIE", "E[Y(1, M(1)) - Y(1, M(0))] (total indirect effect, exposure held at high)"),
    "NDE_treated": ("NDE(1)", "E[Y(1, M(1)) - Y(0, M(1))] (total direct effect, mediator at its treated level)"),
    "NIE_control": ("NIE(0)", "E[Y(0, M(1)) - Y(0, M(0))] (pure indirect effect, exposure held at low)"),
    "CDE_low": (None, "E[Y(1, m_low) - Y(0, m_low)], m_low = 10th percentile of M over the panel"),
    "CDE_high": (None, "E[Y(1, m_high) - Y(0, m_high)], m_high = 90th percentile of M over the panel"),
    "proportion_mediated": ("proportion_mediated", "NIE / TE"),
    "mediator_shift": ("mediator_shift", "E[M(1) - M(0)], the effect of high discovery on satisfaction depth"),
    "naive_difference": (None, "E[Y | A = 1] - E[Y | A = 0], unadjusted (confounded by design)"),
}
