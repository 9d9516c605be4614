"""The day-by-day causal process of one simulated world, vectorised over users.

Each day, for every user:

1. the observed history (yesterday and the previous three days: activity, plays, high-watch
   share, discovery share), the calendar and the profile are what the warehouse will see;
2. a latent engagement state ``E`` decides whether the user is active and how many plays they make;
3. the recommender decides a high-watch-exposure day (A) and a high-discovery day (B) from the
   observed history, profile and calendar only (so both are confounded, and identifiable);
4. the day's content is realised so that the warehouse's columns take exactly the decided values:
   the number of high-watch plays (watch_ratio >= 0.8) is on the decided side of the exposure
   threshold, and the number of discovery plays (long-tail, or a category new to the user) on the
   decided side of the discovery threshold; watch-quality counts give the same-day satisfaction
   depth ``S`` (the warehouse's satisfaction_depth_score, exactly);
5. tomorrow's state moves with today's satisfaction depth (more for users with low recent
   activity, more on discovery days) and with a direct discovery nudge.

So A acts on future engagement only through S, and B both directly and through S: the long-term
study (A on future plays) and the mediation study (B -> S -> future plays) each have a known truth.
All randomness of a day comes from a (users x K) block of uniforms drawn from (seed, world, day)
and from hashes of (seed, world, user, day, slot): replaying a day in a counterfactual world uses
the same numbers (common random numbers).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from scipy.special import expit, ndtri

from kuairec_causal.simulate._kernels import realise_plays
from kuairec_causal.simulate.catalog import Catalog
from kuairec_causal.simulate.params import CausalParams, Definitions, WorldConfig
from kuairec_causal.simulate.random import hash_start, stream

# Columns of the per-day uniform block.
(U_ACTIVE, U_VOLUME, U_WATCH, U_DISCOVERY, U_TAIL, U_HIGH, U_COMPLETE, U_ABANDON, U_SHORT,
 U_STATE, U_SESSION) = range(11)
N_UNIFORMS = 11

# Row-level hash salts.
SALT_ORDER, SALT_REWATCH, SALT_PICK, SALT_BUCKET, SALT_WATCH, SALT_GAP, SALT_ZERO = range(1, 8)

RING_SIZE = 8  # recently shown head videos kept per user (re-watch and familiar-content picks)

# Day 0 (2020-07-05) is a Sunday; index by (t + 6) % 7 with Monday = 0.
DOW_ACTIVITY = np.array([-0.10, -0.10, -0.05, -0.05, 0.00, 0.15, 0.20])
DOW_VOLUME = np.array([0.95, 0.95, 0.97, 0.98, 1.00, 1.07, 1.08])

# Watch-ratio buckets: [0, 0.1) invalid and abandoned, [0.1, 0.2) valid but abandoned,
# [0.2, 0.8) plain, [0.8, 1.0) high watch, [1.0, inf) complete or rewatch. Lower bounds in tenths.
BUCKET_LOW_TENTHS = np.array([0, 1, 2, 8, 10])
BUCKET_HIGH_TENTHS = np.array([1, 2, 8, 10, -1])
ZERO_PLAY_SHARE = 0.2  # of bucket-0 plays have play_duration 0
REWATCH_MEAN_EXCESS = 0.6  # bucket 4: watch_ratio = 1 + Exponential(0.6) ...
EXTREME_REWATCH_SHARE = 0.002  # ... except a few loops with watch ratios of 5 to 400
EXTREME_REWATCH_RANGE = (5.0, 400.0)
# Expected watch ratio per bucket (used for the truth of play time, which needs no rows).
BUCKET_MEAN_WATCH_RATIO = np.array([
    (1 - ZERO_PLAY_SHARE) * 0.05,
    0.15,
    0.5,
    0.9,
    (1 - EXTREME_REWATCH_SHARE) * (1 + REWATCH_MEAN_EXCESS) + EXTREME_REWATCH_SHARE * np.mean(EXTREME_REWATCH_RANGE),
])


def min_count_for_share(n: np.ndarray, threshold: float) -> np.ndarray:
    """Smallest k with k / n >= threshold in float64 division, as the warehouse compares it."""
    n = np.asarray(n, dtype=np.int64)
    safe_n = np.maximum(n, 1)
    k = np.ceil(threshold * safe_n).astype(np.int64)
    k = np.where((k - 1) / safe_n >= threshold, k - 1, k)
    k = np.where(k / safe_n < threshold, k + 1, k)
    return np.clip(k, 0, None)


def binomial_quantile(n: np.ndarray, p: np.ndarray, z: np.ndarray) -> np.ndarray:
    """A monotone (in z) binomial-like draw: normal approximation, rounded and clipped."""
    mean = n * p
    draw = np.rint(mean + np.sqrt(mean * (1 - p)) * z)
    return np.clip(draw, 0, n).astype(np.int64)


@dataclass
class State:
    """Everything about a user that carries over from one day to the next."""

    engagement: np.ndarray  # latent E
    recent_active: np.ndarray  # (3, U): days t-3, t-2, t-1
    recent_plays: np.ndarray
    recent_satisfaction: np.ndarray  # satisfaction depth (0 on inactive days)
    recent_discovery_share: np.ndarray
    first_active_day: np.ndarray  # -1 before the first active day
    tail_pointer: np.ndarray  # next position in the user's long-tail video permutation
    head_pointer: np.ndarray
    seen_categories: np.ndarray  # uint64 bit mask of first categories met so far
    ring: np.ndarray  # (U, RING_SIZE) recently shown head videos
    ring_count: np.ndarray
    ring_position: np.ndarray

    def copy(self) -> State:
        return State(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def tile(self, copies: int) -> State:
        """The state of ``copies`` replicas of every user (user axis is the last axis)."""
        return State(**{f.name: _tile_users(getattr(self, f.name), copies) for f in fields(self)})

    def take(self, users: np.ndarray) -> State:
        """The state of the listed users (world user indices; repeats make replicas)."""
        return State(**{f.name: getattr(self, f.name)[:, users] if f.name.startswith("recent_")
                        else getattr(self, f.name)[users] for f in fields(self)})


def _tile_users(values: np.ndarray, copies: int) -> np.ndarray:
    if values.ndim == 2 and values.shape[0] == 3:  # (3, users) history buffers
        return np.tile(values, (1, copies))
    return np.tile(values, (copies,) + (1,) * (values.ndim - 1))


@dataclass
class Intervention:
    """What counterfactual worlds set on the intervention day, per (replica) user.

    ``watch`` / ``discovery``: -1 natural course, else the forced decision. ``watch_odds``: a
    multiplier of the recommender's odds of a high-watch-exposure decision (an incremental
    propensity score intervention: with p the policy's probability, exposed iff the day's uniform
    is below odds * p / (odds * p + 1 - p); 1 keeps the natural course bit for bit); it applies
    where ``watch`` is -1. ``counts_source``: the user whose watch-quality counts this user gets
    (the mediator set to its value in another world). ``mediator_value``: NaN natural, else the
    mediator value that drives tomorrow's state (CDE).
    """

    watch: np.ndarray | None = None
    watch_odds: np.ndarray | None = None
    discovery: np.ndarray | None = None
    counts_source: np.ndarray | None = None
    mediator_value: np.ndarray | None = None


@dataclass
class RowBatch:
    """One day's timed plays, sorted by user then time."""

    user: np.ndarray  # world user index
    slot: np.ndarray
    video: np.ndarray  # world video index
    is_tail: np.ndarray
    is_new_category: np.ndarray
    rank: np.ndarray  # position within the user's day


