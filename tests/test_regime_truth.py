"""Planted truth of exposure policies over several days: the replay machinery, the truth's shape in
the planted and the null world, its ingest into the raw ground_truth table, and the regime mart's
agreement with the simulator's population and natural course."""

from __future__ import annotations

import json
from dataclasses import fields

import duckdb
import numpy as np
import pytest

from kuairec_causal.simulate.catalog import build_catalog
from kuairec_causal.simulate.dynamics import Intervention
from kuairec_causal.simulate.params import CausalParams, Definitions
from kuairec_causal.simulate.regime_truth import (
    REGIME_OUTCOMES,
    STUDY,
    _observed_window,
    _replay_window,
    parse_regime_estimand,
    regime_estimand,
    regime_population,
)
from kuairec_causal.simulate.release import _world, world_configs
from kuairec_causal.simulate.scales import get_scale
from kuairec_causal.simulate.truth import run_observed

K = "3"  # the window the regime mart builds by default (var regime_window_days)


@pytest.fixture(scope="module")
def tiny_world(tiny_seed):
    scale = get_scale("tiny")
    definitions = Definitions()
    catalog = build_catalog(scale, tiny_seed, definitions.long_tail_quantile)
    world = _world(world_configs(scale)[0], scale, catalog, CausalParams(), definitions, tiny_seed)
    return world, run_observed(world)


@pytest.fixture(scope="module")
def truths(tiny_release, tiny_null_release) -> dict[str, dict]:
    """ground_truth.json of the planted and of the null-effects world."""
    releases = {"planted": tiny_release, "null": tiny_null_release}
    return {world: json.loads(release.truth.read_text()) for world, release in releases.items()}


def _labels(k: str) -> dict[str, str]:
    k_days = int(k)
    return {"always": regime_estimand("always", k_days), "never": regime_estimand("never", k_days),
            "natural": regime_estimand("natural", k_days), "low": regime_estimand("incremental", k_days, 0.5),
            "high": regime_estimand("incremental", k_days, 2)}


def test_odds_multiplier_of_one_keeps_the_natural_course_bit_for_bit(tiny_world):
    world, run = tiny_world
    day = 20
    plain, shifted = run.snapshots[day].copy(), run.snapshots[day].copy()
    first = world.step(plain, day, Intervention())
    second = world.step(shifted, day, Intervention(watch_odds=np.ones(world.n_users)))
    for name in ("active", "plays", "watch_decision", "high_watch_day", "satisfaction", "expected_play_ms"):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name
    for state_field in fields(plain):
        assert np.array_equal(getattr(plain, state_field.name), getattr(shifted, state_field.name)), state_field.name


def test_replaying_a_subset_of_users_reproduces_the_observed_run(tiny_world):
    """Common random numbers: the natural course replayed for some users from a snapshot is the
    observed run, day by day, whatever the other users do."""
    world, run = tiny_world
    population = regime_population(world, run, 3)
    for day in (10, 30, 50):
        users = np.flatnonzero(population[day])[::2]
        replayed = _replay_window(world, run.snapshots[day], users, day, 3, [("natural", -1, 1.0)])
        observed = _observed_window(run, day, 3, world.definitions.max_lead_days)
        for key in (*REGIME_OUTCOMES, "exposed_days"):
            assert np.array_equal(replayed[key], observed[key][users]), (day, key)
        assert replayed["violations"].sum() == 0


def test_raising_the_odds_only_adds_exposure_on_the_first_day(tiny_world):
    world, run = tiny_world
    day = 25
    users = np.flatnonzero(regime_population(world, run, 3)[day])
    policies = [("low", -1, 0.5), ("natural", -1, 1.0), ("high", -1, 2.0)]
    twin = world.replicate(len(policies), users)
    state = run.snapshots[day].take(np.tile(users, len(policies)))
    exposed = twin.step(state, day, Intervention(watch=np.full(twin.n_users, -1),
                                                 watch_odds=np.repeat([0.5, 1.0, 2.0], len(users)))).high_watch_day
    low, natural, high = exposed.reshape(3, len(users))
    assert np.all(low <= natural) and np.all(natural <= high) and low.sum() < natural.sum() < high.sum()


