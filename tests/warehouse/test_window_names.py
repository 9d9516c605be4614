"""Names follow definitions: the window vars rename the panel's window columns everywhere (SQL,
dbt YAML, the studies' column lists), and mart_panel_windows tells consumers which windows a
build used. A build with other windows (2-day history, 2- and 4-day futures) next to the default
build: every documented column exists, no column still carries a default window name, and the
columns the studies read are in the marts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from dbt_invoke import DbtRun, run_dbt

from kuairec_causal.store import DuckDBMartReader
from kuairec_causal.studies import long_term, mediation_spec
from kuairec_causal.windows import PanelWindows

OTHER_WINDOWS = {"history_window_days": 2, "short_horizon_days": 2, "max_lead_days": 4, "min_history_days": 2}
WINDOW_NAME = re.compile(r"^(?:outcome_)?(prior|future)_(\d+)day_")


@pytest.fixture(scope="module")
def other_build(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtRun]:
    work = tmp_path_factory.mktemp("dbt_other_windows")
    db_path = work / "kuairec.duckdb"
    run = run_dbt(["build"], raw_dir=raw_dir, duckdb_path=db_path, work_dir=work, vars=OTHER_WINDOWS)
    assert run.success, "dbt build failed:\n" + "\n".join(run.failures() + [repr(run.exception)])
    return db_path, run


def _columns(db_path: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute("select table_schema || '.' || table_name, column_name from information_schema.columns "
                           "where table_schema in ('intermediate', 'marts') order by ordinal_position").fetchall()
    finally:
        con.close()
    columns: dict[str, list[str]] = {}
    for relation, column in rows:
        columns.setdefault(relation, []).append(column)
    return columns


def _documented(run: DbtRun) -> dict[str, list[str]]:
    """Columns the dbt YAML documents per model (names rendered with the build's vars)."""
    manifest = json.loads((run.target_path / "manifest.json").read_text())
    return {f"{node['schema']}.{node['name']}": list(node["columns"])
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["schema"] in ("intermediate", "marts")}


def _windows_in_names(columns: list[str]) -> set[tuple[str, int]]:
    return {(m.group(1), int(m.group(2))) for c in columns if (m := WINDOW_NAME.match(c))}


@pytest.mark.parametrize("build", ["default", "other"])
def test_column_names_state_the_build_windows(build, built_warehouse, other_build):
    db_path, run = built_warehouse if build == "default" else other_build
    windows = DuckDBMartReader(db_path).read("mart_panel_windows")
    expected = PanelWindows.project_defaults() if build == "default" else PanelWindows.from_vars(OTHER_WINDOWS)
    assert PanelWindows.from_frame(windows) == expected
    row = windows.iloc[0]
    assert (row["prior_window_prefix"], row["short_horizon_prefix"], row["horizon_prefix"]) == (
        expected.prior(""), expected.short_horizon(""), expected.horizon(""))
    allowed = {("prior", expected.history_days), ("future", expected.short_horizon_days),
               ("future", expected.horizon_days)}
    built = _columns(db_path)
    for relation, columns in built.items():
        assert _windows_in_names(columns) <= allowed, f"{relation}: window names {_windows_in_names(columns)}"
    panel = built["marts.fct_user_day_panel"]
    assert expected.prior("interactions") in panel and expected.horizon("interactions") in panel
    assert [c for c in panel if c.startswith("lead_") and c.endswith("_interactions")] == [
        f"lead_{k}_interactions" for k in range(1, expected.horizon_days + 1)]
    # every column the YAML documents exists under that name in the built relation
    for relation, columns in _documented(run).items():
        missing = [c for c in columns if c not in built.get(relation, [])]
        assert not missing, f"{relation}: documented but not built: {missing}"


def test_the_studies_read_columns_of_the_build(other_build):
    """The studies derive their column lists from the build's windows (read from the warehouse),
    so a build with other windows still has every column they need."""
    db_path, _ = other_build
    reader = DuckDBMartReader(db_path)
    windows = PanelWindows.read(reader)
    assert windows == PanelWindows.from_vars(OTHER_WINDOWS)
    built = _columns(db_path)
    lt = long_term.Columns.of(windows)
    needed = [*lt.outcomes, *lt.numeric, *lt.moderators, lt.prior_raw_watch_ratio, *(c for _, c in lt.segments)]
    assert set(needed) - {"day_of_week"} <= set(built["marts.mart_long_term_analysis"])
    assert lt.primary_outcome == "future_4day_interactions"
    med = mediation_spec.Columns.of(windows)
    assert set(med.numeric) | set(med.categorical) <= set(built["marts.mart_mediation_panel"])
    assert med.outcome_labels["Y_future_interactions"] == "Future 4-day interactions"
    readiness = DuckDBMartReader(db_path).read("mart_panel_readiness_checks")
    assert {"future_2day_outcome_available_share", "future_4day_outcome_available_share"} <= set(
        readiness["check_name"])
