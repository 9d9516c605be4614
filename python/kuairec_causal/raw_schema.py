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
