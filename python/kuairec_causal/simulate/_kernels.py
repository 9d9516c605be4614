"""The simulator's compiled loops (numba; compiled once and cached beside this file).

:func:`realise_plays` is the per-user loop of :meth:`World._realise_plays`. It makes the same
choices as the vectorised NumPy it replaced, bit for bit: the same hashed uniforms, the same stable
ordering of a user's plays by their order key, the same first play of each category, the same ring
of recently shown head videos. Users are independent, so a user's rows are built, ordered and folded
into its state before the next user's. :func:`count_duplicate_rows` counts exact duplicate rows
for the release's quirk counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from kuairec_causal.simulate import random

# The hash's steps, compiled from the one definition the NumPy hash uses.
# (Typed Any: compiled, they take and return scalars where the NumPy versions take arrays.)
_splitmix64: Any = njit(cache=True, nogil=True, inline="always")(random.splitmix64)
_unit_interval: Any = njit(cache=True, nogil=True, inline="always")(random.unit_interval)


@njit(cache=True, nogil=True, inline="always")
def _hash_uniform(start: np.uint64, user_id: np.int64, day: np.int64, slot: np.int64) -> float:
    """:func:`..random.hash_uniform` for the keys (user id, day, slot); ``start`` is its seeded
    accumulator."""
    acc = _splitmix64(start ^ np.uint64(user_id))
    acc = _splitmix64(acc ^ np.uint64(day))
    acc = _splitmix64(acc ^ np.uint64(slot))
    return _unit_interval(acc)


@njit(cache=True, nogil=True)
def realise_plays(users, plays, tail_plays, discovery, user_ids, base_index, tail_perm, head_perm, video_category,
                  seen_categories, tail_pointer, head_pointer, ring, ring_count, ring_position, day, rewatch_rate,
                  start_rewatch, start_pick, start_order, discovery_plays, collect_rows, out_user, out_slot,
                  out_video, out_is_tail, out_is_new, out_rank):
    """Choose, order and fold in every listed user's plays of the day.

    Updates ``discovery_plays``, ``seen_categories`` and the ring (``ring``, ``ring_count``,
    ``ring_position``) in place; with ``collect_rows`` the rows go to the ``out_*`` arrays, user
    after user in ``users`` order and by time within a user.
    """
    ring_size = ring.shape[1]
    n_tail_videos, n_head_videos = tail_perm.shape[1], head_perm.shape[1]
    longest = 0
    for u in users:
        longest = max(longest, plays[u])
    video = np.empty(longest, dtype=np.int64)
    key = np.empty(longest, dtype=np.float64)
    offset = 0
    for u in users:
        n_total, n_tail = plays[u], tail_plays[u]
        row = base_index[u]
        seen = seen_categories[u]
        user_id, count = user_ids[u], ring_count[u]
        for slot in range(n_total):
            if slot < n_tail:
                video[slot] = tail_perm[row, (tail_pointer[u] + slot) % n_tail_videos]
            else:
                video[slot] = head_perm[row, (head_pointer[u] + slot - n_tail) % n_head_videos]
                # Re-watches, and familiar content on low-discovery days: a recently shown head video.
                unseen = ((seen >> np.uint64(video_category[video[slot]])) & np.uint64(1)) == 0
                rewatch = _hash_uniform(start_rewatch, user_id, day, slot) < rewatch_rate
                if count > 0 and (rewatch or (not discovery[u] and unseen)):
                    pick = np.int64(np.floor(_hash_uniform(start_pick, user_id, day, slot) * count))
                    video[slot] = ring[u, pick]
            key[slot] = _hash_uniform(start_order, user_id, day, slot)
        order = np.argsort(key[:n_total], kind="mergesort")  # stable, as the lexsort it replaces

        new_plays = 0
        met = np.uint64(0)  # categories met earlier today
        head_total = n_total - n_tail
        head_rank = 0
        for rank in range(n_total):
            slot = order[rank]
            bit = np.uint64(1) << np.uint64(video_category[video[slot]])
            is_tail = slot < n_tail
            is_new = (seen & bit) == 0 and (met & bit) == 0
            met |= bit
            if is_tail or is_new:
                new_plays += 1
            if not is_tail:
                if head_rank >= head_total - ring_size:  # only the day's last ring_size head plays stay
                    ring[u, (ring_position[u] + head_rank) % ring_size] = video[slot]
                head_rank += 1
            if collect_rows:
                at = offset + rank
                out_user[at], out_slot[at], out_video[at] = u, slot, video[slot]
                out_is_tail[at], out_is_new[at], out_rank[at] = is_tail, is_new, rank
        discovery_plays[u] = new_plays
        seen_categories[u] = seen | met
        if head_total > 0:
            ring_position[u] = (ring_position[u] + head_total) % ring_size
            ring_count[u] = min(ring_size, count + head_total)
        offset += n_total


@njit(cache=True, nogil=True)
def count_duplicate_rows(keys):
    """How many rows repeat an earlier row exactly (every column of ``keys``, an int64 rows x
    columns array), as ``DataFrame.duplicated().sum()`` counts them.

    Rows are sorted by a hash of their keys, and rows of equal hash are compared column by column,
    so a hash collision cannot make two different rows count as one.
    """
    n_rows, n_columns = keys.shape
    hashes = np.empty(n_rows, dtype=np.uint64)
    for i in range(n_rows):
        acc = np.uint64(n_columns)
        for j in range(n_columns):
            acc = _splitmix64(acc ^ np.uint64(keys[i, j]))
        hashes[i] = acc
    order = np.argsort(hashes)
    duplicates = 0
    run = 0
    while run < n_rows:
        end = run + 1
        while end < n_rows and hashes[order[end]] == hashes[order[run]]:
            end += 1
        for i in range(run + 1, end):  # a row repeats if an earlier row of its run equals it
            for k in range(run, i):
                if np.all(keys[order[i]] == keys[order[k]]):
                    duplicates += 1
                    break
        run = end
    return duplicates
