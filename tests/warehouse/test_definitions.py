"""The warehouse follows the definitions contract: an independent pandas re-implementation of the
definitions (written from the contract, not from the SQL) on the raw fixture must give the same
user-day panel, treatments, metric panel, metric validation and data-quality counts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_invoke import REPO_ROOT, DbtRun
from raw_fixture import WINDOW_VARS

from kuairec_causal.windows import PanelWindows

VARS = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"]
TOL = 1e-9


# ----------------------------------------------------------------------------- reference pipeline
def _resolve_times(raw: pd.DataFrame) -> pd.DataFrame:
    df = raw.copy()
    offset = pd.Timedelta(hours=VARS["platform_utc_offset_hours"])
    parsed_date = pd.to_datetime(df["date"].astype("Int64").astype("string"), format="%Y%m%d",
                                 errors="coerce")
    parsed_time = pd.to_datetime(df["time"].replace("", None), format="%Y-%m-%d %H:%M:%S.%f",
                                 errors="coerce")
    parsed_ts = pd.to_datetime(df["timestamp"] * 1e6, unit="us", errors="coerce").dt.round("us") + offset
    df["event_date"] = parsed_date.dt.normalize().fillna(parsed_time.dt.normalize()).fillna(
        parsed_ts.dt.normalize())
    df["event_time"] = parsed_time.fillna(parsed_ts)
    df["parsed_date"], df["parsed_ts"] = parsed_date, parsed_ts
    return df


def reference_panel(raw_dir: Path, matrix: str = "small_matrix") -> dict[str, pd.DataFrame]:
    raw = pd.read_parquet(raw_dir / f"{matrix}.parquet")
    df = _resolve_times(raw)
    out: dict[str, pd.DataFrame] = {}

    # data quality (one matrix)
    dq = {
        "rows_read": len(df),
        "rows_without_usable_time": int(df["event_date"].isna().sum()),
        "rows_date_disagrees_with_timestamp": int(
            (df["parsed_date"].notna() & df["parsed_ts"].notna()
             & (df["parsed_date"] != df["parsed_ts"].dt.normalize())).sum()),
        "exact_duplicate_rows": int(raw.duplicated().sum()),
        "duplicate_user_video_time_rows": int(
            df[df["event_time"].notna()].duplicated(["user_id", "video_id", "event_time"]).sum()),
        "watch_ratio_above_100": int((df["watch_ratio"] > 100).sum()),
    }
    out["dq"] = pd.DataFrame({"metric": list(dq), "ref": [float(v) for v in dq.values()]})

    timed = df[df["event_date"].notna()]
    timed = timed[~timed.duplicated(list(raw.columns))].copy()
    v = VARS
    w = timed["watch_ratio"]
    timed["high_watch"] = (w >= v["high_watch_threshold"]).astype(int)
    timed["complete_or_rewatch"] = (w >= v["complete_threshold"]).astype(int)
    timed["valid_play"] = (w >= v["valid_play_min_watch_ratio"]).astype(int)
    timed["short_abandon"] = (w < v["short_abandon_max_watch_ratio"]).astype(int)
    timed["watch_ratio_capped"] = np.minimum(w, v["watch_ratio_cap"])
    timed["score"] = 0.5 * timed["watch_ratio_capped"] / v["watch_ratio_cap"] + 0.5 * timed["high_watch"]

    # items
    cats = pd.read_parquet(raw_dir / "item_categories.parquet")
    cats["first_category"] = cats["feat"].map(lambda s: (json.loads(s) or [None])[0])
    daily = pd.read_parquet(raw_dir / "item_daily_features.parquet")
    pop = daily.groupby("video_id").agg(show=("show_cnt", "mean"), play=("play_cnt", "mean"))
    pop["popularity"] = np.where(pop["show"] > 0, pop["show"], pop["play"])
    cutoff = np.quantile(pop["popularity"].dropna(), v["long_tail_quantile"])
    pop["is_long_tail"] = (pop["popularity"] <= cutoff).astype(int)
    out["popularity"] = pop.reset_index()
    timed = timed.merge(cats[["video_id", "first_category"]], on="video_id", how="left")
    timed = timed.merge(pop[["is_long_tail"]].reset_index(), on="video_id", how="left")
    timed["is_long_tail"] = timed["is_long_tail"].fillna(0).astype(int)
    timed = timed.sort_values(["user_id", "event_time", "video_id"], na_position="last")
    first = timed.groupby(["user_id", "first_category"], dropna=True).cumcount() == 0
    timed["is_new_category"] = (first.reindex(timed.index, fill_value=False)
                                & timed["first_category"].notna()).astype(int)
    timed["disc"] = ((timed["is_long_tail"] == 1) | (timed["is_new_category"] == 1)).astype(int)

    g = timed.groupby(["user_id", "event_date"])
    obs = pd.DataFrame({
        "interactions": g.size(),
        "unique_videos": g["video_id"].nunique(),
        "total_play_duration_sec": g["play_duration"].sum() / 1000.0,
        "avg_watch_ratio": g["watch_ratio"].mean(),
        "avg_watch_ratio_capped": g["watch_ratio_capped"].mean(),
        "high_watch_share": g["high_watch"].mean(),
        "complete_or_rewatch_share": g["complete_or_rewatch"].mean(),
        "valid_play_share": g["valid_play"].mean(),
        "short_abandon_share": g["short_abandon"].mean(),
        "avg_satisfaction_score": g["score"].mean(),
        "unique_categories": g["first_category"].nunique(),
        "long_tail_share": g["is_long_tail"].mean(),
        "new_category_share": g["is_new_category"].mean(),
        "discovery_candidate_share": g["disc"].mean(),
    })
    obs["satisfaction_depth_score"] = (obs["valid_play_share"] + obs["high_watch_share"]
                                       + obs["complete_or_rewatch_share"]
                                       + (1 - obs["short_abandon_share"])) / 4

    # dense grid and windows
    days = pd.date_range(WINDOW_VARS["release_first_date"], WINDOW_VARS["release_last_date"],
                         freq="D")  # declared window
    users = sorted(timed["user_id"].unique())
    grid = pd.MultiIndex.from_product([users, days], names=["user_id", "event_date"]).to_frame(index=False)
    panel = grid.merge(obs.reset_index(), on=["user_id", "event_date"], how="left").fillna(0)
    panel["active_day"] = (panel["interactions"] > 0).astype(int)
    panel["calendar_day_index"] = (panel["event_date"] - days[0]).dt.days
    panel["day_of_week"] = panel["event_date"].dt.day_of_week + 1
    panel = panel.sort_values(["user_id", "calendar_day_index"]).reset_index(drop=True)
    by_user = panel.groupby("user_id")
    hist = v["history_window_days"]
    windows = PanelWindows.from_vars(v)  # window column names follow the vars
    for x in ["active_day", "interactions", "total_play_duration_sec", "avg_watch_ratio",
              "avg_watch_ratio_capped", "high_watch_share", "complete_or_rewatch_share",
              "valid_play_share", "discovery_candidate_share", "satisfaction_depth_score"]:
        panel[f"lag_1_{x}"] = by_user[x].shift(1).fillna(0)
        panel[windows.prior(x)] = sum(by_user[x].shift(k).fillna(0) for k in range(1, hist + 1))
    max_lead, short = v["max_lead_days"], v["short_horizon_days"]
    for x, suffix in [("active_day", "active_days"), ("interactions", "interactions"),
                      ("total_play_duration_sec", "play_duration_sec")]:
        leads = [by_user[x].shift(-h) for h in range(1, max_lead + 1)]
        panel[windows.short_horizon(suffix)] = sum(leads[:short])  # NaN propagates: NULL past the data
        panel[windows.horizon(suffix)] = sum(leads)
    panel["next_day_active"] = by_user["active_day"].shift(-1)
    active_index = panel["calendar_day_index"].where(panel["active_day"] == 1)
    running_min = active_index.groupby(panel["user_id"]).cummin()  # NaN on inactive days ...
    panel["first_active_day_index"] = running_min.groupby(panel["user_id"]).ffill()  # ... so carry it
    panel["history_days"] = panel["calendar_day_index"] - panel["first_active_day_index"]

    # treatments (quantile rule over active user-days)
    active = panel[panel["active_day"] == 1]
    thresholds = {}
    for name, metric in [("high_intensity", "interactions"), ("high_watch_exposure", "high_watch_share"),
                         ("high_discovery", "discovery_candidate_share")]:
        thresholds[name] = (np.quantile(active[metric], v[f"{name}_quantile"])
                            if v[f"{name}_rule"] == "quantile" else v[f"{name}_fixed_threshold"])
        panel[f"treatment_{name}"] = ((panel["active_day"] == 1)
                                      & (panel[metric] >= thresholds[name])).astype(int)
    out["thresholds"] = pd.DataFrame({"treatment": list(thresholds), "ref": list(thresholds.values())})
    out["panel"] = panel

    # metric panel
    pop_rows = panel[(panel["active_day"] == 1) & (panel["history_days"] >= v["min_history_days"])
                     & panel[windows.horizon("interactions")].notna()].copy()
    pop_rows["discovery_breadth_score"] = pop_rows["discovery_candidate_share"]
    pop_rows["quality_adjusted_discovery_score"] = (pop_rows["discovery_candidate_share"]
                                                    * pop_rows["satisfaction_depth_score"])
    rank = pop_rows["interactions"].rank(method="min")
    pop_rows["volume_rank"] = (rank - 1) / (len(pop_rows) - 1)
    pop_rows["shallow_click_pressure_score"] = pop_rows["volume_rank"] * (1 - pop_rows["satisfaction_depth_score"])
    pop_rows["recent_activity_score"] = (
        0.5 * pop_rows[windows.prior("active_day")] / hist
        + 0.5 * np.minimum(pop_rows[windows.prior("interactions")] / v["recent_activity_reference_interactions"], 1))
    out["metric_panel"] = pop_rows

    rows = []
    for metric in ["discovery_breadth_score", "satisfaction_depth_score", "quality_adjusted_discovery_score",
                   "shallow_click_pressure_score", "long_tail_share", "avg_satisfaction_score"]:
        m = pop_rows[metric].rank()
        future = abs(m.corr(pop_rows[windows.horizon("interactions")].rank()))
        history = abs(m.corr(pop_rows[windows.prior("interactions")].rank()))
        rows.append((metric, future, history, future - v["metric_history_penalty"] * history))
    out["validation"] = pd.DataFrame(rows, columns=["metric", "future", "history", "screening"])
    return out


# ----------------------------------------------------------------------------- comparisons
@pytest.fixture(scope="module")
def warehouse(built_warehouse: tuple[Path, DbtRun]):
    db_path, run = built_warehouse
    assert run.success
    con = duckdb.connect(str(db_path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def reference(raw_dir: Path) -> dict[str, pd.DataFrame]:
    return reference_panel(raw_dir)


def _assert_close(merged: pd.DataFrame, column: str) -> None:
    ours, ref = merged[f"{column}_wh"].astype(float), merged[f"{column}_ref"].astype(float)
    both_null = ours.isna() & ref.isna()
    bad = ~both_null & ~(np.isclose(ours, ref, rtol=TOL, atol=TOL))
    assert not bad.any(), f"{column}: {int(bad.sum())} rows differ, e.g.\n{merged.loc[bad].head()}"


def test_user_day_panel_matches_reference(warehouse, reference) -> None:
    ours = warehouse.execute("select * from marts.fct_user_day_panel").df()
    ref = reference["panel"]
    assert len(ours) == len(ref)
    ours["event_date"] = pd.to_datetime(ours["event_date"])
    merged = ours.merge(ref, on=["user_id", "event_date"], suffixes=("_wh", "_ref"), how="inner")
    assert len(merged) == len(ref)
    compared = [c for c in ref.columns if c not in ("user_id", "event_date") and c in ours.columns]
    assert len(compared) >= 50
    for column in compared:
        _assert_close(merged, column)


def test_popularity_and_thresholds_match_reference(warehouse, reference) -> None:
    pop = warehouse.execute("select video_id, popularity, is_long_tail from intermediate.int_item_popularity").df()
    merged = pop.merge(reference["popularity"], on="video_id", suffixes=("_wh", "_ref"))
    assert len(merged) == len(reference["popularity"])
    _assert_close(merged, "popularity")
    _assert_close(merged, "is_long_tail")
    ours = warehouse.execute("select treatment, threshold from marts.mart_treatment_definitions").df()
    merged = ours.merge(reference["thresholds"], on="treatment")
    assert len(merged) == 3
    assert np.allclose(merged["threshold"], merged["ref"], rtol=TOL, atol=TOL)


def test_metric_panel_and_validation_match_reference(warehouse, reference) -> None:
    ours = warehouse.execute("select * from marts.mart_discovery_metric_panel").df()
    ref = reference["metric_panel"]
    assert len(ours) == len(ref) > 0
    ours["event_date"] = pd.to_datetime(ours["event_date"])
    ref = ref.rename(columns={"volume_rank": "interactions_volume_rank"})
    merged = ours.merge(ref, on=["user_id", "event_date"], suffixes=("_wh", "_ref"))
    for column in ["discovery_breadth_score", "quality_adjusted_discovery_score", "interactions_volume_rank",
                   "shallow_click_pressure_score", "recent_activity_score"]:
        _assert_close(merged, column)
    validation = warehouse.execute("select * from marts.mart_metric_validation").df()
    merged = validation.merge(reference["validation"], on="metric")
    assert len(merged) == 6
    for ours_col, ref_col in [("future_alignment_score", "future"), ("history_dependence_score", "history"),
                              ("screening_score", "screening")]:
        assert np.allclose(merged[ours_col], merged[ref_col], rtol=TOL, atol=TOL), merged[[ours_col, ref_col]]


def test_data_quality_matches_reference(warehouse, reference) -> None:
    ours = warehouse.execute(
        "select metric, metric_value from marts.mart_data_quality where scope = 'small_matrix'").df()
    merged = ours.merge(reference["dq"], on="metric")
    assert len(merged) == len(reference["dq"])
    assert (merged["metric_value"] == merged["ref"]).all(), merged
