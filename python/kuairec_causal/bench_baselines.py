"""Baselines for the warehouse benchmark: the bare user-day panel of the long-term notebook (01,
sequence EDA) built from one extracted interaction CSV, without the warehouse.

- :func:`pandas_panel`: a straightforward pandas implementation of the notebook's panel logic
  (clean the time fields, daily aggregates, dense user x date grid, lag / prior-window history,
  leads and future windows, the two quantile treatments), the way an analyst would run it.
- :func:`duckdb_panel`: the same panel as one DuckDB query, the single-query floor.

Both give the same rows and values (tests/warehouse/test_bench_baselines.py), so the benchmark
compares like with like. Neither deduplicates rows or adds the discovery and satisfaction metrics,
the data-quality counts, the marts or the tests that `kuairec-causal build` also produces.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

HIGH_WATCH_THRESHOLD = 0.8
COMPLETE_OR_REWATCH_THRESHOLD = 1.0
HISTORY_DAYS = 3
LEAD_DAYS = 7
SHORT_HORIZON_DAYS = 3
HIGH_INTENSITY_QUANTILE = 0.75
HIGH_WATCH_EXPOSURE_QUANTILE = 0.5
HISTORY_COLUMNS = ("active_day", "interactions", "total_play_duration_sec", "avg_watch_ratio", "high_watch_share")
FUTURE_COLUMNS = {"active_day": "active_days", "interactions": "interactions",
                  "total_play_duration_sec": "play_duration_sec"}
DAILY_COLUMNS = ("interactions", "unique_videos", "total_play_duration_sec", "avg_play_duration_sec",
                 "avg_video_duration_sec", "avg_watch_ratio", "high_watch_share", "complete_or_rewatch_share")


def pandas_panel(csv_path: Path) -> pd.DataFrame:
    """The notebook's bare panel with pandas, one row per user and calendar day."""
    plays = pd.read_csv(csv_path)
    date_number = pd.to_numeric(plays["date"], errors="coerce").round().astype("Int64")
    plays["event_date"] = pd.to_datetime(date_number.astype("string"), format="%Y%m%d", errors="coerce")
    event_timestamp = pd.to_datetime(pd.to_numeric(plays["timestamp"], errors="coerce"), unit="s", errors="coerce")
    event_time_from_text = pd.to_datetime(plays["time"], format="%Y-%m-%d %H:%M:%S.%f", errors="coerce")
    plays["event_time"] = event_time_from_text.fillna(event_timestamp.astype(event_time_from_text.dtype))
    plays = plays.sort_values(["user_id", "event_time", "video_id"], kind="stable")
    plays["high_watch"] = (plays["watch_ratio"] >= HIGH_WATCH_THRESHOLD).astype(int)
    plays["complete_or_rewatch"] = (plays["watch_ratio"] >= COMPLETE_OR_REWATCH_THRESHOLD).astype(int)

    daily = plays.groupby(["user_id", "event_date"]).agg(
        interactions=("video_id", "size"),
        unique_videos=("video_id", "nunique"),
        total_play_duration_ms=("play_duration", "sum"),
        avg_play_duration_ms=("play_duration", "mean"),
        avg_video_duration_ms=("video_duration", "mean"),
        avg_watch_ratio=("watch_ratio", "mean"),
        high_watch_count=("high_watch", "sum"),
        complete_or_rewatch_count=("complete_or_rewatch", "sum"),
    )
    daily["total_play_duration_sec"] = daily["total_play_duration_ms"] / 1000
    daily["avg_play_duration_sec"] = daily["avg_play_duration_ms"] / 1000
    daily["avg_video_duration_sec"] = daily["avg_video_duration_ms"] / 1000
    daily["high_watch_share"] = daily["high_watch_count"] / daily["interactions"]
    daily["complete_or_rewatch_share"] = daily["complete_or_rewatch_count"] / daily["interactions"]

    users = np.sort(daily.index.get_level_values("user_id").unique())
    dates = daily.index.get_level_values("event_date")
    calendar = pd.date_range(dates.min(), dates.max(), freq="D")
    grid = pd.MultiIndex.from_product([users, calendar], names=["user_id", "event_date"])
    panel = daily[list(DAILY_COLUMNS)].reindex(grid).fillna(0).reset_index()
    panel["active_day"] = (panel["interactions"] > 0).astype(int)

    by_user = panel.groupby("user_id")
    for column in HISTORY_COLUMNS:
        previous = by_user[column].shift(1)
        panel[f"lag_1_{column}"] = previous.fillna(0)
        prior = previous.groupby(panel["user_id"]).rolling(HISTORY_DAYS, min_periods=1).sum()
        panel[f"prior_3day_{column}"] = prior.reset_index(level=0, drop=True).fillna(0)
    for column, suffix in FUTURE_COLUMNS.items():
        leads = pd.concat({h: by_user[column].shift(-h) for h in range(1, LEAD_DAYS + 1)}, axis=1)
        panel[f"next_day_{suffix}"] = leads[1]
        short = leads[list(range(1, SHORT_HORIZON_DAYS + 1))]
        panel[f"future_3day_{suffix}"] = short.sum(axis=1, min_count=SHORT_HORIZON_DAYS)
        panel[f"future_7day_{suffix}"] = leads.sum(axis=1, min_count=LEAD_DAYS)

    active = panel["active_day"] == 1
    for name, column, quantile in (("high_intensity", "interactions", HIGH_INTENSITY_QUANTILE),
                                   ("high_watch_exposure", "high_watch_share", HIGH_WATCH_EXPOSURE_QUANTILE)):
        threshold = panel.loc[active, column].quantile(quantile)
        panel[f"treatment_{name}"] = (active & (panel[column] >= threshold)).astype(int)
    return panel


