"""The static catalogue of a synthetic release: users, videos, categories, daily item statistics,
captions and the social network, in the layouts of the real KuaiRec 2.0 files.

Everything here is drawn once per release and shared by the small and big worlds. Values mimic
the real marginal distributions loosely (heavy-tailed popularity, binned profile ranges, missing
onehot values and collect counts); the causal structure lives in :mod:`.dynamics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kuairec_causal.simulate.random import stream
from kuairec_causal.simulate.scales import Scale

N_CATEGORIES = 31  # KuaiRec's feat ids run 0..30
FIRST_DATE = pd.Timestamp("2020-07-05")

ACTIVE_DEGREES = np.array(["full_active", "high_active", "middle_active", "UNKNOWN"])
ACTIVE_DEGREE_SHARES = np.array([0.76, 0.17, 0.05, 0.02])

FOLLOW_BINS = ([0, 1, 11, 51, 101, 151, 251, 501],
               ["0", "(0,10]", "(10,50]", "(50,100]", "(100,150]", "(150,250]", "(250,500]", "500+"])
FANS_BINS = ([0, 1, 10, 100, 1000, 5000, 10000],
             ["0", "[1,10)", "[10,100)", "[100,1k)", "[1k,5k)", "[5k,1w)", "[1w,10w)"])
FRIEND_BINS = ([0, 1, 5, 30, 60, 120, 250], ["0", "[1,5)", "[5,30)", "[30,60)", "[60,120)", "[120,250)", "250+"])
REGISTER_BINS = ([0, 31, 61, 91, 181, 366, 731], ["15-30", "31-60", "61-90", "91-180", "181-365", "366-730", "730+"])

# (upper bound of values, share missing) for onehot_feat0..17; bound 1 means a binary feature.
ONEHOT_SPECS = [
    (1, 0.0), (7, 0.0), (50, 0.0), (1000, 0.0), (4, 0.013), (0, 0.0), (1, 0.0), (8, 0.0),
    (110, 0.0), (6, 0.0), (4, 0.0), (1, 0.0), (1, 0.0), (1, 0.0), (1, 0.03), (1, 0.0), (0, 0.0), (1, 0.0),
]

_CAPTION_WORDS = np.array(
    ["生活", "美食", "搞笑", "旅行", "音乐", "舞蹈", "萌宠", "游戏", "健身", "日常", "vlog", "fun",
     "cat", "street", "cooking", "daily", "dance", "music", "travel", "#shorts"]
)
_CATEGORY_NAMES = np.array(
    ["颜值", "喜剧", "美食", "生活", "情感", "游戏", "萌宠", "明星娱乐", "体育", "才艺", "时尚", "汽车",
     "教育", "科技", "旅游", "音乐", "舞蹈", "动漫", "健康", "亲子", "三农", "摄影", "家居", "影视",
     "军事", "历史", "财经", "读书", "手工", "户外", "其他"]
)


@dataclass(frozen=True)
class Catalog:
    users: pd.DataFrame  # user_features.csv columns + latent traits (prefixed "_")
    videos: pd.DataFrame  # per video: duration_ms, first_category, feat, popularity, ...
    item_daily: pd.DataFrame  # item_daily_features.csv
    captions: pd.DataFrame  # kuairec_caption_category.csv
    social: pd.DataFrame  # social_network.csv
    long_tail_quantile: float

    @property
    def is_long_tail(self) -> np.ndarray:
        return self.videos["is_long_tail"].to_numpy()


def _binned(values: np.ndarray, edges: list[int], labels: list[str]) -> np.ndarray:
    return np.asarray(labels, dtype=object)[np.searchsorted(edges, values, side="right") - 1]


def build_users(scale: Scale, seed: int) -> pd.DataFrame:
    rng = stream(seed, "users")
    n = scale.n_users
    degree = rng.choice(len(ACTIVE_DEGREES), size=n, p=ACTIVE_DEGREE_SHARES)
    # every level occurs
    degree[rng.choice(n, size=len(ACTIVE_DEGREES), replace=False)] = np.arange(len(ACTIVE_DEGREES))
    follow = np.floor(rng.lognormal(3.0, 1.4, n)).astype(int) * (rng.random(n) > 0.06)
    fans = np.floor(rng.lognormal(1.2, 1.6, n)).astype(int) * (rng.random(n) > 0.25)
    friend = np.floor(rng.lognormal(0.8, 1.2, n)).astype(int) * (rng.random(n) > 0.35)
    register = np.clip(np.floor(rng.lognormal(5.6, 0.9, n)).astype(int) + 15, 15, 2800)
    frame = pd.DataFrame(
        {
            "user_id": np.arange(n, dtype=np.int64),
            "user_active_degree": ACTIVE_DEGREES[degree],
            "is_lowactive_period": (rng.random(n) < 0.01).astype(int),
            "is_live_streamer": (rng.random(n) < 0.02).astype(int),
            "is_video_author": (rng.random(n) < 0.17).astype(int),
            "follow_user_num": np.minimum(follow, 3000),
            "follow_user_num_range": _binned(np.minimum(follow, 3000), *FOLLOW_BINS),
            "fans_user_num": np.minimum(fans, 90000),
            "fans_user_num_range": _binned(np.minimum(fans, 90000), *FANS_BINS),
            "friend_user_num": np.minimum(friend, 400),
            "friend_user_num_range": _binned(np.minimum(friend, 400), *FRIEND_BINS),
            "register_days": register,
            "register_days_range": _binned(register, *REGISTER_BINS),
        }
    )
    for index, (upper, missing_share) in enumerate(ONEHOT_SPECS):
        if upper == 0:
            values = np.zeros(n)
        elif upper == 1:
            values = (rng.random(n) < rng.uniform(0.05, 0.5)).astype(float)
        else:
            values = np.floor(rng.power(0.6, n) * (upper + 1)).clip(0, upper)
        if missing_share:
            missing = rng.random(n) < missing_share
            missing[rng.integers(0, n)] = True  # at least one gap, even in tiny releases
            values[missing] = np.nan
        frame[f"onehot_feat{index}"] = values
    # Latent traits (not written): activity level and interaction volume, tied to the observed
    # activity degree so that the profile is informative but does not explain everything.
    degree_shift = np.array([0.6, 0.2, -0.5, -0.9])[degree]
    frame["_activity_logit"] = 2.4 + degree_shift + rng.normal(0, 0.7, n)
    frame["_volume_multiplier"] = np.exp(0.25 * degree_shift + rng.normal(0, 0.3, n))
    return frame


def _list_text(first: np.ndarray, *optional: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Format "[a, b, c]" lists element-wise; each optional (values, keep) adds ", value" where keep."""
    text = np.char.add("[", first.astype(str))
    for values, keep in optional:
        text = np.where(keep, np.char.add(np.char.add(text, ", "), values.astype(str)), text)
    return np.char.add(text, "]").astype(object)


