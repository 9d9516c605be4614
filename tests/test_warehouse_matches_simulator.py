"""The warehouse reproduces the simulator's own user-day values exactly: plays, high-watch and
discovery shares, satisfaction depth and both treatments. This is what makes the planted truth
comparable with estimates computed from the marts."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest


@pytest.mark.parametrize("matrix", ["small_matrix", "big_matrix"])
def test_panel_equals_planted_user_days(matrix, tiny_release, build_tiny_warehouse):
    paths = build_tiny_warehouse(matrix)
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as con:
        panel = con.execute(
            "SELECT p.*, m.high_discovery_day FROM marts.fct_user_day_panel p "
            "LEFT JOIN marts.mart_discovery_metric_panel m USING (user_id, event_date) WHERE p.active_day = 1"
        ).df()
        population = con.execute("SELECT count(*) FROM marts.mart_long_term_analysis").fetchall()[0][0]
    planted = pd.read_parquet(tiny_release.planted_panel)
    planted = planted[planted["interaction_matrix"] == matrix]
    panel["event_date"] = pd.to_datetime(panel["event_date"])
    planted["event_date"] = pd.to_datetime(planted["event_date"])
    joined = planted.merge(panel, on=["user_id", "event_date"], how="outer", indicator=True, suffixes=("_planted", ""))
    assert (joined["_merge"] == "both").all(), "active user-days differ"
    assert (joined["plays"] == joined["interactions"]).all()
    assert np.array_equal((joined["c3"] + joined["c4"]) / joined["plays"], joined["high_watch_share"])
    assert np.array_equal(joined["satisfaction"], joined["satisfaction_depth_score"])
    assert np.array_equal(joined["discovery_plays"] / joined["plays"], joined["discovery_candidate_share"])
    assert (joined["high_watch_day"] == (joined["treatment_high_watch_exposure"] == 1)).all()
    in_metric_panel = joined["high_discovery_day"].notna()
    planted, built = joined.loc[in_metric_panel, "high_discovery_day_planted"], joined.loc[in_metric_panel,
                                                                                         "high_discovery_day"]
    assert (planted == (built == 1)).all()
    import json

    truth = json.loads(tiny_release.truth.read_text())["matrices"][matrix]
    assert population == truth["population_rows"], "analysis population differs from the truth's"
