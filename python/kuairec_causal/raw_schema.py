"""The raw tables: which KuaiRec 2.0 members feed the warehouse, their CSV headers, and the
explicit types ingest writes to Parquet (the contract between ingest, the simulator and dbt).

Types are DuckDB type names; the Parquet files written by ingest carry exactly these columns in
this order. ``date`` columns hold YYYYMMDD integers (the CSV has ``20200705.0`` in small_matrix);
``time`` stays text (local platform time, UTC+8); ``timestamp`` is Unix seconds as a double.
"""

from __future__ import annotations

from dataclasses import dataclass

DATA_PREFIX = "KuaiRec 2.0/data/"


@dataclass(frozen=True)
class RawTable:
    name: str  # Parquet file stem and dbt source table name
    member: str  # file name inside "KuaiRec 2.0/data/"
    columns: tuple[tuple[str, str], ...]  # (column, DuckDB type) in CSV header order
    required: bool = True  # ingest fails when the member is absent

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


_INTERACTION_COLUMNS = (
    ("user_id", "BIGINT"),
    ("video_id", "BIGINT"),
    ("play_duration", "BIGINT"),
    ("video_duration", "BIGINT"),
    ("time", "VARCHAR"),
    ("date", "INTEGER"),
    ("timestamp", "DOUBLE"),
    ("watch_ratio", "DOUBLE"),
)

_USER_COLUMNS = (
    ("user_id", "BIGINT"),
    ("user_active_degree", "VARCHAR"),
    ("is_lowactive_period", "INTEGER"),
    ("is_live_streamer", "INTEGER"),
    ("is_video_author", "INTEGER"),
    ("follow_user_num", "INTEGER"),
    ("follow_user_num_range", "VARCHAR"),
    ("fans_user_num", "INTEGER"),
    ("fans_user_num_range", "VARCHAR"),
    ("friend_user_num", "INTEGER"),
    ("friend_user_num_range", "VARCHAR"),
    ("register_days", "INTEGER"),
    ("register_days_range", "VARCHAR"),
    *((f"onehot_feat{i}", "INTEGER") for i in range(18)),
)

_ITEM_DAILY_COUNT_COLUMNS = (
    "show_cnt", "show_user_num", "play_cnt", "play_user_num", "play_duration",
    "complete_play_cnt", "complete_play_user_num", "valid_play_cnt", "valid_play_user_num",
    "long_time_play_cnt", "long_time_play_user_num", "short_time_play_cnt",
    "short_time_play_user_num",
)
_ITEM_DAILY_ENGAGEMENT_COLUMNS = (
    "comment_stay_duration", "like_cnt", "like_user_num", "click_like_cnt", "double_click_cnt",
    "cancel_like_cnt", "cancel_like_user_num", "comment_cnt", "comment_user_num",
    "direct_comment_cnt", "reply_comment_cnt", "delete_comment_cnt", "delete_comment_user_num",
    "comment_like_cnt", "comment_like_user_num", "follow_cnt", "follow_user_num",
    "cancel_follow_cnt", "cancel_follow_user_num", "share_cnt", "share_user_num",
    "download_cnt", "download_user_num", "report_cnt", "report_user_num", "reduce_similar_cnt",
    "reduce_similar_user_num", "collect_cnt", "collect_user_num", "cancel_collect_cnt",
    "cancel_collect_user_num",
)

_ITEM_DAILY_COLUMNS = (
    ("video_id", "BIGINT"),
    ("date", "INTEGER"),
    ("author_id", "BIGINT"),
    ("video_type", "VARCHAR"),
    ("upload_dt", "VARCHAR"),
    ("upload_type", "VARCHAR"),
    ("visible_status", "VARCHAR"),
    ("video_duration", "DOUBLE"),
    ("video_width", "INTEGER"),
    ("video_height", "INTEGER"),
    ("music_id", "BIGINT"),
    ("video_tag_id", "BIGINT"),
    ("video_tag_name", "VARCHAR"),
    *((name, "BIGINT") for name in _ITEM_DAILY_COUNT_COLUMNS),
    ("play_progress", "DOUBLE"),
    *((name, "BIGINT") for name in _ITEM_DAILY_ENGAGEMENT_COLUMNS),
)

