"""What every study receives and returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property

import pandas as pd

from kuairec_causal.store import MartReader
from kuairec_causal.windows import PanelWindows


def long_term_truth_outcomes(windows: PanelWindows) -> dict[str, str]:
    """Outcome names used in ground_truth (simulator) -> columns of mart_long_term_analysis,
    whose future-window names follow the build's windows."""
    return {
        "interactions": windows.horizon("interactions"),
        "active_days": windows.horizon("active_days"),
        "avg_daily_interactions": windows.horizon("avg_daily_interactions"),
        "play_hours": windows.horizon("play_hours"),
        "log1p_interactions": "outcome_log1p",
    }


# Outcome names used in ground_truth (simulator) -> column names of mart_mediation_panel.
MEDIATION_TRUTH_OUTCOMES = {
    "interactions": "Y_future_interactions",
    "active_days": "Y_future_active_days",
    "play_hours": "Y_future_play_hours",
}


@dataclass(frozen=True)
class StudySettings:
    """Knobs shared by both studies (recorded in each study's run-info table)."""

    n_boot: int = 200
    seed: int = 20200705
    n_folds: int = 5
    # worker processes of the estimator library; results do not depend on it, so it is not part
    # of the settings' identity (to_dict, the run cache's fingerprint)
    jobs: int = field(default=1, compare=False)

    def to_dict(self) -> dict[str, object]:
        values = asdict(self)
        values.pop("jobs")
        return values


@dataclass
class StudyContext:
    reader: MartReader
    settings: StudySettings = field(default_factory=StudySettings)
    interaction_matrix: str = "small_matrix"
    truth: pd.DataFrame | None = None  # ground-truth rows of this matrix (None for real data)

    @cached_property
    def windows(self) -> PanelWindows:
        """The panel windows of the build the marts come from (names of the window columns)."""
        return PanelWindows.read(self.reader)

    def true_value(self, study: str, estimand: str, outcome: str) -> float | None:
        """The planted value of an estimand (simulated data only)."""
        if self.truth is None or self.truth.empty:
            return None
        truth = self.truth
        hit = truth[(truth["study"] == study) & (truth["estimand"] == estimand) & (truth["outcome"] == outcome)]
        return None if hit.empty else float(hit["value"].iloc[0])


def load_truth(reader: MartReader, interaction_matrix: str) -> pd.DataFrame | None:
    """The planted truth of ``interaction_matrix`` (mart_planted_truth; None for real data)."""
    truth = reader.read("mart_planted_truth")
    truth = truth[truth["interaction_matrix"] == interaction_matrix]
    return None if truth.empty else truth.reset_index(drop=True)