def test_planted_world_policies(truths):
    for block in truths["planted"]["matrices"].values():
        regimes = block[STUDY]
        assert regimes["follow_up_days"] == block["warehouse_vars"]["max_lead_days"]
        assert list(regimes["windows"]) == ["3", "7"]
        assert regimes["windows"]["7"]["population_rows"] < regimes["windows"]["3"]["population_rows"] \
            < block["population_rows"]
        for k, window in regimes["windows"].items():
            assert window["intervention_violations"] == 0
            label = _labels(k)
            exposed = window["mean_exposed_days"]
            assert exposed[label["never"]] == 0
            ordered = [exposed[label[name]] for name in ("low", "natural", "high", "always")]
            assert ordered == sorted(ordered) and len(set(ordered)) == 4 and ordered[-1] <= int(k)
            plays = window["estimates"]["interactions"]
            assert plays[regime_estimand("always_vs_never", int(k))] > 0
            assert plays[regime_estimand("incremental_vs_natural", int(k), 2)] > 0
            assert plays[regime_estimand("incremental_vs_natural", int(k), 0.5)] < 0
            assert plays[regime_estimand("always_vs_never", int(k))] == pytest.approx(
                plays[label["always"]] - plays[label["never"]], rel=1e-9)


def test_null_world_policies_change_nothing(truths):
    for block in truths["null"]["matrices"].values():
        for k, window in block[STUDY]["windows"].items():
            for outcome in REGIME_OUTCOMES:
                values = window["estimates"][outcome]
                assert values[regime_estimand("always_vs_never", int(k))] == 0
                for delta in (0.5, 2):
                    assert values[regime_estimand("incremental_vs_natural", int(k), delta)] == 0
            # exposure itself still moves: the policies were applied
            exposed = window["mean_exposed_days"]
            assert exposed[_labels(k)["always"]] > exposed[_labels(k)["natural"]]


def test_estimand_labels_round_trip():
    assert regime_estimand("incremental_vs_natural", 3, 0.5) == "incremental_vs_natural[k=3,delta=0.5]"
    assert parse_regime_estimand("incremental_vs_natural[k=3,delta=0.5]") == ("incremental_vs_natural", 3, 0.5)
    assert parse_regime_estimand(regime_estimand("always", 7)) == ("always", 7, None)
    with pytest.raises(ValueError, match="not a regime estimand label"):
        parse_regime_estimand("ATE")


def test_ingest_carries_the_regime_truth(tiny_raw, truths):
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT * FROM read_parquet('{tiny_raw}/ground_truth.parquet') WHERE study = ?",
                           [STUDY]).df()
    for matrix, block in truths["planted"]["matrices"].items():
        for k, window in block[STUDY]["windows"].items():
            expected = {(outcome, label): value for outcome, values in window["estimates"].items()
                        for label, value in values.items()}
            mine = rows[(rows["interaction_matrix"] == matrix)
                        & rows["estimand"].map(lambda label, k=k: parse_regime_estimand(label)[1] == int(k))]
            assert dict(zip(zip(mine["outcome"], mine["estimand"]), mine["value"])) == expected
            assert (mine["population_rows"] == window["population_rows"]).all()


@pytest.mark.parametrize("matrix", ["small_matrix", "big_matrix"])
def test_regime_mart_is_the_simulators_population_and_natural_course(matrix, truths, build_tiny_warehouse):
    paths = build_tiny_warehouse(matrix)
    with duckdb.connect(str(paths.duckdb_path), read_only=True) as con:
        rows, plays, active = con.execute(
            "SELECT count(*), avg(followup_interactions), avg(followup_active_days) "
            "FROM marts.mart_long_term_regime_panel").fetchall()[0]
    window = truths["planted"]["matrices"][matrix][STUDY]["windows"][K]
    natural = _labels(K)["natural"]
    assert rows == window["population_rows"]
    assert plays == pytest.approx(window["estimates"]["interactions"][natural], rel=1e-12)
    assert active == pytest.approx(window["estimates"]["active_days"][natural], rel=1e-12)
