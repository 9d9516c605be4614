"""kuairec_causal.windows: the one Python place that derives window column names from the vars."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from kuairec_causal.errors import KuaiRecError
from kuairec_causal.simulate.params import Definitions
from kuairec_causal.windows import PanelWindows

VARS = {"history_window_days": 5, "short_horizon_days": 2, "max_lead_days": 10, "min_history_days": 4}


def test_names_follow_the_vars():
    windows = PanelWindows.from_vars(VARS)
    assert windows.prior("interactions") == "prior_5day_interactions"
    assert windows.short_horizon("active_days") == "future_2day_active_days"
    assert windows.horizon("play_hours") == "future_10day_play_hours"
    assert windows.min_history_days == 4


def test_project_defaults_are_dbt_project_vars(tmp_path):
    (tmp_path / "dbt_project.yml").write_text(yaml.safe_dump({"vars": {**VARS, "other": 1}}))
    assert PanelWindows.project_defaults(tmp_path) == PanelWindows.from_vars(VARS)


def test_simulated_releases_state_the_windows_their_truth_assumes():
    """The simulator's warehouse_vars fix the windows its planted truth is computed for; the
    build (and so every window name) follows them."""
    variables = {**VARS, **Definitions().warehouse_vars("small_matrix")}
    windows = PanelWindows.from_vars(variables)
    assert windows.history_days == Definitions().history_window_days
    assert windows.horizon_days == Definitions().max_lead_days


@pytest.mark.parametrize("bad, message", [
    ({"max_lead_days": "seven"}, "max_lead_days='seven' is not a number"),
    ({"history_window_days": 2.5}, "history_window_days=2.5 is not a whole number"),
    ({"short_horizon_days": -1}, "short_horizon_days=-1 must be a non-negative integer"),
])
def test_bad_windows_are_one_line_errors(bad, message):
    with pytest.raises(KuaiRecError, match=message.replace("(", r"\(")):
        PanelWindows.from_vars({**VARS, **bad})


def test_frame_with_missing_var_or_rows():
    with pytest.raises(KuaiRecError, match="expected one row, found 0"):
        PanelWindows.from_frame(pd.DataFrame(columns=list(VARS)))
    with pytest.raises(KuaiRecError, match="missing column"):
        PanelWindows.from_frame(pd.DataFrame([{"history_window_days": 3}]))