def _duckdb_panel_sql(csv_path: Path) -> str:
    path = str(csv_path).replace("'", "''")
    history = ",\n".join(
        f"coalesce(lag({c}) over w, 0) as lag_1_{c}, "
        f"coalesce(sum({c}) over (w rows between {HISTORY_DAYS} preceding and 1 preceding), 0) as prior_3day_{c}"
        for c in HISTORY_COLUMNS
    )
    futures = ",\n".join(
        f"lead({c}) over w as next_day_{s}, "
        f"case when count({c}) over (w rows between 1 following and {SHORT_HORIZON_DAYS} following) "
        f"= {SHORT_HORIZON_DAYS} "
        f"then sum({c}) over (w rows between 1 following and {SHORT_HORIZON_DAYS} following) end as future_3day_{s}, "
        f"case when count({c}) over (w rows between 1 following and {LEAD_DAYS} following) = {LEAD_DAYS} "
        f"then sum({c}) over (w rows between 1 following and {LEAD_DAYS} following) end as future_7day_{s}"
        for c, s in FUTURE_COLUMNS.items()
    )
    return f"""
    with plays as (
        select user_id, video_id, play_duration, video_duration, watch_ratio,
               cast(try_strptime(cast(cast(round("date") as bigint) as varchar), '%Y%m%d') as date) as event_date
        from read_csv('{path}', header = true)
    ),
    daily as (
        select user_id, event_date,
               count(*) as interactions,
               count(distinct video_id) as unique_videos,
               sum(play_duration) / 1000 as total_play_duration_sec,
               avg(play_duration) / 1000 as avg_play_duration_sec,
               avg(video_duration) / 1000 as avg_video_duration_sec,
               avg(watch_ratio) as avg_watch_ratio,
               avg(case when watch_ratio >= {HIGH_WATCH_THRESHOLD} then 1 else 0 end) as high_watch_share,
               avg(case when watch_ratio >= {COMPLETE_OR_REWATCH_THRESHOLD} then 1 else 0 end)
                   as complete_or_rewatch_share
        from plays where event_date is not null
        group by user_id, event_date
    ),
    grid as (
        select users.user_id, cast(day as date) as event_date
        from (select distinct user_id from daily) as users
        cross join (select min(event_date) as first_day, max(event_date) as last_day from daily) as bounds
        cross join generate_series(cast(bounds.first_day as timestamp), cast(bounds.last_day as timestamp),
                                   interval 1 day) as days(day)
    ),
    dense as (
        select grid.user_id, grid.event_date,
               {", ".join(f"coalesce(daily.{c}, 0) as {c}" for c in DAILY_COLUMNS)},
               case when daily.interactions > 0 then 1 else 0 end as active_day
        from grid left join daily using (user_id, event_date)
    ),
    windowed as (
        select *, {history}, {futures}
        from dense
        window w as (partition by user_id order by event_date)
    ),
    thresholds as (
        select quantile_cont(interactions, {HIGH_INTENSITY_QUANTILE}) as high_intensity,
               quantile_cont(high_watch_share, {HIGH_WATCH_EXPOSURE_QUANTILE}) as high_watch_exposure
        from dense where active_day = 1
    )
    select windowed.*,
           case when active_day = 1 and interactions >= thresholds.high_intensity then 1 else 0 end
               as treatment_high_intensity,
           case when active_day = 1 and high_watch_share >= thresholds.high_watch_exposure then 1 else 0 end
               as treatment_high_watch_exposure
    from windowed cross join thresholds
    """


def duckdb_panel(csv_path: Path, connection: duckdb.DuckDBPyConnection | None = None) -> int:
    """The same panel as one DuckDB query, materialised in memory; returns its row count."""
    con = connection or duckdb.connect(config={"threads": 2})
    con.execute(f"create or replace temp table bare_panel as {_duckdb_panel_sql(csv_path)}")
    return int(con.execute("select count(*) from bare_panel").fetchall()[0][0])


def duckdb_panel_frame(csv_path: Path) -> pd.DataFrame:
    """The DuckDB panel as a DataFrame (for comparing the two baselines)."""
    con = duckdb.connect(config={"threads": 2})
    duckdb_panel(csv_path, con)
    return con.execute("select * from bare_panel order by user_id, event_date").df()
