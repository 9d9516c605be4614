"""Parameters of the planted causal structure, and the warehouse definitions the truth assumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Definitions:
    """Warehouse definitions (dbt vars) under which the planted truth is computed.

    The simulator realises each day's decisions so that the warehouse's columns take exactly the
    decided values under these definitions: a high-watch-exposure day has high_watch_share >=
    ``high_watch_exposure_threshold`` and a high-discovery day has discovery_candidate_share >=
    ``high_discovery_threshold``, whatever the number of plays.
    """

    high_watch_threshold: float = 0.8
    complete_threshold: float = 1.0
    valid_play_min_watch_ratio: float = 0.1
    short_abandon_max_watch_ratio: float = 0.2
    long_tail_quantile: float = 0.5
    high_watch_exposure_threshold: float = 0.5
    high_discovery_threshold: float = 0.35
    min_history_days: int = 3
    history_window_days: int = 3
    max_lead_days: int = 7

    def warehouse_vars(self, interaction_matrix: str) -> dict[str, object]:
        return {
            "interaction_matrix": interaction_matrix,
            "drop_exact_duplicate_rows": True,
            "high_watch_threshold": self.high_watch_threshold,
            "complete_threshold": self.complete_threshold,
            "valid_play_min_watch_ratio": self.valid_play_min_watch_ratio,
            "short_abandon_max_watch_ratio": self.short_abandon_max_watch_ratio,
            "long_tail_quantile": self.long_tail_quantile,
            "high_watch_exposure_rule": "fixed",
            "high_watch_exposure_fixed_threshold": self.high_watch_exposure_threshold,
            "high_discovery_rule": "fixed",
            "high_discovery_fixed_threshold": self.high_discovery_threshold,
            "min_history_days": self.min_history_days,
            "history_window_days": self.history_window_days,
            "max_lead_days": self.max_lead_days,
        }


@dataclass(frozen=True)
class CausalParams:
    """Structural parameters. Effects run: today's decisions -> same-day satisfaction depth and
    (for discovery) a direct nudge -> tomorrow's latent engagement state -> future activity."""

    # Latent engagement state E: AR(1) with innovations.
    state_persistence: float = 0.75
    state_noise_sd: float = 0.12
    # How E drives activity: logit of being active, and relative volume of plays.
    activity_state_slope: float = 2.0
    volume_noise_sd: float = 0.35
    volume_calendar_decline: float = 0.25  # share of volume lost by the last day (novelty wears off)
    # Effects on tomorrow's state (zero in the null world).
    satisfaction_effect: float = 0.45  # per unit of satisfaction depth above its centre
    satisfaction_centre: float = 0.645
    low_activity_boost: float = 0.6  # satisfaction effect x (1 + boost) for low recent activity
    discovery_direct_effect: float = 0.045
    discovery_satisfaction_interaction: float = 0.5  # satisfaction effect x (1 + this) on discovery days
    # Same-day content effects of discovery on watch quality (zero in the null world).
    discovery_completion_shift: float = -0.10
    discovery_abandon_shift: float = 0.04
    # Recommender policy (confounding): logit coefficients on observed history and calendar.
    watch_policy_intercept: float = -0.45
    watch_policy_lag_satisfaction: float = 8.0
    watch_policy_prior_satisfaction: float = 3.0
    watch_policy_prior_volume: float = 1.0
    watch_policy_lag_active: float = 0.4
    watch_policy_calendar: float = -0.3
    discovery_policy_intercept: float = -0.5
    discovery_policy_lag_share: float = 3.0
    discovery_policy_prior_share: float = 1.5
    discovery_policy_prior_volume: float = 0.8
    discovery_policy_calendar: float = -1.2
    # Realised content mix (shares) under each decision.
    high_share_on: tuple[float, float] = (0.50, 0.80)
    high_share_off: tuple[float, float] = (0.18, 0.48)
    tail_share_on: tuple[float, float] = (0.38, 0.75)
    tail_share_off: tuple[float, float] = (0.04, 0.30)
    completion_given_high: float = 0.55
    abandon_given_low: float = 0.09
    short_given_low: float = 0.08

    null_effects: bool = False

    def as_null(self) -> CausalParams:
        """Same confounding, every effect of today's decisions on future engagement set to zero."""
        return replace(
            self,
            satisfaction_effect=0.0,
            discovery_direct_effect=0.0,
            discovery_completion_shift=0.0,
            discovery_abandon_shift=0.0,
            null_effects=True,
        )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class WorldConfig:
    """Per-world settings (the small and the big world differ in density and quirks)."""

    name: str  # "small_matrix" or "big_matrix"
    daily_interactions: float
    activity_shift: float  # added to every user's activity logit
    rewatch_rate: float  # share of head plays that re-watch a recently shown video
    untimed_share: float  # extra rows with empty time/date/timestamp
    duplicate_row_share: float  # rows repeated as exact duplicates
    hot_duplicate_rows: int  # rows repeated many times
    date_mismatch_share: float  # rows whose timestamp disagrees with their date
    date_as_float: bool  # small_matrix writes date as 20200705.0
