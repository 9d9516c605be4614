"""Turn a world's simulated days into interaction rows in the KuaiRec matrix layout.

Row-level details that do not change any warehouse column the causal process depends on are
drawn here: which play of a user's day falls in which watch-ratio bucket, the exact watch ratio
within its bucket, and the time of day. Bucket counts come from the day's realised counts, so the
warehouse's shares equal the simulated ones exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuairec_causal.simulate.catalog import FIRST_DATE
from kuairec_causal.simulate.dynamics import (
    BUCKET_HIGH_TENTHS,
    BUCKET_LOW_TENTHS,
    EXTREME_REWATCH_RANGE,
    EXTREME_REWATCH_SHARE,
    REWATCH_MEAN_EXCESS,
    SALT_BUCKET,
    SALT_GAP,
    SALT_WATCH,
    SALT_ZERO,
    U_SESSION,
    ZERO_PLAY_SHARE,
    DayResult,
    World,
)
from kuairec_causal.simulate.random import hash_uniform, stream

MS_PER_DAY = 86_400_000
UTC_OFFSET_MS = 8 * 3_600_000
FIRST_DAY_LOCAL_MS = int((FIRST_DATE - pd.Timestamp("1970-01-01")) / pd.Timedelta(milliseconds=1))


def _group_rank(keys: np.ndarray) -> np.ndarray:
    """Rank of each element within runs of equal (sorted) keys."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return np.arange(keys.size) - np.repeat(starts, np.diff(np.r_[starts, keys.size]))


def play_durations(bucket: np.ndarray, duration: np.ndarray, u: np.ndarray, u_zero: np.ndarray) -> np.ndarray:
    """Integer play durations (ms) whose watch ratio play/duration falls in ``bucket``."""
    low = (BUCKET_LOW_TENTHS[bucket] * duration + 9) // 10  # ceil(low * duration)
    high = (BUCKET_HIGH_TENTHS[bucket] * duration + 9) // 10 - 1
    bounded = low + np.floor(u * (high - low + 1)).astype(np.int64)
    play = np.minimum(bounded, high)
    rewatch_ratio = np.where(
        u_zero < EXTREME_REWATCH_SHARE,
        EXTREME_REWATCH_RANGE[0] + u * (EXTREME_REWATCH_RANGE[1] - EXTREME_REWATCH_RANGE[0]),
        1.0 - REWATCH_MEAN_EXCESS * np.log1p(-np.minimum(u, 1 - 1e-12)),
    )
    play = np.where(bucket == 4, np.maximum(duration, np.rint(rewatch_ratio * duration).astype(np.int64)), play)
    return np.where((bucket == 0) & (u_zero < ZERO_PLAY_SHARE), 0, play)


def _day_rows(world: World, day: int, result: DayResult) -> dict[str, np.ndarray]:
    rows = result.rows
    assert rows is not None, "the day's rows are recorded when the release is emitted"
    user, slot = rows.user, rows.slot
    # Buckets: rank plays within the user's day by a hash and hand out the day's counts.
    bucket_key = hash_uniform(world.seed, SALT_BUCKET * 16 + world.salt, world.user_ids[user], np.int64(day), slot)
    order = np.lexsort((bucket_key, user))
    bucket_rank = np.empty(user.size, dtype=np.int64)
    bucket_rank[order] = _group_rank(user[order])
    bounds = np.cumsum(np.stack([result.counts[f"c{b}"] for b in (4, 3, 2, 1, 0)]), axis=0)[:, user]
    bucket = 4 - (bucket_rank[None, :] >= bounds).sum(axis=0)
    duration = world.video_duration[rows.video]
    u_watch = hash_uniform(world.seed, SALT_WATCH * 16 + world.salt, world.user_ids[user], np.int64(day), slot)
    u_zero = hash_uniform(world.seed, SALT_ZERO * 16 + world.salt, world.user_ids[user], np.int64(day), slot)
    play = play_durations(bucket, duration, u_watch, u_zero)

    # Times: a session from a user-specific start, plays 5-40 s apart, within the local day.
    u_gap = hash_uniform(world.seed, SALT_GAP * 16 + world.salt, world.user_ids[user], np.int64(day), slot)
    gaps = 5_000 + np.floor(35_000 * u_gap).astype(np.int64)
    cumulative = np.cumsum(gaps)
    starts = np.flatnonzero(rows.rank == 0)
    offset = cumulative - np.repeat(cumulative[starts] - gaps[starts], np.diff(np.r_[starts, gaps.size]))
    span = np.zeros(world.n_users, dtype=np.int64)
    np.maximum.at(span, user, offset)
    uniforms, _ = world._day_numbers(day)
    start = (7 * 3_600_000 + np.floor(uniforms[:, U_SESSION] * 12 * 3_600_000)).astype(np.int64)
    start = np.minimum(start, MS_PER_DAY - 1_000 - span)
    local_ms = FIRST_DAY_LOCAL_MS + day * MS_PER_DAY + start[user] + offset
    return {"user": user, "video": rows.video, "play": play, "duration": duration, "local_ms": local_ms}