_CAPTION_COLUMNS = (
    ("video_id", "BIGINT"),
    ("manual_cover_text", "VARCHAR"),
    ("caption", "VARCHAR"),
    ("topic_tag", "VARCHAR"),
    ("first_level_category_id", "BIGINT"),
    ("first_level_category_name", "VARCHAR"),
    ("second_level_category_id", "BIGINT"),
    ("second_level_category_name", "VARCHAR"),
    ("third_level_category_id", "BIGINT"),
    ("third_level_category_name", "VARCHAR"),
)

RAW_TABLES: tuple[RawTable, ...] = (
    RawTable("small_matrix", "small_matrix.csv", _INTERACTION_COLUMNS),
    RawTable("big_matrix", "big_matrix.csv", _INTERACTION_COLUMNS),
    RawTable("user_features", "user_features.csv", _USER_COLUMNS),
    RawTable("item_categories", "item_categories.csv", (("video_id", "BIGINT"), ("feat", "VARCHAR"))),
    RawTable("item_daily_features", "item_daily_features.csv", _ITEM_DAILY_COLUMNS),
    RawTable("kuairec_caption_category", "kuairec_caption_category.csv", _CAPTION_COLUMNS),
    RawTable("social_network", "social_network.csv", (("user_id", "BIGINT"), ("friend_list", "VARCHAR"))),
)

RAW_TABLES_BY_NAME = {table.name: table for table in RAW_TABLES}

# Simulated releases also carry their planted truth; ingest converts it to this table (empty, with
# the same columns, for the real archive) so the warehouse can join estimates to truth.
GROUND_TRUTH_TABLE = RawTable(
    "ground_truth",
    "ground_truth.json",
    (
        ("interaction_matrix", "VARCHAR"),
        ("study", "VARCHAR"),
        ("estimand", "VARCHAR"),
        ("outcome", "VARCHAR"),
        ("value", "DOUBLE"),
        ("population_rows", "BIGINT"),
    ),
    required=False,
)


# -- the data contract checked at ingest (kuairec_causal.contract) ---------------------------------

# The calendar window KuaiRec 2.0 declares (and the simulator writes): every date of the release
# lies inside it, and it is the panel's calendar (dbt vars release_first_date / release_last_date).
RELEASE_WINDOW = ("2020-07-05", "2020-09-05")
# `timestamp` (Unix seconds, shifted to platform time) and `time` may disagree with `date` by a
# day in the real big_matrix; more than this many days is a broken row.
DATE_TOLERANCE_DAYS = 1
PLATFORM_UTC_OFFSET_HOURS = 8
# Rows the notebooks' cleaning drops (a `date` that is no calendar day parses to NaT and the row
# leaves the user-day table) go to the rejects table; above this share of a file, ingest fails.
MAX_REJECT_SHARE = 0.001


@dataclass(frozen=True)
class Rule:
    """One declared property of a raw table's rows, as a SQL condition that a *violating* row meets
    (over the typed columns). ``action``: ``fail`` stops ingest, ``reject`` moves the row to the
    rejects table (only where the notebooks' cleaning drops such a row)."""

    column: str
    violation: str  # SQL predicate, true for a bad row
    rule: str  # the rule in words
    action: str = "fail"


def _non_negative(*columns: str) -> tuple[Rule, ...]:
    return tuple(Rule(c, f'"{c}" < 0', "must be >= 0") for c in columns)


def _not_null(*columns: str) -> tuple[Rule, ...]:
    return tuple(Rule(c, f'"{c}" IS NULL', "must be present") for c in columns)


def _yyyymmdd(column: str) -> str:
    return f"try_strptime(CAST(\"{column}\" AS VARCHAR), '%Y%m%d')"


def _window_days(expression: str, slack: int = 0) -> str:
    first, last = RELEASE_WINDOW
    return (f"({expression} < DATE '{first}' - INTERVAL {slack} DAY "
            f"OR {expression} > DATE '{last}' + INTERVAL {slack} DAY)")


