"""Planted truth of exposure policies sustained over several days (longitudinal regimes).

The long-term treatment is the recommender's high-watch-exposure decision, possible only on active
days. For every analysis user-day t (the long-term population, with a complete follow-up after
the longer window) and every regime window of k days, the observed state at the start of t is
copied and days t .. t+k-1 are replayed under each policy with the same random numbers; the
``max_lead_days`` days after the window (t+k .. t+k+max_lead_days-1) then follow their natural
course. Policies:

- static regimes: ``always`` (exposed on every active day of the window) and ``never``;
- incremental propensity score interventions: each day's odds of exposure multiplied by delta
  (exposed iff the day's uniform U < delta p / (delta p + 1 - p), p the recommender's probability
  under the counterfactual history; inactive days stay unexposed). delta = 1 is the natural
  course, read from the observed run itself (a replay with delta = 1 reproduces it exactly).

Outcomes are plays and active days over the follow-up; the truth of a policy is its mean over the
population, and of a contrast the mean of the unit-level differences.

Estimand labels (the ``estimand`` of the raw ground_truth rows, study ``long_term_regime``) carry
the regime, the window and delta: ``<regime>[k=<k>]`` or ``<regime>[k=<k>,delta=<delta>]``, regime
one of ``always``, ``never``, ``always_vs_never``, ``natural``, ``incremental``,
``incremental_vs_natural`` (see :func:`regime_estimand` / :func:`parse_regime_estimand`).
"""

from __future__ import annotations

import re

import numpy as np

from kuairec_causal.progress import progress
from kuairec_causal.simulate.dynamics import Intervention, State, World
from kuairec_causal.simulate.params import Definitions
from kuairec_causal.simulate.truth import ObservedRun, analysis_population

STUDY = "long_term_regime"
TREATMENT = "treatment_high_watch_exposure"
REGIME_WINDOWS = (3, 7)
INCREMENTAL_DELTAS = (0.5, 2.0)
REGIME_OUTCOMES = ("interactions", "active_days")
# The static regimes: (name, the decision forced on every day of the window)
STATIC_POLICIES = (("always", 1), ("never", 0))

_ESTIMAND = re.compile(r"^(?P<regime>[a-z_]+)\[k=(?P<k>\d+)(?:,delta=(?P<delta>[0-9.]+))?\]$")


def regime_estimand(regime: str, k_days: int, delta: float | None = None) -> str:
    """The estimand label of a regime over a k-day window, e.g. ``incremental[k=3,delta=0.5]``."""
    suffix = "" if delta is None else f",delta={float(delta):g}"
    return f"{regime}[k={int(k_days)}{suffix}]"


def parse_regime_estimand(label: str) -> tuple[str, int, float | None]:
    """(regime, k_days, delta or None) of a label made by :func:`regime_estimand`."""
    match = _ESTIMAND.match(label)
    if match is None:
        raise ValueError(f"not a regime estimand label: {label!r}")
    delta = match["delta"]
    return match["regime"], int(match["k"]), None if delta is None else float(delta)


def regime_population(world: World, run: ObservedRun, k_days: int) -> np.ndarray:
    """The long-term analysis population whose follow-up after a k-day window lies in the data."""
    mask = analysis_population(world, run).copy()
    mask[world.n_days - k_days - world.definitions.max_lead_days + 1:] = False
    return mask


def _policies(deltas: tuple[float, ...]) -> list[tuple[str, int, float]]:
    """(name, forced watch decision or -1 for none, odds multiplier) of every replayed world."""
    static = [(name, forced, 1.0) for name, forced in STATIC_POLICIES]
    return static + [(f"incremental@{delta:g}", -1, float(delta)) for delta in deltas]


def _intervention(n_users: int, policies: list[tuple[str, int, float]]) -> Intervention:
    return Intervention(
        watch=np.repeat(np.array([forced for _, forced, _ in policies], dtype=np.int64), n_users),
        watch_odds=np.repeat(np.array([odds for _, _, odds in policies], dtype=float), n_users),
    )