def world_rows(world: World, results: list[DayResult]) -> tuple[pd.DataFrame, np.ndarray]:
    """All timed rows of a world (in user, time order) and the realised play time per user-day."""
    days = [_day_rows(world, day, result) for day, result in enumerate(results)]
    frame = pd.DataFrame({key: np.concatenate([d[key] for d in days]) for key in days[0]})
    day_index = (frame["local_ms"].to_numpy() - FIRST_DAY_LOCAL_MS) // MS_PER_DAY
    play_by_user_day = np.zeros((len(results), world.n_users))
    np.add.at(play_by_user_day, (day_index, frame["user"].to_numpy()), frame["play"].to_numpy())
    frame = frame.sort_values(["user", "local_ms"], kind="stable", ignore_index=True)
    return frame, play_by_user_day


def add_quirks(world: World, timed: pd.DataFrame, final_head_pointer: np.ndarray) -> pd.DataFrame:
    """Add the real files' quirks: rows with no time, exact duplicates, date/timestamp mismatches."""
    cfg = world.config
    rng = stream(world.seed, "quirks", cfg.name)
    frame = timed.assign(has_time=True, timestamp_shift_ms=0)

    n_untimed = int(round(len(timed) * cfg.untimed_share / (1 - cfg.untimed_share)))
    if n_untimed:
        # Untimed plays go to videos the user has not been shown yet (keeps small_matrix dense).
        plays_per_user = np.bincount(timed["user"].to_numpy(), minlength=world.n_users)
        user = rng.choice(world.n_users, size=n_untimed, p=plays_per_user / plays_per_user.sum())
        nth = _group_rank(np.sort(user))
        user = np.sort(user)
        video = world.head_perm[user, (final_head_pointer[user] + nth) % world.head_perm.shape[1]]
        duration = world.video_duration[video]
        bucket = rng.choice(5, size=n_untimed, p=[0.07, 0.05, 0.43, 0.15, 0.30])
        play = play_durations(bucket, duration, rng.random(n_untimed), rng.random(n_untimed))
        untimed = pd.DataFrame({"user": user, "video": video, "play": play, "duration": duration,
                                "local_ms": 0, "has_time": False, "timestamp_shift_ms": 0})
        frame = pd.concat([frame, untimed], ignore_index=True)

    n_dup = int(round(len(timed) * cfg.duplicate_row_share))
    if n_dup:
        source = rng.choice(len(timed), size=n_dup, replace=False)
        copies = rng.choice([1, 1, 1, 2, 3], size=n_dup)
        hot = rng.choice(len(timed), size=cfg.hot_duplicate_rows, replace=False)
        repeats = np.r_[copies, rng.integers(15, 60, size=cfg.hot_duplicate_rows)]
        dup = frame.iloc[np.repeat(np.r_[source, hot], repeats)]
        frame = pd.concat([frame, dup], ignore_index=True)

    n_mismatch = int(round(len(timed) * cfg.date_mismatch_share))
    if n_mismatch:
        # The timestamp says the previous or next day while `date` and `time` keep the true one.
        mismatch = rng.choice(len(timed), size=n_mismatch, replace=False)
        frame.loc[mismatch, "timestamp_shift_ms"] = rng.choice([-1, 1], size=n_mismatch) * (MS_PER_DAY - 3_600_000)

    # Real files list a user's rows together; rows without time sit among them.
    position = np.where(frame["has_time"], frame["local_ms"].astype(np.float64), np.nan)
    filler = FIRST_DAY_LOCAL_MS + rng.random(len(frame)) * world.n_days * MS_PER_DAY
    frame["_sort"] = np.where(np.isnan(position), filler, position)
    frame = frame.sort_values(["user", "_sort"], kind="stable", ignore_index=True).drop(columns="_sort")
    frame["user_id"] = world.user_ids[frame["user"].to_numpy()]
    frame["video_id"] = world.video_ids[frame["video"].to_numpy()]
    return frame
