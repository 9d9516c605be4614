"""Write, audit, publish: a build that fails, is killed or interrupted leaves the published
warehouse byte for byte as it was; a re-run recovers; raw snapshots pin what a build read; every
mart carries the build id, which the estimator stage and the report check."""

from __future__ import annotations

import random
import signal
import time

import duckdb
import pandas as pd
import pytest
from trust_home import ROOT, Home, make_home, wait_for

from kuairec_causal.errors import KuaiRecError
from kuairec_causal.store import (
    DuckDBMartReader,
    check_effects_current,
    marts_build_id,
    project_marts,
    read_effect_builds,
    write_tables,
)

OTHER_VARS = '{"long_tail_quantile": 0.45}'  # a different build (new id), same data


def _published_build_id(home: Home) -> str:
    return marts_build_id(DuckDBMartReader(home.duckdb_path), ROOT)


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.startswith("kuairec-causal ")]
    assert "Traceback" not in stderr, stderr[-2000:]
    assert len(lines) == 1, stderr[-2000:]
    assert stderr.strip().splitlines()[-1] == lines[0]
    return lines[0]


def test_every_mart_carries_one_build_id(built_home):
    with duckdb.connect(str(built_home.duckdb_path), read_only=True) as con:
        built = {t for (t,) in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'marts'").fetchall()}
        ids = {t: con.execute(f"select distinct build_id from marts.{t}").fetchall() for t in project_marts(ROOT)}
    assert built == set(ids), built ^ set(ids)  # every mart the warehouse holds is one the project defines
    assert all(len(v) == 1 for v in ids.values())
    assert len({v[0][0] for v in ids.values()}) == 1


def test_the_panel_calendar_is_the_declared_window(built_home):
    with duckdb.connect(str(built_home.duckdb_path), read_only=True) as con:
        first, last, days = con.execute("select min(event_date), max(event_date), count(distinct event_date) "
                                        "from marts.fct_user_day_panel").fetchall()[0]
    assert (str(first), str(last), days) == ("2020-07-05", "2020-09-05", 63)


def test_a_build_failing_its_tests_leaves_the_published_file_unchanged(home):
    before, build_id = home.digest(), _published_build_id(home)
    result = home.run("build", "--vars", '{"readiness_min_treatment_rate": 0.6}')
    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert "test assert_treatments_have_variation" in line and f"(dbt log: {home.folder / 'logs' / 'dbt.log'})" in line
    assert home.digest() == before and _published_build_id(home) == build_id
    assert home.leftovers() == []


def test_killed_builds_leave_the_published_file_as_it_was_and_a_rerun_recovers(home):
    """SIGKILL at seeded random points of `kuairec-causal build`: the published file is the old one
    byte for byte, or (killed after the rename) the complete new build; never a mix."""
    before, old_id = home.digest(), _published_build_id(home)
    rng = random.Random(16)
    outcomes = []
    for delay in sorted(rng.uniform(0.5, 14.0) for _ in range(4)):
        child = home.spawn("build", "--vars", OTHER_VARS)
        time.sleep(delay)
        child.kill()
        child.communicate()
        if home.digest() == before:
            outcomes.append("unchanged")
        else:  # the rename happened: the new build, complete
            assert _published_build_id(home) != old_id
            outcomes.append("published")
            break
    assert "unchanged" in outcomes
    rerun = home.run("build", "--vars", OTHER_VARS)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert _published_build_id(home) != old_id
    assert home.leftovers() == []  # the killed builds' folders were swept by the re-run


def test_ctrl_c_during_a_build_says_interrupted_and_changes_nothing(home):
    """SIGINT at a random moment once the child is writing its new warehouse file."""
    before = home.digest()
    child = home.spawn("build", "--vars", OTHER_VARS)
    assert wait_for(lambda: home.leftovers(), child), "the build never started writing"
    time.sleep(random.Random(130).uniform(0.0, 3.0))
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    if child.returncode == 0:
        pytest.skip("the build finished before the signal")
    assert child.returncode == 130
    assert _one_line(err).endswith(": interrupted")
    assert home.digest() == before
    assert home.leftovers() == []


def test_a_later_ingest_does_not_change_the_published_warehouse(tiny_release, tiny_null_release, tmp_path):
    """Raw and staging models are views: they read the build's pinned snapshot, not warehouse/raw."""
    from kuairec_causal.ingest import ingest_release
    from kuairec_causal.warehouse import build_panel, build_vars

    home = make_home(tmp_path / "home", tiny_release.archive)
    build_panel(home.paths(), build_vars(home.paths()))
    query = "select count(*), sum(play_duration_ms), sum(watch_ratio) from staging.stg_kuairec__small_matrix"
    with duckdb.connect(str(home.duckdb_path), read_only=True) as con:
        before = con.execute(query).fetchall()
    ingest_release(tiny_null_release.archive, home.raw_dir)  # other data, same layout
    with duckdb.connect(str(home.duckdb_path), read_only=True) as con:
        assert con.execute(query).fetchall() == before
    fresh = duckdb.sql("select count(*), sum(play_duration), sum(watch_ratio) "
                       f"from read_parquet('{home.raw_dir}/small_matrix.parquet')").fetchall()
    assert fresh != before  # the new raw tables do differ


def _tables(path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        return {f"{s}.{t}": con.execute(f'select * from "{s}"."{t}"').df() for s, t in names}


def _bit_identical(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    order = list(a.columns)
    a, b = a.sort_values(order, ignore_index=True), b.sort_values(order, ignore_index=True)
    for column in order:
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x):
            if not (x.to_numpy().view("u8") == y.to_numpy().view("u8")).all():
                return False
        elif not x.equals(y):
            return False
    return True


def test_two_builds_of_the_same_inputs_are_bit_identical(simulated_warehouse, tmp_path):
    """At the ci scale (enough rows for DuckDB to aggregate in parallel): a second build into a new
    folder gets the same build id and the same bits in every table, build_id column included."""
    from kuairec_causal.warehouse import build_panel, build_vars

    first, _ = simulated_warehouse("ci")
    second = first.__class__(root=first.root, duckdb_path=tmp_path / "again" / "kuairec.duckdb", raw_dir=first.raw_dir)
    plan = build_panel(second, build_vars(second, "small_matrix"))
    assert plan.build_id == marts_build_id(DuckDBMartReader(first.duckdb_path), ROOT)
    a, b = _tables(first.duckdb_path), _tables(second.duckdb_path)
    assert a.keys() == b.keys() and len(a) >= 20  # tables (staging models are views)
    assert [name for name in a if not _bit_identical(a[name], b[name])] == []


def test_estimate_refuses_marts_of_different_builds(home):
    with duckdb.connect(str(home.duckdb_path)) as con:
        con.execute("update marts.mart_selected_metrics set build_id = 'bsomethingelse'")
    with pytest.raises(KuaiRecError, match=r"marts\.\w+ is from build \w+ but marts\.\w+ from build \w+"):
        _published_build_id(home)
    result = home.run("estimate", "--n-boot", "0")
    assert result.returncode == 2 and "mix builds" in _one_line(result.stderr)


def _fake_effects(home: Home, build_id: str) -> None:
    """Plumbing: effect tables recorded for ``build_id`` (contents irrelevant to the guard)."""
    for study in ("long_term", "mediation"):
        write_tables(home.duckdb_path, {f"{study}_run_info": pd.DataFrame({"key": ["n_boot"], "value": ["0"]})},
                     replace_all_with_prefix=f"{study}_", provenance=(study, build_id, "settings"))


def test_report_refuses_missing_stale_and_untested_effect_tables(home):
    marts = ["mart_long_term_analysis"]
    with pytest.raises(KuaiRecError, match="no effect tables of study long_term"):
        check_effects_current(home.duckdb_path, ["long_term"], marts)
    result = home.run("report")
    assert result.returncode == 2 and "no effect tables of study" in _one_line(result.stderr)
    build_id = _published_build_id(home)
    _fake_effects(home, build_id)
    with pytest.raises(KuaiRecError, match="have not passed their dbt tests"):
        check_effects_current(home.duckdb_path, ["long_term"], marts)
    # a plain `dbt build` in place rebuilds the marts (new id) under the effect tables: stale
    from kuairec_causal.warehouse import run_dbt

    run_dbt(home.paths(), ["build"], {"interaction_matrix": "small_matrix"}, "duckdb")
    with pytest.raises(KuaiRecError, match=rf"stale \(estimated on build {build_id}, the marts are build dbt-"):
        check_effects_current(home.duckdb_path, ["long_term"], marts)
    result = home.run("report")
    assert result.returncode == 2 and "are stale" in _one_line(result.stderr)


def test_effect_tables_survive_a_rebuild_of_the_same_inputs_only(home):
    from kuairec_causal.store import mark_tested

    build_id = _published_build_id(home)
    _fake_effects(home, build_id)
    mark_tested(home.duckdb_path)
    assert home.run("build").returncode == 0  # same inputs: same id, effect tables carried over
    assert check_effects_current(home.duckdb_path, ["long_term", "mediation"], ["mart_long_term_analysis"]) == build_id
    _fake_effects(home, build_id)  # estimated again after the carry-over: each study's record is replaced
    assert sorted(read_effect_builds(home.duckdb_path)["study"]) == ["long_term", "mediation"]
    assert home.run("build", "--vars", OTHER_VARS).returncode == 0  # another build: they are gone
    with pytest.raises(KuaiRecError, match="no effect tables"):
        check_effects_current(home.duckdb_path, ["long_term"], ["mart_long_term_analysis"])


def test_estimate_refuses_to_write_over_marts_rebuilt_meanwhile(home):
    with pytest.raises(KuaiRecError, match=r"the marts were rebuilt while the estimator ran \(build bstale -> "):
        write_tables(home.duckdb_path, {"long_term_run_info": pd.DataFrame({"key": ["a"], "value": ["b"]})},
                     provenance=("long_term", "bstale", "settings"))


def test_effect_builds_leave_the_raw_views_on_the_pinned_snapshot(home):
    """The effect models run in the published warehouse; with var register_raw_tables false (as
    `kuairec-causal estimate` sets it) its raw views keep reading the build's snapshot."""
    from kuairec_causal.warehouse import run_dbt

    def raw_view_sql() -> str:
        with duckdb.connect(str(home.duckdb_path), read_only=True) as con:
            return con.execute("select sql from duckdb_views() "
                               "where schema_name = 'raw' and view_name = 'small_matrix'").fetchall()[0][0]

    pinned = raw_view_sql()
    assert "/snapshots/" in pinned
    run_dbt(home.paths(), ["build", "--select", "stg_kuairec__users"], {"register_raw_tables": False}, "duckdb")
    assert raw_view_sql() == pinned
    run_dbt(home.paths(), ["build", "--select", "stg_kuairec__users"], {}, "duckdb")  # plain dbt re-points them
    assert str(home.raw_dir) in raw_view_sql()