def _replay_window(world: World, start: State, users: np.ndarray, day: int, k_days: int,
                   policies: list[tuple[str, int, float]]) -> dict[str, np.ndarray]:
    """Days day .. day+k-1 under every policy, then the follow-up in its natural course, for
    ``users`` (one replica per policy, policy-major)."""
    replicated = world.replicate(len(policies), users)
    intervention = _intervention(len(users), policies)
    state = start.take(np.tile(users, len(policies)))
    totals = {name: np.zeros(replicated.n_users) for name in (*REGIME_OUTCOMES, "exposed_days", "violations")}
    forced = intervention.watch
    assert forced is not None  # every policy forces or leaves the watch decision (never None)
    for offset in range(k_days):
        result = replicated.step(state, day + offset, intervention)
        totals["exposed_days"] += result.high_watch_day
        expected = np.where(forced >= 0, result.active & (forced == 1), result.watch_decision)
        totals["violations"] += result.high_watch_day != expected
    for offset in range(k_days, k_days + replicated.definitions.max_lead_days):
        result = replicated.step(state, day + offset)
        totals["interactions"] += result.plays
        totals["active_days"] += result.active
    return totals


def _observed_window(run: ObservedRun, day: int, k_days: int, lead: int) -> dict[str, np.ndarray]:
    """The natural course (delta = 1) of the same quantities, from the observed run."""
    follow_up = run.results[day + k_days: day + k_days + lead]
    return {
        "interactions": np.sum([r.plays for r in follow_up], axis=0).astype(float),
        "active_days": np.sum([r.active for r in follow_up], axis=0).astype(float),
        "exposed_days": np.sum([r.high_watch_day for r in run.results[day: day + k_days]], axis=0).astype(float),
    }


def _window_truth(world: World, run: ObservedRun, k_days: int, deltas: tuple[float, ...]) -> dict[str, object]:
    population = regime_population(world, run, k_days)
    policies = _policies(deltas)
    sums: dict[tuple[str, str], float] = {}
    violations = 0

    def add(outcome: str, label: str, values: np.ndarray) -> None:
        sums[(outcome, label)] = sums.get((outcome, label), 0.0) + float(values.sum())

    start_days = np.flatnonzero(population.any(axis=1))
    for day in progress(start_days, desc=f"regime truth k={k_days} {world.config.name}", total=len(start_days)):
        users = np.flatnonzero(population[day])
        totals = _replay_window(world, run.snapshots[day], users, int(day), k_days, policies)
        natural = _observed_window(run, int(day), k_days, world.definitions.max_lead_days)
        violations += int(totals["violations"].sum())
        by_policy = {key: values.reshape(len(policies), len(users)) for key, values in totals.items()}

        def policy(index: int, key: str, by_policy=by_policy) -> np.ndarray:
            return by_policy[key][index]

        for outcome in (*REGIME_OUTCOMES, "exposed_days"):
            always, never, reference = policy(0, outcome), policy(1, outcome), natural[outcome][users]
            add(outcome, regime_estimand("always", k_days), always)
            add(outcome, regime_estimand("never", k_days), never)
            add(outcome, regime_estimand("natural", k_days), reference)
            for index, delta in enumerate(deltas, start=len(STATIC_POLICIES)):
                add(outcome, regime_estimand("incremental", k_days, delta), policy(index, outcome))
            if outcome == "exposed_days":
                continue
            add(outcome, regime_estimand("always_vs_never", k_days), always - never)
            for index, delta in enumerate(deltas, start=len(STATIC_POLICIES)):
                contrast = policy(index, outcome) - reference
                add(outcome, regime_estimand("incremental_vs_natural", k_days, delta), contrast)
    n_units = max(int(population.sum()), 1)
    means: dict[str, dict[str, float]] = {}
    for (outcome, label), total in sorted(sums.items()):
        means.setdefault(outcome, {})[label] = total / n_units
    exposed_days = means.pop("exposed_days")
    return {
        "k_days": k_days,
        "population_rows": int(population.sum()),
        "intervention_violations": violations,
        "estimates": means,
        "mean_exposed_days": exposed_days,
    }


def window_truths(world: World, run: ObservedRun, windows: tuple[int, ...] = REGIME_WINDOWS,
                  deltas: tuple[float, ...] = INCREMENTAL_DELTAS) -> dict[str, dict[str, object]]:
    """Truth of the static and incremental exposure policies for each window length (keyed by
    the length as text). Windows are independent of each other, so they can be computed apart."""
    return {str(k): _window_truth(world, run, k, tuple(deltas)) for k in windows}


def regime_truth(definitions: Definitions, windows: dict[str, dict[str, object]],
                 deltas: tuple[float, ...] = INCREMENTAL_DELTAS) -> dict[str, object]:
    """The study's entry of a world in ground_truth.json, from its :func:`window_truths`."""
    return {
        "treatment": TREATMENT,
        "follow_up_days": definitions.max_lead_days,
        "deltas": [float(delta) for delta in deltas],
        "windows": windows,
    }