@dataclass
class DayResult:
    active: np.ndarray
    plays: np.ndarray
    watch_decision: np.ndarray
    discovery_decision: np.ndarray
    high_watch_day: np.ndarray  # realised warehouse treatment (A)
    high_discovery_day: np.ndarray  # realised warehouse treatment (B)
    tail_plays: np.ndarray
    discovery_plays: np.ndarray
    counts: dict[str, np.ndarray]  # bucket counts c0..c4
    satisfaction: np.ndarray
    expected_play_ms: np.ndarray
    prior_plays: np.ndarray
    rows: RowBatch | None = field(default=None, repr=False)


class World:
    """One simulated interaction matrix (small or big) over the shared catalogue."""

    def __init__(
        self,
        config: WorldConfig,
        catalog: Catalog,
        user_index: np.ndarray,
        video_index: np.ndarray,
        params: CausalParams,
        definitions: Definitions,
        seed: int,
        n_days: int,
    ) -> None:
        self.config = config
        self.params = params
        self.definitions = definitions
        self.seed = seed
        self.salt = 1 if config.name == "small_matrix" else 2
        self.n_days = n_days
        users = catalog.users.iloc[user_index]
        videos = catalog.videos.iloc[video_index]
        self.user_ids = users["user_id"].to_numpy()
        self.n_users = len(users)
        self.replicas = 1
        self.base_index = np.arange(self.n_users)  # row of the video permutations
        self.activity_logit = users["_activity_logit"].to_numpy() + config.activity_shift
        self.volume = users["_volume_multiplier"].to_numpy()
        degree = users["user_active_degree"].to_numpy()
        self.degree_effect = np.select([degree == "high_active", degree == "middle_active", degree == "UNKNOWN"],
                                       [0.2, -0.2, -0.3], 0.0)
        author = users["is_video_author"].to_numpy()
        taste = np.nan_to_num(users["onehot_feat0"].to_numpy(), nan=0.0)
        # Observed profile traits shift watch quality (not latent, so they can be adjusted for).
        self.completion_profile = 0.08 * (taste - 0.3) - 0.04 * author
        self.discovery_profile = 0.3 * author
        self.video_ids = videos["video_id"].to_numpy()
        self.video_duration = videos["duration_ms"].to_numpy()
        self.video_category = videos["first_category"].to_numpy()
        is_tail = videos["is_long_tail"].to_numpy(dtype=bool)
        self.video_is_tail = is_tail
        tail_pool = np.flatnonzero(is_tail).astype(np.int32)
        head_pool = np.flatnonzero(~is_tail).astype(np.int32)
        rng = stream(seed, "permutations", config.name)
        self.tail_perm = rng.permuted(np.tile(tail_pool, (self.n_users, 1)), axis=1)
        self.head_perm = rng.permuted(np.tile(head_pool, (self.n_users, 1)), axis=1)
        self.mean_duration_tail = float(self.video_duration[tail_pool].mean())
        self.mean_duration_head = float(self.video_duration[head_pool].mean())
        self.full_mask = np.bitwise_or.reduce(np.left_shift(np.uint64(1), self.video_category.astype(np.uint64)))
        self.low_activity_cutoff = 3 * 0.6 * config.daily_interactions
        self._uniform_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._parent: World | None = None  # the world a replicated twin shares its random numbers with
        self._parent_rows: np.ndarray | None = None  # the parent's user rows a twin replicates (None: all)

    def replicate(self, copies: int, users: np.ndarray | None = None) -> World:
        """The same world with every user (or only ``users``, world user indices) repeated
        ``copies`` times, so several counterfactual worlds advance in one vectorised step.
        Replicas share random numbers (they are the same users) and the video permutations
        (through ``base_index``)."""
        twin = copy.copy(self)
        twin.replicas = self.replicas * copies
        rows = None if users is None else np.tile(np.asarray(users), copies)
        twin.n_users = self.n_users * copies if rows is None else len(rows)
        for name in ("user_ids", "base_index", "activity_logit", "volume", "degree_effect",
                     "completion_profile", "discovery_profile"):
            values = getattr(self, name)
            setattr(twin, name, np.tile(values, copies) if rows is None else values[rows])
        twin._uniform_cache = {}
        twin._parent = self
        twin._parent_rows = rows
        return twin

    # -- randomness -------------------------------------------------------------------------
    def _day_numbers(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Uniforms and their normal scores for one day (identical in every world)."""
        parent = self._parent
        if parent is not None:
            if day not in self._uniform_cache:
                uniforms, normal = parent._day_numbers(day)
                rows = self._parent_rows
                if rows is None:
                    copies = self.n_users // parent.n_users
                    self._uniform_cache[day] = (np.tile(uniforms, (copies, 1)), np.tile(normal, (copies, 1)))
                else:
                    self._uniform_cache[day] = (uniforms[rows], normal[rows])
            return self._uniform_cache[day]
        if day not in self._uniform_cache:
            uniforms = stream(self.seed, "day", self.config.name, day).random((self.n_users, N_UNIFORMS))
            self._uniform_cache[day] = (uniforms, ndtri(np.clip(uniforms, 1e-12, 1 - 1e-12)))
        return self._uniform_cache[day]

    # -- state ------------------------------------------------------------------------------
    def initial_state(self) -> State:
        n = self.n_users
        stationary_sd = self.params.state_noise_sd / np.sqrt(1 - self.params.state_persistence**2)
        initial = stream(self.seed, "initial", self.config.name).random(n)
        engagement = stationary_sd * ndtri(np.clip(initial, 1e-9, 1 - 1e-9))
        zeros = np.zeros((3, n))
        return State(
            engagement=engagement,
            recent_active=zeros.astype(np.int64),
            recent_plays=zeros.astype(np.int64),
            recent_satisfaction=zeros.copy(),
            recent_discovery_share=zeros.copy(),
            first_active_day=np.full(n, -1, dtype=np.int64),
            tail_pointer=np.zeros(n, dtype=np.int64),
            head_pointer=np.zeros(n, dtype=np.int64),
            seen_categories=np.zeros(n, dtype=np.uint64),
            ring=np.zeros((n, RING_SIZE), dtype=np.int32),
            ring_count=np.zeros(n, dtype=np.int64),
            ring_position=np.zeros(n, dtype=np.int64),
        )

    # -- one day ----------------------------------------------------------------------------
    def step(self, state: State, day: int, intervention: Intervention | None = None,
             collect_rows: bool = False) -> DayResult:
        """Advance ``state`` by one day in place and return what happened."""
        p, d = self.params, self.definitions
        intervention = intervention or Intervention()
        uniforms, normal = self._day_numbers(day)
        dow = (day + 6) % 7
        calendar = (day - (self.n_days - 1) / 2) / ((self.n_days - 1) / 2)

        # Observed history, exactly as the warehouse computes lag_1_* and the prior-window sums with
        # the three-day history window these dynamics are written for (Definitions.history_window_days).
        lag_active = state.recent_active[2]
        prior_plays = state.recent_plays.sum(axis=0)
        lag_satisfaction, prior_satisfaction = state.recent_satisfaction[2], state.recent_satisfaction.sum(axis=0)
        prior_active = state.recent_active.sum(axis=0)
        lag_discovery, prior_discovery = state.recent_discovery_share[2], state.recent_discovery_share.sum(axis=0)
        relative_prior_volume = prior_plays / (3 * self.config.daily_interactions) - 1

        # Activity and volume from the latent state.
        engagement = state.engagement
        active = uniforms[:, U_ACTIVE] < expit(self.activity_logit + p.activity_state_slope * engagement
                                                + DOW_ACTIVITY[dow])
        volume = (
            self.config.daily_interactions * self.volume * np.maximum(0.05, 1 + engagement)
            * (1 - p.volume_calendar_decline * day / (self.n_days - 1)) * DOW_VOLUME[dow]
        )
        noise = np.exp(p.volume_noise_sd * normal[:, U_VOLUME] - p.volume_noise_sd**2 / 2)
        plays = np.where(active, np.maximum(1, np.rint(volume * noise)), 0).astype(np.int64)

        # The recommender's decisions: observed history, profile and calendar only.
        watch_logit = (
            # satisfaction relative to its typical level on the active days (linear in the observed
            # lag_1 / prior-window satisfaction and activity columns)
            p.watch_policy_intercept
            + p.watch_policy_lag_satisfaction * (lag_satisfaction - p.satisfaction_centre * lag_active)
            + p.watch_policy_prior_satisfaction * (prior_satisfaction - p.satisfaction_centre * prior_active) / 3
            + p.watch_policy_prior_volume * relative_prior_volume
            + p.watch_policy_lag_active * lag_active + p.watch_policy_calendar * calendar + self.degree_effect
        )
        discovery_logit = (
            p.discovery_policy_intercept + p.discovery_policy_lag_share * (lag_discovery - 0.3)
            + p.discovery_policy_prior_share * (prior_discovery / 3 - 0.3)
            + p.discovery_policy_prior_volume * relative_prior_volume + p.discovery_policy_calendar * calendar
            + self.discovery_profile
        )
        watch = active & (uniforms[:, U_WATCH] < _odds_shifted(expit(watch_logit), intervention.watch_odds))
        discovery = active & (uniforms[:, U_DISCOVERY] < expit(discovery_logit))
        if intervention.watch is not None:
            watch = np.where(intervention.watch >= 0, active & (intervention.watch == 1), watch)
        if intervention.discovery is not None:
            discovery = np.where(intervention.discovery >= 0, active & (intervention.discovery == 1), discovery)

        # Long-tail plays: on the decided side of the discovery threshold.
        tail_plays = self._decided_count(plays, discovery, uniforms[:, U_TAIL], p.tail_share_on, p.tail_share_off,
                                         d.high_discovery_threshold)
        # Watch-quality counts: high-watch plays on the decided side of the exposure threshold.
        counts = self._watch_counts(plays, watch, discovery, uniforms, normal)
        if intervention.counts_source is not None:
            # The source is the same user in another world on the same day: same activity and plays.
            counts = {key: value[intervention.counts_source] for key, value in counts.items()}
        satisfaction = satisfaction_depth(counts, plays)

        discovery_plays, rows = self._realise_plays(state, day, active, plays, tail_plays, discovery, collect_rows)
        safe_plays = np.maximum(plays, 1)
        high_discovery_day = active & (discovery_plays / safe_plays >= d.high_discovery_threshold)
        high_watch_day = active & ((counts["c3"] + counts["c4"]) / safe_plays >= d.high_watch_exposure_threshold)

        # Tomorrow's latent state.
        mediator = satisfaction
        if intervention.mediator_value is not None:
            mediator = np.where(np.isnan(intervention.mediator_value), satisfaction, intervention.mediator_value)
        boost = 1 + p.low_activity_boost * (prior_plays < self.low_activity_cutoff)
        drive = (p.satisfaction_effect * boost * (1 + p.discovery_satisfaction_interaction * high_discovery_day)
                 * (mediator - p.satisfaction_centre))
        drive = np.where(active, drive + p.discovery_direct_effect * high_discovery_day, 0.0)
        state.engagement = p.state_persistence * engagement + drive + p.state_noise_sd * normal[:, U_STATE]

        # Roll the observed history.
        discovery_share = np.where(active, discovery_plays / safe_plays, 0.0)
        for buffer, value in (
            (state.recent_active, active.astype(np.int64)),
            (state.recent_plays, plays),
            (state.recent_satisfaction, satisfaction),
            (state.recent_discovery_share, discovery_share),
        ):
            buffer[:-1] = buffer[1:]
            buffer[-1] = value
        state.first_active_day = np.where((state.first_active_day < 0) & active, day, state.first_active_day)
        state.tail_pointer += tail_plays
        state.head_pointer += plays - tail_plays

        mean_duration = ((tail_plays * self.mean_duration_tail + (plays - tail_plays) * self.mean_duration_head)
                         / safe_plays)
        expected_ratio = sum(counts[f"c{b}"] * BUCKET_MEAN_WATCH_RATIO[b] for b in range(5))
        return DayResult(
            active=active,
            plays=plays,
            watch_decision=watch,
            discovery_decision=discovery,
            high_watch_day=high_watch_day,
            high_discovery_day=high_discovery_day,
            tail_plays=tail_plays,
            discovery_plays=discovery_plays,
            counts=counts,
            satisfaction=satisfaction,
            expected_play_ms=expected_ratio * mean_duration,
            prior_plays=prior_plays,
            rows=rows,
        )

    @staticmethod
    def _decided_count(plays, decided, uniform, share_on, share_off, threshold) -> np.ndarray:
        """A count whose share of plays lands on the decided side of ``threshold``."""
        low, high = np.where(decided, share_on[0], share_off[0]), np.where(decided, share_on[1], share_off[1])
        target = np.rint((low + (high - low) * uniform) * plays).astype(np.int64)
        needed = min_count_for_share(plays, threshold)
        count = np.where(decided, np.maximum(target, needed), np.minimum(target, needed - 1))
        return np.clip(count, 0, plays)

    def _watch_counts(self, plays, watch, discovery, uniforms, normal) -> dict[str, np.ndarray]:
        p, d = self.params, self.definitions
        high = self._decided_count(plays, watch, uniforms[:, U_HIGH], p.high_share_on, p.high_share_off,
                                   d.high_watch_exposure_threshold)
        completion = np.clip(p.completion_given_high + p.discovery_completion_shift * discovery
                             + self.completion_profile, 0.02, 0.98)
        complete = binomial_quantile(high, completion, normal[:, U_COMPLETE])
        low = plays - high
        abandon_rate = np.clip(p.abandon_given_low + p.discovery_abandon_shift * discovery, 0.0, 0.9)
        invalid = binomial_quantile(low, abandon_rate, normal[:, U_ABANDON])
        short = binomial_quantile(low - invalid, np.full(self.n_users, p.short_given_low), normal[:, U_SHORT])
        return {"c0": invalid, "c1": short, "c2": low - invalid - short, "c3": high - complete, "c4": complete}

    # -- plays: which videos, in which order ------------------------------------------------
    def _realise_plays(self, state, day, active, plays, tail_plays, discovery, collect_rows):
        """Choose the videos of the day and count discovery plays (long-tail or new category).

        Users who have already met every category can have no new-category play, so unless the
        rows are wanted for output their discovery count is just their long-tail count. Each
        user's plays are chosen, put in time order and folded into the state by a compiled loop
        (:mod:`._kernels`): a user's day is a few dozen plays, too short for NumPy's
        per-call overhead to pay off.
        """
        discovery_plays = tail_plays.copy()
        need = active if collect_rows else active & (state.seen_categories != self.full_mask)
        users = np.flatnonzero(need)
        if users.size == 0:
            return discovery_plays, None
        n_rows = int(plays[users].sum()) if collect_rows else 0
        rows = RowBatch(*(np.empty(n_rows, dtype=np.int64) for _ in range(3)), np.empty(n_rows, dtype=bool),
                        np.empty(n_rows, dtype=bool), np.empty(n_rows, dtype=np.int64))
        realise_plays(
            users, plays, tail_plays, discovery, self.user_ids, self.base_index, self.tail_perm, self.head_perm,
            self.video_category, state.seen_categories, state.tail_pointer, state.head_pointer, state.ring,
            state.ring_count, state.ring_position, np.int64(day), float(self.config.rewatch_rate),
            self._hash_start(SALT_REWATCH), self._hash_start(SALT_PICK), self._hash_start(SALT_ORDER),
            discovery_plays, collect_rows, rows.user, rows.slot, rows.video, rows.is_tail, rows.is_new_category,
            rows.rank)
        return discovery_plays, rows if collect_rows else None

    def _hash_start(self, salt: int) -> np.uint64:
        """The accumulator :func:`hash_uniform` starts from for a row-level salt of this world."""
        return hash_start(self.seed, salt * 16 + self.salt)


def _odds_shifted(probability: np.ndarray, odds: np.ndarray | None) -> np.ndarray:
    """The probability whose odds are ``odds`` times those of ``probability`` (unchanged where the
    multiplier is 1, so the natural course keeps its exact floating-point values)."""
    if odds is None:
        return probability
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted = odds * probability / (odds * probability + 1 - probability)
    return np.where(odds == 1, probability, shifted)


def satisfaction_depth(counts: dict[str, np.ndarray], plays: np.ndarray) -> np.ndarray:
    """satisfaction_depth_score = (valid + high + complete + (1 - abandon)) / 4 over plays, in the
    warehouse's order of floating-point operations; 0 on inactive days."""
    n = np.maximum(plays, 1).astype(np.float64)
    valid = (plays - counts["c0"]) / n
    high = (counts["c3"] + counts["c4"]) / n
    complete = counts["c4"] / n
    abandon = (counts["c0"] + counts["c1"]) / n
    score = (valid + high + complete + (1 - abandon)) / 4
    return np.where(plays > 0, score, 0.0)


def world_frame(results: list[DayResult]) -> pd.DataFrame:
    """Stack per-day results into a long user-day frame (world user index, day)."""
    n_users = results[0].active.size
    frame = {
        "user": np.tile(np.arange(n_users), len(results)),
        "day": np.repeat(np.arange(len(results)), n_users),
    }
    for name in ("active", "plays", "high_watch_day", "high_discovery_day", "tail_plays", "discovery_plays",
                 "satisfaction", "expected_play_ms", "prior_plays"):
        frame[name] = np.concatenate([getattr(r, name) for r in results])
    for key in ("c0", "c1", "c2", "c3", "c4"):
        frame[key] = np.concatenate([r.counts[key] for r in results])
    return pd.DataFrame(frame)