def _category_lists(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    # Zipf-like category sizes with a floor, so every category is common enough to be met.
    weights = 1.0 / np.arange(1, N_CATEGORIES + 1) ** 0.8
    weights = np.maximum(weights / weights.sum(), 0.012)
    weights /= weights.sum()
    order = rng.permutation(N_CATEGORIES)
    first = order[rng.choice(N_CATEGORIES, size=n, p=weights)]
    extra_count = rng.choice([0, 1, 2], size=n, p=[0.55, 0.35, 0.10])
    second, third = rng.integers(0, N_CATEGORIES, size=(2, n))
    keep_second = (extra_count >= 1) & (second != first)
    keep_third = (extra_count >= 2) & (third != first) & (third != second)
    return first, _list_text(first, (second, keep_second), (third, keep_third))


def build_videos(scale: Scale, seed: int) -> pd.DataFrame:
    rng = stream(seed, "videos")
    n = scale.n_videos
    first_category, feats = _category_lists(rng, n)
    duration_ms = np.clip(np.exp(rng.normal(np.log(9_600), 0.55, n)), 3_000, 315_000)
    long_videos = rng.random(n) < 0.06
    duration_ms[long_videos] = np.clip(np.exp(rng.normal(np.log(45_000), 0.8, long_videos.sum())), 3_000, 315_000)
    small = np.zeros(n, dtype=bool)
    small[rng.choice(n, size=scale.n_small_videos, replace=False)] = True
    upload_day = np.where(rng.random(n) < 0.2, -rng.integers(1, 400, n), rng.integers(0, scale.n_days, n))
    video_type = np.where(np.arange(n) < 0, "AD", "NORMAL").astype(object)
    video_type[rng.choice(n, size=max(3, min(40, n // 250)), replace=False)] = "AD"
    return pd.DataFrame(
        {
            "video_id": np.arange(n, dtype=np.int64),
            "duration_ms": np.round(duration_ms).astype(np.int64),
            "first_category": first_category.astype(np.int64),
            "feat": feats,
            "in_small_world": small,
            "upload_day": upload_day,
            "log10_popularity": rng.normal(3.0, 1.2, n),
            "author_id": rng.integers(0, max(50, n // 2), n),
            "video_type": video_type,
            "music_id": rng.integers(0, 30_000, n),
            "video_tag_id": rng.integers(1, 3_000, n),
            "video_width": rng.choice([576, 720, 1080], n),
            "video_height": rng.choice([1024, 1280, 1920], n),
        }
    )


def build_item_daily(scale: Scale, videos: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Daily platform statistics of every video from its upload (or the window start) onwards."""
    rng = stream(seed, "item_daily")
    start = np.maximum(videos["upload_day"].to_numpy(), 0)
    days_per_video = scale.n_days - start
    video_index = np.repeat(np.arange(len(videos)), days_per_video)
    offsets = np.arange(len(video_index)) - np.repeat(np.cumsum(days_per_video) - days_per_video, days_per_video)
    day = start[video_index] + offsets
    age = day - videos["upload_day"].to_numpy()[video_index]
    level = 10 ** videos["log10_popularity"].to_numpy()[video_index]
    show = np.floor(level * np.exp(-0.03 * np.minimum(age, 60)) * rng.lognormal(0, 0.5, len(day))).astype(np.int64)
    play_rate = np.clip(rng.beta(4, 3, len(day)) * 1.05, 0, 1.05)
    play = np.floor(show * play_rate).astype(np.int64)
    # A few videos report no shows at all but do report plays: exercises the play-count fallback.
    no_show_videos = np.isin(video_index, rng.choice(len(videos), size=max(2, len(videos) // 300), replace=False))
    play[no_show_videos] = np.maximum(play[no_show_videos], np.floor(level[no_show_videos] * 0.3).astype(np.int64))
    show[no_show_videos] = 0

    def share(values: np.ndarray, low: float, high: float) -> np.ndarray:
        return np.floor(values * rng.uniform(low, high, len(values))).astype(np.int64)

    complete = share(play, 0.2, 0.6)
    like = share(play, 0.0, 0.06)
    comment = share(play, 0.0, 0.004)
    share_cnt = share(play, 0.0, 0.002)
    collect = share(play, 0.0, 0.0005).astype(float)
    frame = pd.DataFrame(
        {
            "video_id": videos["video_id"].to_numpy()[video_index],
            "date": (FIRST_DATE + pd.to_timedelta(day, unit="D")).strftime("%Y%m%d").astype(int),
            "author_id": videos["author_id"].to_numpy()[video_index],
            "video_type": videos["video_type"].to_numpy()[video_index],
            "upload_dt": (FIRST_DATE + pd.to_timedelta(videos["upload_day"].to_numpy()[video_index],
                                                       unit="D")).strftime("%Y-%m-%d"),
            "upload_type": rng.choice(["ShortImport", "Web", "PictureSet", "LongImport"], len(day),
                                      p=[0.8, 0.1, 0.06, 0.04]),
            "visible_status": "public",
            "video_duration": videos["duration_ms"].to_numpy()[video_index].astype(float),
            "video_width": videos["video_width"].to_numpy()[video_index],
            "video_height": videos["video_height"].to_numpy()[video_index],
            "music_id": videos["music_id"].to_numpy()[video_index],
            "video_tag_id": videos["video_tag_id"].to_numpy()[video_index],
            "video_tag_name": "tag_" + videos["video_tag_id"].to_numpy()[video_index].astype(str),
            "show_cnt": show,
            "show_user_num": share(show, 0.85, 0.99),
            "play_cnt": play,
            "play_user_num": share(play, 0.8, 0.95),
            "play_duration": play * videos["duration_ms"].to_numpy()[video_index] // 2,
            "complete_play_cnt": complete,
            "complete_play_user_num": share(complete, 0.8, 0.98),
            "valid_play_cnt": share(play, 0.7, 0.95),
            "valid_play_user_num": share(play, 0.6, 0.9),
            "long_time_play_cnt": share(play, 0.1, 0.4),
            "long_time_play_user_num": share(play, 0.1, 0.35),
            "short_time_play_cnt": share(play, 0.1, 0.3),
            "short_time_play_user_num": share(play, 0.1, 0.25),
            "play_progress": np.round(rng.beta(3, 3, len(day)), 6),
            "comment_stay_duration": share(comment, 1000, 20000),
            "like_cnt": like,
            "like_user_num": share(like, 0.9, 1.0),
            "click_like_cnt": share(like, 0.5, 0.8),
            "double_click_cnt": share(like, 0.2, 0.5),
            "cancel_like_cnt": share(like, 0.0, 0.05),
            "cancel_like_user_num": share(like, 0.0, 0.05),
            "comment_cnt": comment,
            "comment_user_num": share(comment, 0.7, 1.0),
            "direct_comment_cnt": share(comment, 0.5, 0.9),
            "reply_comment_cnt": share(comment, 0.1, 0.5),
            "delete_comment_cnt": share(comment, 0.0, 0.05),
            "delete_comment_user_num": share(comment, 0.0, 0.05),
            "comment_like_cnt": share(comment, 0.0, 2.0),
            "comment_like_user_num": share(comment, 0.0, 1.5),
            "follow_cnt": share(play, 0.0, 0.001),
            "follow_user_num": share(play, 0.0, 0.001),
            "cancel_follow_cnt": share(play, 0.0, 0.0001),
            "cancel_follow_user_num": share(play, 0.0, 0.0001),
            "share_cnt": share_cnt,
            "share_user_num": share(share_cnt, 0.8, 1.0),
            "download_cnt": share(play, 0.0, 0.0005),
            "download_user_num": share(play, 0.0, 0.0005),
            "report_cnt": share(play, 0.0, 0.0001),
            "report_user_num": share(play, 0.0, 0.0001),
            "reduce_similar_cnt": share(play, 0.0, 0.001),
            "reduce_similar_user_num": share(play, 0.0, 0.001),
            "collect_cnt": collect,
            "collect_user_num": np.floor(collect * 0.95),
            "cancel_collect_cnt": np.floor(collect * 0.05),
            "cancel_collect_user_num": np.floor(collect * 0.05),
        }
    )
    # collect_* were logged only from mid-July: missing for about a fifth of item-day rows.
    collect_missing = day < int(round(scale.n_days * 0.22))
    collect_columns = ["collect_cnt", "collect_user_num", "cancel_collect_cnt", "cancel_collect_user_num"]
    frame.loc[collect_missing, collect_columns] = np.nan
    return frame


def long_tail_flags(videos: pd.DataFrame, item_daily: pd.DataFrame, quantile: float) -> np.ndarray:
    """The warehouse's long-tail rule, reproduced exactly: popularity = mean daily show count
    (mean play count when that is not positive); long-tail = popularity <= the continuous
    ``quantile`` of popularity over items."""
    stats = item_daily.groupby("video_id").agg(show=("show_cnt", "mean"), play=("play_cnt", "mean"))
    popularity = np.where(stats["show"] > 0, stats["show"], stats["play"])
    cutoff = np.quantile(popularity, quantile)
    is_tail = pd.Series(popularity <= cutoff, index=stats.index)
    return is_tail.reindex(videos["video_id"]).fillna(False).to_numpy(dtype=bool)


def build_captions(videos: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "captions")
    n = len(videos)
    words = _CAPTION_WORDS[rng.integers(0, len(_CAPTION_WORDS), size=(n, 3))]
    caption = np.char.add(np.char.add(words[:, 0], " "), np.char.add(words[:, 1], words[:, 2])).astype(object)
    multiline = rng.random(n) < 0.05
    caption[multiline] = caption[multiline] + "\n" + words[multiline, 0] + ", \"" + words[multiline, 2] + "\""
    first = videos["first_category"].to_numpy()
    second = rng.integers(100, 400, n)
    has_second = rng.random(n) < 0.8
    return pd.DataFrame(
        {
            "video_id": videos["video_id"].to_numpy(),
            "manual_cover_text": np.where(rng.random(n) < 0.4, "UNKNOWN", words[:, 1]),
            "caption": np.where(rng.random(n) < 0.03, np.array(None, dtype=object), caption),
            "topic_tag": np.where(rng.random(n) < 0.5, "[]", "[" + words[:, 2] + "]"),
            "first_level_category_id": first + 1,
            "first_level_category_name": _CATEGORY_NAMES[first],
            "second_level_category_id": np.where(has_second, second, -124),
            "second_level_category_name": np.where(has_second, "sub_" + second.astype(str), "UNKNOWN"),
            "third_level_category_id": np.full(n, -124),
            "third_level_category_name": "UNKNOWN",
        }
    )


def build_social(users: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "social")
    n = len(users)
    members = np.sort(rng.choice(n, size=max(2, n // 15), replace=False))
    friends = rng.integers(0, n, size=(3, len(members)))
    size = rng.integers(1, 4, len(members))
    text = _list_text(friends[0], (friends[1], size >= 2), (friends[2], size >= 3))
    return pd.DataFrame({"user_id": members.astype(np.int64), "friend_list": text})


def build_catalog(scale: Scale, seed: int, long_tail_quantile: float) -> Catalog:
    users = build_users(scale, seed)
    videos = build_videos(scale, seed)
    item_daily = build_item_daily(scale, videos, seed)
    videos["is_long_tail"] = long_tail_flags(videos, item_daily, long_tail_quantile)
    return Catalog(
        users=users,
        videos=videos,
        item_daily=item_daily,
        captions=build_captions(videos, seed),
        social=build_social(users, seed),
        long_tail_quantile=long_tail_quantile,
    )