def _in_window_rule(column: str) -> tuple[Rule, ...]:
    day = f"CAST({_yyyymmdd(column)} AS DATE)"
    return (
        Rule(column, f'"{column}" IS NOT NULL AND {_yyyymmdd(column)} IS NULL',
             "must be a calendar day written YYYYMMDD", action="reject"),
        Rule(column, f"{day} IS NOT NULL AND {_window_days(day)}",
             f"must lie in the release window {RELEASE_WINDOW[0]} .. {RELEASE_WINDOW[1]}"),
    )


# Local day numbers (days since 1970-01-01 in platform time), by arithmetic: converting 12.5M
# timestamps to dates costs seconds, this costs almost nothing.
_TIMESTAMP_DAY_NUMBER = f'floor(("timestamp" + {PLATFORM_UTC_OFFSET_HOURS * 3600}) / 86400)'
_DATE_DAY_NUMBER = f"(epoch(CAST({_yyyymmdd('date')} AS DATE)) / 86400)"


def _window_day_numbers(slack: int) -> tuple[int, int]:
    import datetime as dt

    first, last = (dt.date.fromisoformat(d) for d in RELEASE_WINDOW)
    epoch = dt.date(1970, 1, 1)
    return (first - epoch).days - slack, (last - epoch).days + slack


_INTERACTION_RULES = (
    *_not_null("user_id", "video_id"),
    *_non_negative("user_id", "video_id", "play_duration", "video_duration", "watch_ratio"),
    *_in_window_rule("date"),
    Rule("timestamp", f'isfinite("timestamp") AND {_TIMESTAMP_DAY_NUMBER} NOT BETWEEN '
         f'{_window_day_numbers(DATE_TOLERANCE_DAYS)[0]} AND {_window_day_numbers(DATE_TOLERANCE_DAYS)[1]}',
         f"must fall within a day of the release window (UTC+{PLATFORM_UTC_OFFSET_HOURS})"),
    Rule("timestamp", 'isfinite("timestamp") AND '
         f'abs({_TIMESTAMP_DAY_NUMBER} - {_DATE_DAY_NUMBER}) > {DATE_TOLERANCE_DAYS}',
         f"must agree with column 'date' within {DATE_TOLERANCE_DAYS} day (UTC+{PLATFORM_UTC_OFFSET_HOURS})"),
)
# `time` has no rule: it only stands in for a missing `date` (the staging models parse it with
# try_cast, a bad value becomes NULL and the timestamp takes over), and reading the text column
# alone would double the contract's cost. A `time` outside the window still cannot stretch the
# panel: its calendar is the declared window, and the singular test
# assert_observed_days_inside_release_window fails the build (the published warehouse untouched).

ROW_RULES: dict[str, tuple[Rule, ...]] = {
    "small_matrix": _INTERACTION_RULES,
    "big_matrix": _INTERACTION_RULES,
    "user_features": (
        *_not_null("user_id"),
        *_non_negative("user_id", "follow_user_num", "fans_user_num", "friend_user_num", "register_days"),
        *(Rule(c, f'"{c}" NOT IN (0, 1)', "must be 0 or 1")
          for c in ("is_lowactive_period", "is_live_streamer", "is_video_author")),
    ),
    "item_categories": (*_not_null("video_id"), *_non_negative("video_id")),
    "item_daily_features": (
        *_not_null("video_id", "date"),
        *_non_negative("video_id", "video_duration", "show_cnt", "play_cnt", "play_user_num"),
        *_in_window_rule("date"),
    ),
    "kuairec_caption_category": (*_not_null("video_id"),),
    "social_network": (*_not_null("user_id"), *_non_negative("user_id")),
}

# Relations between tables: (table, column, referenced table, referenced column).
RELATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("small_matrix", "user_id", "user_features", "user_id"),
    ("small_matrix", "video_id", "item_categories", "video_id"),
    ("big_matrix", "user_id", "user_features", "user_id"),
    ("big_matrix", "video_id", "item_categories", "video_id"),
    ("item_daily_features", "video_id", "item_categories", "video_id"),
)
# Keys that identify one row of a table.
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "user_features": ("user_id",),
    "item_categories": ("video_id",),
}
