"""Planted truth by simulation of counterfactual worlds.

For every start day t0 the observed state at the start of t0 is copied; the day's decision (or
mediator) is set, t0 is replayed with the same random numbers, and the next ``max_lead_days``
days follow their natural course (later decisions react to the changed history). A unit's effect
is the difference of its future outcomes between two such worlds; the truth is the mean over the
warehouse's analysis population (active user-days with enough history and complete follow-up).
Nothing is read off model coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kuairec_causal.progress import progress
from kuairec_causal.simulate.dynamics import DayResult, Intervention, State, World

OUTCOMES = ("interactions", "active_days", "play_hours")
MEDIATOR_QUANTILES = (0.1, 0.9)


@dataclass
class ObservedRun:
    results: list[DayResult]
    snapshots: list[State]  # state at the start of each day
    final_state: State


def run_observed(world: World) -> ObservedRun:
    state = world.initial_state()
    results, snapshots = [], []
    for day in progress(range(world.n_days), desc=f"simulate {world.config.name}", total=world.n_days):
        snapshots.append(state.copy())
        results.append(world.step(state, day, collect_rows=True))
    return ObservedRun(results, snapshots, state)


def analysis_population(world: World, run: ObservedRun) -> np.ndarray:
    """(days x users) mask of the warehouse's population: active, first active day at least
    min_history_days earlier, and a complete follow-up window inside the data."""
    d = world.definitions
    mask = np.zeros((world.n_days, world.n_users), dtype=bool)
    for day in range(d.min_history_days, world.n_days - d.max_lead_days):
        first = run.snapshots[day].first_active_day
        mask[day] = run.results[day].active & (first >= 0) & (day - first >= d.min_history_days)
    return mask


# The counterfactual worlds replayed from every start day, as replicas of the user axis:
# (name, forced watch decision, forced discovery decision, counts copied from world, mediator value)
WORLDS = (
    ("watch_on", 1, -1, None, None),
    ("watch_off", 0, -1, None, None),
    ("discovery_off", -1, 0, None, None),  # Y(0, M(0))
    ("discovery_on", -1, 1, None, None),  # Y(1, M(1))
    ("discovery_on_mediator_off", -1, 1, "discovery_off", None),  # Y(1, M(0))
    ("cde_low_on", -1, 1, None, "low"),
    ("cde_low_off", -1, 0, None, "low"),
    ("cde_high_on", -1, 1, None, "high"),
    ("cde_high_off", -1, 0, None, "high"),
)
WORLD_INDEX = {name: index for index, (name, *_rest) in enumerate(WORLDS)}


def _batched_intervention(n_users: int, mediator_values: dict[str, float]) -> Intervention:
    """Per-replica-user intervention arrays for WORLDS."""
    def per_world(values):
        return np.repeat(np.asarray(values, dtype=float), n_users)

    counts_source = np.arange(n_users * len(WORLDS))
    for index, (_, _, _, source, _) in enumerate(WORLDS):
        if source is not None:
            counts_source[index * n_users:(index + 1) * n_users] = np.arange(n_users) + WORLD_INDEX[source] * n_users
    return Intervention(
        watch=per_world([w for _, w, _, _, _ in WORLDS]).astype(np.int64),
        discovery=per_world([d for _, _, d, _, _ in WORLDS]).astype(np.int64),
        counts_source=counts_source,
        mediator_value=per_world([np.nan if m is None else mediator_values[m] for *_, m in WORLDS]),
    )


def _replay(replicated: World, start: State, day: int,
            intervention: Intervention) -> tuple[DayResult, dict[str, np.ndarray]]:
    """Replay ``day`` under the intervention, then the follow-up window in its natural course."""
    state = start.tile(len(WORLDS))
    first = replicated.step(state, day, intervention)
    totals = {name: np.zeros(replicated.n_users) for name in OUTCOMES}
    for ahead in range(1, replicated.definitions.max_lead_days + 1):
        result = replicated.step(state, day + ahead)
        totals["interactions"] += result.plays
        totals["active_days"] += result.active
        totals["play_hours"] += result.expected_play_ms / 3_600_000
    return first, totals


def _observed_outcomes(world: World, run: ObservedRun, play_ms: np.ndarray) -> dict[str, np.ndarray]:
    """Realised future outcomes of every user-day (NaN where the window runs past the data)."""
    plays = np.array([r.plays for r in run.results], dtype=float)
    active = np.array([r.active for r in run.results], dtype=float)
    horizon = world.definitions.max_lead_days
    out = {}
    for name, daily in (("interactions", plays), ("active_days", active), ("play_hours", play_ms / 3_600_000)):
        cumulative = np.vstack([np.zeros(world.n_users), np.cumsum(daily, axis=0)])
        future = np.full_like(daily, np.nan)
        future[: world.n_days - horizon] = cumulative[1 + horizon:] - cumulative[1: world.n_days - horizon + 1]
        out[name] = future
    return out


def _naive(outcome: np.ndarray, treated: np.ndarray) -> float:
    return float(outcome[treated].mean() - outcome[~treated].mean())


class _Accumulator:
    """Sums of unit-level differences over start days."""

    def __init__(self) -> None:
        self.sums: dict[tuple[str, str], float] = {}
        self.units = 0
        self.violations = 0

    def add(self, estimand: str, outcome: str, values: np.ndarray) -> None:
        self.sums[(estimand, outcome)] = self.sums.get((estimand, outcome), 0.0) + float(values.sum())

    def means(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for (estimand, outcome), total in self.sums.items():
            out.setdefault(outcome, {})[estimand] = total / max(self.units, 1)
        return out


def compute_truth(world: World, run: ObservedRun, realised_play_ms: np.ndarray) -> dict[str, object]:
    """Truth of both studies for one world, plus naive differences and diagnostics."""
    population = analysis_population(world, run)
    observed = _observed_outcomes(world, run, realised_play_ms)
    watch_day = np.array([r.high_watch_day for r in run.results])
    discovery_day = np.array([r.high_discovery_day for r in run.results])
    satisfaction = np.array([r.satisfaction for r in run.results])
    m_low, m_high = (float(q) for q in np.quantile(satisfaction[population], MEDIATOR_QUANTILES))

    long_term, mediation = _Accumulator(), _Accumulator()
    replicated = world.replicate(len(WORLDS))
    intervention = _batched_intervention(world.n_users, {"low": m_low, "high": m_high})
    start_days = np.flatnonzero(population.any(axis=1))
    for day in progress(start_days, desc=f"truth {world.config.name}", total=len(start_days)):
        units = population[day]
        long_term.units += int(units.sum())
        mediation.units += int(units.sum())
        first, totals = _replay(replicated, run.snapshots[day], int(day), intervention)

        def world_values(name, values, units=units):
            index = WORLD_INDEX[name]
            return values[index * world.n_users:(index + 1) * world.n_users][units]

        def outcome(name, key, totals=totals):
            return world_values(name, totals[key])

        long_term.violations += int((~world_values("watch_on", first.high_watch_day)).sum()
                                    + world_values("watch_off", first.high_watch_day).sum())
        mediation.violations += int(
            world_values("discovery_off", first.high_discovery_day).sum()
            + (~world_values("discovery_on", first.high_discovery_day)).sum()
            + (~world_values("discovery_on_mediator_off", first.high_discovery_day)).sum()
        )
        for name in OUTCOMES:
            long_term.add("ATE", name, outcome("watch_on", name) - outcome("watch_off", name))
            mediation.add("TE", name, outcome("discovery_on", name) - outcome("discovery_off", name))
            mediation.add("NDE", name, outcome("discovery_on_mediator_off", name) - outcome("discovery_off", name))
            mediation.add("NIE", name, outcome("discovery_on", name) - outcome("discovery_on_mediator_off", name))
            for label, level in (("CDE_low", "low"), ("CDE_high", "high")):
                mediation.add(label, name, outcome(f"cde_{level}_on", name) - outcome(f"cde_{level}_off", name))
        long_term.add("ATE", "log1p_interactions",
                      np.log1p(outcome("watch_on", "interactions")) - np.log1p(outcome("watch_off", "interactions")))
        mediation.add("mediator_shift", "satisfaction_depth_score",
                      world_values("discovery_on", first.satisfaction)
                      - world_values("discovery_off", first.satisfaction))

    long_term_truth = long_term.means()
    mediation_truth = mediation.means()
    for name in OUTCOMES:
        values = observed[name][population]
        long_term_truth[name]["naive_difference"] = _naive(values, watch_day[population])
        mediation_truth[name]["naive_difference"] = _naive(values, discovery_day[population])
        te, nie = mediation_truth[name]["TE"], mediation_truth[name]["NIE"]
        mediation_truth[name]["proportion_mediated"] = nie / te if te else float("nan")
    long_term_truth["avg_daily_interactions"] = {
        key: value / world.definitions.max_lead_days for key, value in long_term_truth["interactions"].items()
    }
    log_values = np.log1p(observed["interactions"][population])
    long_term_truth["log1p_interactions"]["naive_difference"] = _naive(log_values, watch_day[population])
    return {
        "population_rows": int(population.sum()),
        "long_term": {
            "treatment": "treatment_high_watch_exposure",
            "estimates": long_term_truth,
            "treatment_rate": float(watch_day[population].mean()),
            "intervention_violations": long_term.violations,
        },
        "mediation": {
            "treatment": "A_high_discovery",
            "mediator": "M_satisfaction_depth",
            "mediator_values": {"CDE_low": m_low, "CDE_high": m_high, "quantiles": list(MEDIATOR_QUANTILES)},
            "estimates": mediation_truth,
            "treatment_rate": float(discovery_day[population].mean()),
            "intervention_violations": mediation.violations,
        },
    }
