"""The names the report looks rows up by, and the words it uses for them.

Table names of the studies' effect tables, and words for the ids found in their rows (outcome
columns, segment types, model families, robustness families). Estimator ids and labels come from
the registry seed (:mod:`kuairec_causal.registry`), window lengths from the build
(:class:`~kuairec_causal.windows.PanelWindows`): nothing here restates either.
"""

from __future__ import annotations

from kuairec_causal import registry
from kuairec_causal.studies.common import MEDIATION_TRUTH_OUTCOMES, long_term_truth_outcomes
from kuairec_causal.windows import PanelWindows

LT_COMPARISON = "long_term_estimator_comparison"
LT_SECONDARY = "long_term_secondary_outcomes"
LT_READINESS = "long_term_weight_readiness"
LT_SENSITIVITY = "long_term_msm_weight_sensitivity"
LT_SEGMENTS = "long_term_segment_effects"
LT_MODERATORS = "long_term_effect_moderator_importance"
LT_EVALUES = "long_term_sensitivity"
LT_INFO = "long_term_run_info"

MED_PRIMARY = "Y_future_interactions"
MED_DECOMPOSITION = "mediation_effect_decomposition"
MED_CROSSFIT = "mediation_crossfit_effects"
MED_SEM = "mediation_sem_paths"
MED_ROBUSTNESS = "mediation_robustness_summary"
MED_MO = "mediation_mo_sensitivity_summary"
MED_CHECKS = "mediation_assumption_checks"
MED_OVERLAP = "mediation_overlap_summary"
MED_BALANCE = "mediation_balance_summary"
MED_DESIGN = "mediation_design_summary"
MED_HETEROGENEITY = "mediation_heterogeneity"
MED_ADVANCED = "mediation_advanced_summary"
MED_INFO = "mediation_run_info"
# Estimands of the decomposition the report states, in order: the registered ones of the study.
MED_ESTIMANDS = tuple(registry.estimands("mediation"))
# mart column -> outcome name of the planted truth
MED_TRUTH_NAMES = {column: name for name, column in MEDIATION_TRUTH_OUTCOMES.items()}

FAMILY_WORDS = {"linear": "linear", "lightgbm": "LightGBM", "xgboost": "XGBoost"}
ROBUSTNESS_WORDS = {"threshold_sensitivity": "exposure threshold", "mediator_sensitivity": "mediator definition",
                    "model_sensitivity": "model specification", "outcome_sensitivity": "outcome"}
MED_SEGMENT_WORDS = {"prior_activity_group": "prior activity", "prior_satisfaction_group": "prior satisfaction",
                     "prior_discovery_group": "prior discovery", "user_active_degree": "user activity degree"}
MO_WORDS = {"fragile": "fragile", "moderately_robust": "moderately robust", "robust": "robust"}
OVERLAP_WORDS = {"supported": "overlap is adequate", "limited": "overlap is limited", "violated": "overlap fails"}


def lt_truth_names(windows: PanelWindows | None) -> dict[str, str]:
    """mart_long_term_analysis outcome column -> outcome name of the planted truth."""
    if windows is None:
        return {}
    return {column: name for name, column in long_term_truth_outcomes(windows).items()}


def lt_outcome_words(windows: PanelWindows | None, span: str, adjective: str) -> dict[str, str]:
    """Long-term outcome column -> words (``span``: "the next seven days", ``adjective``:
    "next-week", both rendered from the build's windows)."""
    if windows is None:
        return {}
    return {windows.horizon("interactions"): f"plays over {span}",
            windows.horizon("active_days"): f"active days over {span}",
            windows.horizon("avg_daily_interactions"): f"average daily plays over {span}",
            windows.horizon("play_hours"): f"play hours over {span}",
            "outcome_log1p": f"log of one plus {adjective} plays"}


def med_outcome_words(adjective: str) -> dict[str, str]:
    return {"Y_future_interactions": f"{adjective} plays", "Y_future_active_days": f"{adjective} active days",
            "Y_future_play_hours": f"{adjective} play hours"}


def segment_words(history: str) -> dict[str, str]:
    """Long-term segment type -> words (``history``: the history window in words, "three")."""
    return {"prior_interactions_bucket": f"plays over the previous {history} days",
            "lag_interactions_bucket": "plays on the previous day",
            "prior_watch_ratio_bucket": f"average watch ratio over the previous {history} days",
            "prior_high_watch_bucket": f"high-watch share over the previous {history} days",
            "day_of_week": "day of the week"}
