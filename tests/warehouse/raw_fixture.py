"""A small, deterministic raw KuaiRec fixture for developing and testing the dbt warehouse.

Writes the 7 raw Parquet files plus an empty ``ground_truth.parquet`` with exactly the columns and
types of ``kuairec_causal.raw_schema`` into a directory, with the quirks of the real logs:

* interaction rows with an empty ``time``, a missing ``date``, a missing ``timestamp`` or all three;
* exact duplicate rows, and a few rows whose ``date`` disagrees with the UTC+8 date of their
  ``timestamp``;
* watch ratios of exactly 0, above 1, and one in the hundreds;
* users with inactive gaps, late starts and early stops;
* ``collect_cnt`` nulls and videos whose ``show_cnt`` is always 0 (popularity falls back to plays);
* ``feat`` lists such as ``"[27, 9]"`` (and one ``"[]"``); captions with line breaks.

Usage: ``python tests/warehouse/raw_fixture.py OUT_DIR`` (or ``write_raw_fixture(path)``).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

try:
    from kuairec_causal.raw_schema import GROUND_TRUTH_TABLE, RAW_TABLES_BY_NAME, RawTable
except ImportError:  # running from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    from kuairec_causal.raw_schema import GROUND_TRUTH_TABLE, RAW_TABLES_BY_NAME, RawTable

SEED = 20200705
FIRST_DAY = dt.date(2020, 7, 5)
UTC_OFFSET = dt.timedelta(hours=8)
N_VIDEOS = 240
N_PROFILE_USERS = 80
N_CATEGORIES = 31
N_DAYS = 46  # the longest table (big_matrix, item_daily_features) covers 2020-07-05 .. 2020-08-19
# The fixture's declared calendar window (dbt vars release_first_date / release_last_date).
WINDOW_VARS = {"release_first_date": FIRST_DAY.isoformat(),
               "release_last_date": (FIRST_DAY + dt.timedelta(days=N_DAYS - 1)).isoformat()}


def _local_text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _unix_seconds(local_moment: dt.datetime) -> float:
    utc = (local_moment - UTC_OFFSET).replace(tzinfo=dt.UTC)
    return round(utc.timestamp(), 3)


def _interactions(rng: random.Random, n_users: int, n_days: int, mean_plays: float,
                  video_durations: list[int], with_quirks: bool) -> dict[str, list]:
    cols: dict[str, list] = {name: [] for name, _ in RAW_TABLES_BY_NAME["small_matrix"].columns}
    video_weights = [1.0 / (1 + v) ** 0.7 for v in range(N_VIDEOS)]
    for user in range(n_users):
        start = 0 if user % 5 else rng.randint(1, 10)  # every fifth user starts late
        stop = n_days if user % 7 else n_days - rng.randint(3, 12)  # some stop early
        p_active = 0.35 + 0.6 * rng.random()
        intensity = mean_plays * (0.4 + 1.2 * rng.random())
        taste = rng.random()
        for day in range(start, stop):
            if rng.random() > p_active:
                continue  # inactive gap
            n_plays = max(1, int(rng.expovariate(1.0 / intensity)))
            date = FIRST_DAY + dt.timedelta(days=day)
            for _ in range(n_plays):
                video = rng.choices(range(N_VIDEOS), weights=video_weights)[0]
                duration = video_durations[video]
                ratio = round(rng.lognormvariate(-0.6 + taste, 0.8), 6)
                if rng.random() < 0.03:
                    ratio = 0.0
                moment = dt.datetime.combine(date, dt.time()) + dt.timedelta(
                    seconds=rng.randint(0, 86399), milliseconds=rng.randint(0, 999))
                cols["user_id"].append(user)
                cols["video_id"].append(video)
                cols["play_duration"].append(int(round(ratio * duration)))
                cols["video_duration"].append(duration)
                cols["time"].append(_local_text(moment))
                cols["date"].append(int(date.strftime("%Y%m%d")))
                cols["timestamp"].append(_unix_seconds(moment))
                cols["watch_ratio"].append(ratio)
    if not with_quirks:
        return cols
    n = len(cols["user_id"])
    picks = rng.sample(range(n), 40)
    # rows whose time is resolved from a later field, or not at all
    for i in picks[0:6]:
        cols["time"][i] = ""  # empty time: event_date from `date`, event_time from `timestamp`
    for i in picks[6:12]:
        cols["date"][i] = None  # event_date from `time`
    for i in picks[12:16]:
        cols["date"][i] = None
        cols["time"][i] = None  # event_date/time from `timestamp`
    for i in picks[16:19]:
        cols["time"][i] = None
        cols["timestamp"][i] = None  # only `date`: event_time is NULL
    for i in picks[19:24]:
        cols["time"][i] = None
        cols["date"][i] = None
        cols["timestamp"][i] = None  # no usable time at all
    for i in picks[24:28]:  # `date` one day later than the UTC+8 date of `timestamp`
        shifted = dt.datetime.strptime(str(cols["date"][i]), "%Y%m%d") + dt.timedelta(days=1)
        cols["date"][i] = int(shifted.strftime("%Y%m%d"))
    for i in picks[28:31]:
        cols["watch_ratio"][i] = 0.0
        cols["play_duration"][i] = 0
    for i in picks[31:35]:
        cols["watch_ratio"][i] = 3.5
        cols["play_duration"][i] = int(3.5 * cols["video_duration"][i])
    cols["watch_ratio"][picks[35]] = 312.25  # a ratio in the hundreds
    cols["play_duration"][picks[35]] = int(312.25 * cols["video_duration"][picks[35]])
    # exact duplicates (identical in every column), one of them tripled
    for i in picks[36:40] + picks[36:37] + rng.sample(range(n), 6):
        for name in cols:
            cols[name].append(cols[name][i])
    return cols


def _users(rng: random.Random) -> dict[str, list]:
    cols: dict[str, list] = {name: [] for name, _ in RAW_TABLES_BY_NAME["user_features"].columns}
    degrees = ["high_active", "full_active", "middle_active", "UNKNOWN"]
    for user in range(N_PROFILE_USERS):
        follow, fans, friends = rng.randint(0, 400), rng.randint(0, 60), rng.randint(0, 20)
        register = rng.randint(8, 2000)
        row = {
            "user_id": user,
            "user_active_degree": rng.choice(degrees),
            "is_lowactive_period": int(rng.random() < 0.1),
            "is_live_streamer": int(rng.random() < 0.05),
            "is_video_author": int(rng.random() < 0.3),
            "follow_user_num": follow,
            "follow_user_num_range": "(0,50]" if follow <= 50 else "(50,150]" if follow <= 150 else "500+",
            "fans_user_num": fans,
            "fans_user_num_range": "[0,10)" if fans < 10 else "[10,100)",
            "friend_user_num": friends,
            "friend_user_num_range": "0" if friends == 0 else "[1,5)" if friends < 5 else "[5,30)",
            "register_days": register,
            "register_days_range": "31-60" if register <= 60 else "61-90" if register <= 90 else "730+",
        }
        for k in range(18):
            row[f"onehot_feat{k}"] = rng.randint(0, 9) if k < 6 else rng.randint(0, 1)
        for name in cols:
            cols[name].append(row[name])
    return cols


def _item_categories(rng: random.Random) -> dict[str, list]:
    cols: dict[str, list] = {"video_id": [], "feat": []}
    for video in range(N_VIDEOS - 10):  # the last 10 videos have no categories
        if video == 7:
            feat = "[]"
        else:
            cats = rng.sample(range(N_CATEGORIES), rng.choice([1, 1, 2, 3]))
            feat = "[" + ", ".join(str(c) for c in cats) + "]"
        cols["video_id"].append(video)
        cols["feat"].append(feat)
    return cols


def _item_daily(rng: random.Random, n_days: int, video_durations: list[int]) -> dict[str, list]:
    table = RAW_TABLES_BY_NAME["item_daily_features"]
    cols: dict[str, list] = {name: [] for name, _ in table.columns}
    for video in range(N_VIDEOS - 20):  # the last 20 videos have no daily features
        base = 5000.0 / (1 + video) ** 0.7
        for day in range(0, n_days, 2):  # every other day
            date = FIRST_DAY + dt.timedelta(days=day)
            shows = int(base * (0.5 + rng.random()))
            if video % 17 == 3:
                shows = 0  # show counts missing: popularity falls back to plays
            plays = int(max(shows, base) * (0.3 + 0.5 * rng.random()))
            row: dict[str, object] = {
                "video_id": video, "date": int(date.strftime("%Y%m%d")),
                "author_id": 1000 + video // 3, "video_type": "NORMAL" if video % 11 else "AD",
                "upload_dt": "2020-06-01", "upload_type": "ShortImport",
                "visible_status": "public", "video_duration": float(video_durations[video]),
                "video_width": 720, "video_height": 1280, "music_id": 5000 + video % 13,
                "video_tag_id": video % 9, "video_tag_name": f"tag_{video % 9}",
                "play_progress": round(rng.random(), 4),
            }
            for name, _ in table.columns:
                if name in row:
                    continue
                if name == "show_cnt":
                    row[name] = shows
                elif name == "play_cnt":
                    row[name] = plays
                elif name == "like_cnt":
                    row[name] = int(plays * 0.05 * rng.random())
                elif name in ("collect_cnt", "collect_user_num") and rng.random() < 0.3:
                    row[name] = None
                else:
                    row[name] = int(plays * 0.2 * rng.random())
            for name in cols:
                cols[name].append(row[name])
    return cols


def _captions(rng: random.Random) -> dict[str, list]:
    table = RAW_TABLES_BY_NAME["kuairec_caption_category"]
    cols: dict[str, list] = {name: [] for name, _ in table.columns}
    for video in range(N_VIDEOS):
        caption = f"video {video} caption"
        if video % 9 == 0:
            caption = f"first line of {video}\nsecond line\r\nthird, with a comma"
        row = {
            "video_id": video, "manual_cover_text": "UNKNOWN" if video % 4 else f"cover {video}",
            "caption": caption, "topic_tag": "[]" if video % 3 else "['fun', 'daily']",
            "first_level_category_id": video % 8, "first_level_category_name": f"level1_{video % 8}",
            "second_level_category_id": video % 20 if video % 5 else -124,
            "second_level_category_name": f"level2_{video % 20}" if video % 5 else "UNKNOWN",
            "third_level_category_id": -124, "third_level_category_name": "UNKNOWN",
        }
        for name in cols:
            cols[name].append(row[name])
    return cols


def _social(rng: random.Random) -> dict[str, list]:
    cols: dict[str, list] = {"user_id": [], "friend_list": []}
    for user in range(0, N_PROFILE_USERS, 3):
        friends = sorted(rng.sample(range(N_PROFILE_USERS), rng.randint(1, 4)))
        cols["user_id"].append(user)
        cols["friend_list"].append("[" + ", ".join(str(f) for f in friends) + "]")
    return cols


def _write(con: duckdb.DuckDBPyConnection, table: RawTable, cols: dict[str, list], out: Path) -> int:
    arrow = pa.table({name: pa.array(cols[name]) if cols[name] else pa.array([], pa.null())
                      for name, _ in table.columns})
    con.register("fixture_arrow", arrow)
    select = ", ".join(f'cast("{name}" as {col_type}) as "{name}"' for name, col_type in table.columns)
    path = out / f"{table.name}.parquet"
    con.execute(f"copy (select {select} from fixture_arrow) to '{path}' (format parquet)")
    con.unregister("fixture_arrow")
    return len(arrow)


def write_raw_fixture(out_dir: str | Path, seed: int = SEED) -> dict[str, int]:
    """Write the fixture's raw Parquet files into out_dir; returns rows written per table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    video_durations = [rng.randint(5, 60) * 1000 + rng.randint(0, 999) for _ in range(N_VIDEOS)]
    tables = {
        "small_matrix": _interactions(rng, 56, 40, 14.0, video_durations, with_quirks=True),
        "big_matrix": _interactions(rng, 72, N_DAYS, 9.0, video_durations, with_quirks=True),
        "user_features": _users(rng),
        "item_categories": _item_categories(rng),
        "item_daily_features": _item_daily(rng, N_DAYS, video_durations),
        "kuairec_caption_category": _captions(rng),
        "social_network": _social(rng),
    }
    counts = {}
    con = duckdb.connect()
    try:
        for name, cols in tables.items():
            counts[name] = _write(con, RAW_TABLES_BY_NAME[name], cols, out)
        empty = {name: [] for name, _ in GROUND_TRUTH_TABLE.columns}
        counts["ground_truth"] = _write(con, GROUND_TRUTH_TABLE, empty, out)
    finally:
        con.close()
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: raw_fixture.py OUT_DIR")
    for table_name, rows in write_raw_fixture(sys.argv[1]).items():
        print(f"{table_name}: {rows} rows")
