"""The simulator's compiled loops against references: the choice of a day's plays against the
vectorised NumPy version it replaced, the duplicate-row count against pandas.

The plays reference below is that earlier implementation (the one every release up to the compiled loop
was written with), kept here as the oracle: the same state and day must give the same rows, the
same discovery counts and the same state afterwards, in the observed world and in replicated
counterfactual twins (whose users map to shared permutation rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kuairec_causal.simulate._kernels import count_duplicate_rows
from kuairec_causal.simulate.catalog import build_catalog
from kuairec_causal.simulate.dynamics import RING_SIZE, SALT_ORDER, SALT_PICK, SALT_REWATCH, RowBatch, World
from kuairec_causal.simulate.params import CausalParams, Definitions
from kuairec_causal.simulate.random import hash_uniform
from kuairec_causal.simulate.release import _world, world_configs
from kuairec_causal.simulate.scales import get_scale

SEED = 11


def _row_uniform(world, salt, user, day, slot):
    return hash_uniform(world.seed, salt * 16 + world.salt, world.user_ids[user], np.int64(day), slot)


def _remember_head_videos(state, row_user, video, is_tail) -> None:
    head_user, head_video = row_user[~is_tail], video[~is_tail]
    if head_user.size == 0:
        return
    starts = np.flatnonzero(np.r_[True, head_user[1:] != head_user[:-1]])
    sizes = np.diff(np.r_[starts, head_user.size])
    users = head_user[starts]
    rank = np.arange(head_user.size) - np.repeat(starts, sizes)
    keep = rank >= np.repeat(sizes, sizes) - RING_SIZE
    position = (state.ring_position[head_user[keep]] + rank[keep]) % RING_SIZE
    state.ring[head_user[keep], position] = head_video[keep]
    state.ring_position[users] = (state.ring_position[users] + sizes) % RING_SIZE
    state.ring_count[users] = np.minimum(RING_SIZE, state.ring_count[users] + sizes)


def reference_realise_plays(world, state, day, active, plays, tail_plays, discovery, collect_rows):
    discovery_plays = tail_plays.copy()
    need = active if collect_rows else active & (state.seen_categories != world.full_mask)
    users = np.flatnonzero(need)
    if users.size == 0:
        return discovery_plays, None
    n_tail, n_total = tail_plays[users], plays[users]
    row_user = np.repeat(users, n_total)
    slot = np.arange(row_user.size) - np.repeat(np.cumsum(n_total) - n_total, n_total)
    is_tail = slot < np.repeat(n_tail, n_total)
    video = np.empty(row_user.size, dtype=np.int64)
    perm_row = world.base_index[row_user]
    tail_cols = (state.tail_pointer[row_user[is_tail]] + slot[is_tail]) % world.tail_perm.shape[1]
    video[is_tail] = world.tail_perm[perm_row[is_tail], tail_cols]
    head = ~is_tail
    head_slot = slot[head] - np.repeat(n_tail, n_total)[head]
    head_cols = (state.head_pointer[row_user[head]] + head_slot) % world.head_perm.shape[1]
    video[head] = world.head_perm[perm_row[head], head_cols]

    category = world.video_category[video].astype(np.uint64)
    unseen = ((state.seen_categories[row_user] >> category) & np.uint64(1)) == 0
    has_ring = state.ring_count[row_user] > 0
    rewatch = _row_uniform(world, SALT_REWATCH, row_user, day, slot) < world.config.rewatch_rate
    familiar_only = ~discovery[row_user] & unseen
    replace = head & has_ring & (rewatch | familiar_only)
    if replace.any():
        u_pick = _row_uniform(world, SALT_PICK, row_user[replace], day, slot[replace])
        pick = np.floor(u_pick * state.ring_count[row_user[replace]]).astype(np.int64)
        video[replace] = state.ring[row_user[replace], pick]

    order = np.lexsort((_row_uniform(world, SALT_ORDER, row_user, day, slot), row_user))
    row_user, slot, video, is_tail = row_user[order], slot[order], video[order], is_tail[order]
    category = world.video_category[video].astype(np.uint64)
    unseen = ((state.seen_categories[row_user] >> category) & np.uint64(1)) == 0
    first_of_category = np.zeros(row_user.size, dtype=bool)
    user_category = row_user.astype(np.int64) * 64 + category.astype(np.int64)
    first_of_category[np.unique(user_category, return_index=True)[1]] = True
    is_new = unseen & first_of_category
    discovery_plays[users] = np.bincount(row_user, weights=is_tail | is_new,
                                         minlength=world.n_users)[users].astype(np.int64)
    np.bitwise_or.at(state.seen_categories, row_user, np.left_shift(np.uint64(1), category))
    _remember_head_videos(state, row_user, video, is_tail)
    if not collect_rows:
        return discovery_plays, None
    group_start = np.flatnonzero(np.r_[True, row_user[1:] != row_user[:-1]])
    rank = np.arange(row_user.size) - np.repeat(group_start, np.diff(np.r_[group_start, row_user.size]))
    return discovery_plays, RowBatch(row_user, slot, video, is_tail, is_new, rank)


@pytest.fixture(scope="module")
def worlds() -> list[World]:
    scale = get_scale("tiny")
    definitions = Definitions()
    catalog = build_catalog(scale, SEED, definitions.long_tail_quantile)
    return [_world(config, scale, catalog, CausalParams(), definitions, SEED) for config in world_configs(scale)]


class _Checked:
    """Wraps a world's ``_realise_plays``: every call also runs the reference on a copy of the
    state and compares outputs and the state afterwards."""

    def __init__(self, world: World, monkeypatch) -> None:
        self.calls = self.rows = 0
        compiled = world._realise_plays

        def checked(state, day, active, plays, tail_plays, discovery, collect_rows):
            before = state.copy()
            expected_plays, expected_rows = reference_realise_plays(world, before, day, active, plays, tail_plays,
                                                                    discovery, collect_rows)
            got_plays, got_rows = compiled(state, day, active, plays, tail_plays, discovery, collect_rows)
            np.testing.assert_array_equal(got_plays, expected_plays)
            for name in ("seen_categories", "ring", "ring_count", "ring_position"):
                np.testing.assert_array_equal(getattr(state, name), getattr(before, name), err_msg=name)
            assert (got_rows is None) == (expected_rows is None)
            if expected_rows is not None:
                for name in ("user", "slot", "video", "is_tail", "is_new_category", "rank"):
                    np.testing.assert_array_equal(getattr(got_rows, name), getattr(expected_rows, name), err_msg=name)
                self.rows += expected_rows.user.size
            self.calls += 1
            return got_plays, got_rows

        monkeypatch.setattr(world, "_realise_plays", checked)


@pytest.mark.parametrize("index", [0, 1], ids=["small_matrix", "big_matrix"])
def test_compiled_plays_equal_the_vectorised_reference(worlds, index, monkeypatch):
    world = worlds[index]
    checked = _Checked(world, monkeypatch)
    state = world.initial_state()
    for day in range(world.n_days):  # alternate the two modes: rows kept, and counts only
        world.step(state, day, collect_rows=day % 3 != 1)
    assert checked.calls == world.n_days and checked.rows > 10_000
    assert state.ring_count.max() == RING_SIZE and (state.seen_categories == world.full_mask).any()


def test_compiled_plays_equal_the_reference_in_replicated_twins(worlds, monkeypatch):
    """Counterfactual twins: users repeated (and a subset), sharing the parent's permutation rows."""
    world = worlds[1]
    state = world.initial_state()
    for day in range(10):
        world.step(state, day)
    some_users = np.arange(0, world.n_users, 3)
    for twin, twin_state in ((world.replicate(3), state.tile(3)), (world.replicate(2, some_users),
                                                                   state.take(np.tile(some_users, 2)))):
        checked = _Checked(twin, monkeypatch)
        for day in range(10, 20):
            twin.step(twin_state, day, collect_rows=day % 2 == 0)
        assert checked.calls == 10 and checked.rows > 0


@pytest.mark.parametrize("rows", [0, 1, 7, 5_000])
def test_duplicate_rows_are_counted_as_pandas_counts_them(rows):
    """Few distinct values per column, so most rows repeat, some many times; negative values and
    booleans as the quirk counts' columns have them."""
    rng = np.random.default_rng(rows)
    frame = pd.DataFrame({"user": rng.integers(0, 4, rows), "video": rng.integers(-3, 3, rows),
                          "local_ms": rng.integers(0, 2, rows) * 86_400_000, "has_time": rng.random(rows) < 0.5})
    assert count_duplicate_rows(frame.to_numpy(dtype=np.int64)) == frame.duplicated().sum()
