"""`dbt build` of the warehouse on the raw fixture: it passes (models, data tests, unit tests),
rebuilding gives identical tables, and other var settings (big_matrix, fixed thresholds, keeping
duplicates) build too."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
from dbt_invoke import DbtRun, run_dbt
from raw_fixture import WINDOW_VARS

WAREHOUSE_SCHEMAS = ("staging", "intermediate", "marts", "reference")


def _assert_passed(run: DbtRun) -> None:
    assert run.success, "dbt build failed:\n" + "\n".join(
        run.failures() + ([repr(run.exception)] if run.exception else []))
    assert run.results, "dbt build ran no nodes"
    kinds = {r["unique_id"].split(".")[0] for r in run.results}
    assert {"model", "test", "unit_test", "seed"} <= kinds


def _normalise(value: object) -> object:
    return "NaN" if isinstance(value, float) and math.isnan(value) else value


def _rows_equal(left: list[tuple], right: list[tuple]) -> bool:
    """Row lists equal, doubles compared to 1e-12 relative (exact for everything else)."""
    if len(left) != len(right):
        return False
    for row_a, row_b in zip(left, right):
        for a, b in zip(row_a, row_b):
            if isinstance(a, float) and isinstance(b, float):
                if not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12):
                    return False
            elif a != b:
                return False
    return True


def snapshot_tables(db_path: Path) -> dict[str, list[tuple]]:
    """Every relation of the warehouse schemas as a list of rows in a canonical order."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {WAREHOUSE_SCHEMAS} order by 1, 2"
        ).fetchall()
        snapshot = {}
        for schema, name in relations:
            rows = con.execute(f'select * from "{schema}"."{name}"').fetchall()
            normalised = [tuple(_normalise(v) for v in row) for row in rows]
            # sort on the non-float columns first so float noise cannot reorder rows
            snapshot[f"{schema}.{name}"] = sorted(normalised, key=lambda row: (
                repr(tuple(v for v in row if not isinstance(v, float))), repr(row)))
        return snapshot
    finally:
        con.close()


def test_build_passes(built_warehouse: tuple[Path, DbtRun]) -> None:
    db_path, run = built_warehouse
    _assert_passed(run)
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        panel_rows = con.execute("select count(*) from marts.fct_user_day_panel").fetchone()[0]
        population = con.execute("select count(*) from marts.mart_long_term_analysis").fetchone()[0]
        untimed = con.execute(
            "select metric_value from marts.mart_data_quality "
            "where scope = 'small_matrix' and metric = 'rows_without_usable_time'").fetchone()[0]
        duplicates = con.execute(
            "select metric_value from marts.mart_data_quality "
            "where scope = 'small_matrix' and metric = 'exact_duplicate_rows'").fetchone()[0]
        profiled = {scope for (scope,) in con.execute(
            "select distinct scope from marts.mart_data_quality where scope != 'panel'").fetchall()}
    finally:
        con.close()
    assert panel_rows > 0 and population > 0
    assert profiled == {"small_matrix"}  # data_quality_matrices: panel (the default)
    assert untimed == 5  # the fixture's rows with no date, time or timestamp
    assert duplicates == 11  # 4 + 1 (tripled) + 6 copied rows


def test_second_build_is_identical(raw_dir: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "kuairec.duckdb"
    first = run_dbt(["build"], raw_dir=raw_dir, duckdb_path=db_path, work_dir=tmp_path, window=WINDOW_VARS,
                    vars={"build_id": "same"})  # plain dbt: one build id per invocation unless given
    _assert_passed(first)
    before = snapshot_tables(db_path)
    second = run_dbt(["build"], raw_dir=raw_dir, duckdb_path=db_path, work_dir=tmp_path, window=WINDOW_VARS,
                     vars={"build_id": "same"})
    _assert_passed(second)
    after = snapshot_tables(db_path)
    assert before.keys() == after.keys()
    assert len(before) >= 30
    changed = [name for name in before if not _rows_equal(before[name], after[name])]
    assert not changed, f"tables differ between two builds: {changed}"


def test_build_with_other_vars(raw_dir: Path, tmp_path: Path) -> None:
    """big_matrix, every treatment on a fixed threshold, duplicates kept, other windows."""
    variables = {
        "interaction_matrix": "big_matrix",
        "data_quality_matrices": "all",
        "drop_exact_duplicate_rows": False,
        "high_intensity_rule": "fixed",
        "high_intensity_fixed_threshold": 12,
        "high_watch_exposure_rule": "fixed",
        "high_watch_exposure_fixed_threshold": 0.5,
        "high_discovery_rule": "fixed",
        "high_discovery_fixed_threshold": 0.2,
        "history_window_days": 2,
        "min_history_days": 2,
        "long_tail_quantile": 0.4,
    }
    db_path = tmp_path / "kuairec.duckdb"
    run = run_dbt(["build"], raw_dir=raw_dir, duckdb_path=db_path, work_dir=tmp_path, window=WINDOW_VARS,
                  vars=variables)
    _assert_passed(run)
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        definitions = dict(con.execute(
            "select treatment, threshold from marts.mart_treatment_definitions").fetchall())
        chosen = con.execute(
            "select metric_text from marts.mart_data_quality where metric = 'interaction_matrix'"
        ).fetchone()[0]
        kept = con.execute(
            "select metric_value from marts.mart_data_quality "
            "where metric = 'exact_duplicate_rows_dropped'").fetchone()[0]
        profiled = {scope for (scope,) in con.execute(
            "select distinct scope from marts.mart_data_quality where scope != 'panel'").fetchall()}
    finally:
        con.close()
    assert definitions == {"high_intensity": 12.0, "high_watch_exposure": 0.5, "high_discovery": 0.2}
    assert chosen == "big_matrix"
    assert profiled == {"small_matrix", "big_matrix"}
    assert kept == 0
