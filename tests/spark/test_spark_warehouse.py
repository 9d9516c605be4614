"""The same dbt models, unchanged, on Spark (dbt-spark, a local session): the tiny simulated release
builds from sources to the marts with every data test and unit test passing, the analysis marts
equal the DuckDB build of the same raw files row for row (doubles within 1e-9), and the estimator
stage runs on the Spark marts through SparkMartReader with the results it gives on DuckDB.

One Spark session serves the whole module (fixtures in conftest.py)."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kuairec_causal.spark import SparkMartReader
from kuairec_causal.store import DuckDBMartReader

pytestmark = pytest.mark.spark

MARTS = ("fct_user_day_panel", "mart_long_term_analysis", "mart_mediation_panel")
KEYS = ["user_id", "event_date"]
TOLERANCE = 1e-9


def _failures(results: list[dict]) -> list[str]:
    return [f"{r['unique_id']}: {r['status']} {(r.get('message') or '').splitlines()[:1]}"
            for r in results if r["status"] not in ("success", "pass")]


def test_every_model_and_test_passes_on_spark(spark_build):
    results = spark_build.results
    assert results, "the Spark build did not run (see the captured output)"
    assert not _failures(results), "\n".join(_failures(results))
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test", "unit_test", "seed"} <= kinds
    models = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}
    assert {"stg_kuairec__small_matrix", "int_user_day_windows", *MARTS, "mart_data_quality"} <= models
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) == _declared_unit_tests() and all(r["status"] == "pass" for r in unit_tests)


def _declared_unit_tests() -> int:
    """How many unit tests the models' YAML files declare (every one must run on Spark)."""
    import yaml

    models = Path(__file__).resolve().parents[2] / "models"
    return sum(len((yaml.safe_load(path.read_text()) or {}).get("unit_tests") or []) for path in models.rglob("*.yml"))


def _assert_frames_equal(duck: pd.DataFrame, spark: pd.DataFrame, name: str) -> None:
    assert list(spark.columns) == list(duck.columns), f"{name}: columns differ"
    assert len(spark) == len(duck), f"{name}: {len(spark)} rows on Spark, {len(duck)} on DuckDB"
    duck = duck.sort_values(KEYS).reset_index(drop=True)
    spark = spark.sort_values(KEYS).reset_index(drop=True)
    mismatches = []
    for column in duck.columns:
        left, right = duck[column], spark[column]
        if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
            a, b = left.astype("float64").to_numpy(), right.astype("float64").to_numpy()
            both_nan = np.isnan(a) & np.isnan(b)
            close = np.abs(a - b) <= TOLERANCE * np.maximum(1.0, np.abs(a))
            bad = ~(both_nan | close)
        else:
            a = left.astype(object).where(left.notna(), None)
            b = right.astype(object).where(right.notna(), None)
            bad = (a != b).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            mismatches.append(f"{column}: {int(bad.sum())} rows differ, e.g. {dict(duck.loc[row, KEYS])}: "
                              f"DuckDB {left.iloc[row]!r}, Spark {right.iloc[row]!r}")
    assert not mismatches, f"{name}:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("mart", MARTS)
def test_mart_equals_duckdb_build(mart, spark_build):
    duck = DuckDBMartReader(spark_build.duckdb_paths.duckdb_path).read(mart)
    spark = SparkMartReader(spark_build.session).read(mart)
    assert len(duck) > 0
    # dates come back as datetime64 on both engines; local dates are the same days
    assert spark["event_date"].dtype == duck["event_date"].dtype
    # build ids differ by design (the target is part of what a build read); everything else equal
    assert duck["build_id"].nunique() == spark["build_id"].nunique() == 1
    _assert_frames_equal(duck.drop(columns="build_id"), spark.drop(columns="build_id"), mart)


def test_staged_times_equal_duckdb(spark_build):
    """The `time` text (UTC+8 local time, zone-less) and the Unix `timestamp` + 8 h give the same
    local timestamps and dates on both engines, row by row, on the release."""
    columns = ["user_id", "video_id", "raw_time", "raw_date", "raw_timestamp", "parsed_date", "parsed_time",
               "parsed_timestamp_local", "event_date", "event_time", "time_source"]
    table = "staging.stg_kuairec__small_matrix"
    duck = DuckDBMartReader(spark_build.duckdb_paths.duckdb_path).read(table, columns)
    spark = SparkMartReader(spark_build.session).read(table, columns)
    assert len(duck) == len(spark) > 0
    order = ["user_id", "video_id", "raw_timestamp", "raw_time", "raw_date"]
    duck = duck.sort_values(order, na_position="first").reset_index(drop=True)
    spark = spark.sort_values(order, na_position="first").reset_index(drop=True)
    for column in ("parsed_date", "parsed_time", "parsed_timestamp_local", "event_date", "event_time"):
        left = pd.to_datetime(duck[column]).astype("datetime64[us]")
        right = pd.to_datetime(spark[column]).astype("datetime64[us]")
        assert left.equals(right), column
    assert duck["parsed_time"].notna().any() and duck["parsed_timestamp_local"].notna().any()
    assert spark["time_source"].astype(object).tolist() == duck["time_source"].astype(object).tolist()


# (row, raw `time`, raw `date`, raw `timestamp`) -> expected local date and time, as on DuckDB.
TIME_CASES = [
    (1, "'2020-07-05 05:27:48.378'", "20200705", "1593898068.378"),  # all three fields agree
    (2, "''", "20200705", "1593898068.378"),  # empty time: event time from the timestamp
    (3, "'2020-07-06 23:59:59.999'", "null", "null"),  # time only, just before local midnight
    (4, "null", "null", "1593964799.999"),  # timestamp only: 15:59:59.999 UTC = 23:59:59.999 local
    (5, "null", "null", "1593964800.0005"),  # the next local day, microseconds rounded
    (6, "null", "null", "'NaN'"),  # nothing usable
    (7, "'garbage'", "20201345", "1593878399.5"),  # bad time and date: from the timestamp
    (8, "null", "null", "'Infinity'"),  # nothing usable
]
TIME_EXPECTED = {
    1: ("2020-07-05", "2020-07-05 05:27:48.378", "date"),
    2: ("2020-07-05", "2020-07-05 05:27:48.378", "date"),
    3: ("2020-07-06", "2020-07-06 23:59:59.999", "time"),
    4: ("2020-07-05", "2020-07-05 23:59:59.999", "timestamp"),
    5: ("2020-07-06", "2020-07-06 00:00:00.000500", "timestamp"),
    6: (None, None, "none"),
    7: ("2020-07-04", "2020-07-04 23:59:59.5", "timestamp"),
    8: (None, None, "none"),
}


# resolve_interaction_times (the macro behind the staging models) over TIME_CASES (dbt var).
RESOLVE_TIMES_SQL = """
with raw_rows as (
    {{ literal_table(['user_id', 'raw_time', 'raw_date', 'raw_timestamp'], var('time_cases')) }}
),

prepared as (
    select
        user_id, user_id as video_id, 1000 as play_duration_ms, 2000 as video_duration_ms,
        0.5 as watch_ratio, raw_time, raw_date, raw_timestamp
    from raw_rows
)

select user_id, event_date, event_time, time_source
from ({{ resolve_interaction_times('prepared') }}) as resolved
"""


def _show(target: str, work, env: dict[str, str]) -> list[tuple]:
    """``dbt show`` of RESOLVE_TIMES_SQL on a target: (row, local date, local time, source)."""
    from dbt.cli.main import dbtRunner

    from kuairec_causal.config import Paths
    from kuairec_causal.warehouse import _release_duckdb

    cases = [[row, f"cast({time} as varchar(40))", f"cast({date} as integer)", f"cast({seconds} as double)"]
             for row, time, date, seconds in TIME_CASES]
    root = Paths.from_environment().root
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        result = dbtRunner().invoke([
            "show", "--inline", RESOLVE_TIMES_SQL, "--limit", "-1", "--quiet", "--target", target,
            "--vars", json.dumps({"time_cases": cases}),
            "--project-dir", str(root), "--profiles-dir", str(root / "profiles"),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        ])
    finally:
        _release_duckdb()  # dbt-duckdb keeps its connection open after a run
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert result.success, f"dbt show on {target}: {result.exception}"
    rows = [tuple(row) for row in result.result.results[0].agate_table.rows]
    return sorted((int(r[0]), None if r[1] is None else str(r[1])[:10],
                   None if r[2] is None else pd.Timestamp(r[2]).isoformat(sep=" "), r[3]) for r in rows)


def test_interaction_time_rules_match_duckdb(spark_build, tmp_path):
    """The quirks of KuaiRec's time fields, resolved by the same macro on both engines: each
    fallback (time, timestamp), local midnight, sub-millisecond rounding, bad and non-finite
    values. On Spark the times are TIMESTAMP_NTZ, so the session time zone plays no part."""
    raw = str(spark_build.duckdb_paths.raw_dir)
    on_spark = _show("spark", tmp_path / "spark", {"KUAIREC_RAW_DIR": raw})
    on_duckdb = _show("duckdb", tmp_path / "duckdb",
                      {"KUAIREC_RAW_DIR": raw, "KUAIREC_DUCKDB_PATH": str(tmp_path / "show.duckdb")})
    expected = sorted(
        (row, date, None if time is None else pd.Timestamp(time).isoformat(sep=" "), source)
        for row, (date, time, source) in TIME_EXPECTED.items()
    )
    assert on_duckdb == expected
    assert on_spark == expected


def test_estimator_stage_reads_the_spark_marts(spark_build, monkeypatch):
    """kuairec_causal.pipeline.run_study with KUAIREC_DBT_TARGET=spark reads the marts through
    SparkMartReader (the module's session) and writes the effect tables into the DuckDB file; they
    equal the tables of the same study on the DuckDB marts (doubles within 1e-6: a few covariates,
    exact decimal averages of doubles, differ between the engines in the last bit, and the model
    fits carry that through; the mediation study's tables come out identical)."""
    from kuairec_causal.pipeline import mart_reader, run_study
    from kuairec_causal.studies.common import StudySettings

    settings = StudySettings(n_boot=10, n_folds=3)
    spark_paths = spark_build.spark_paths
    duck_file = spark_paths.duckdb_path.with_name("duckdb-marts.duckdb")
    shutil.copy2(spark_build.duckdb_paths.duckdb_path, duck_file)
    duck_paths = type(spark_paths)(root=spark_paths.root, duckdb_path=duck_file, raw_dir=spark_paths.raw_dir)
    monkeypatch.setenv("KUAIREC_DBT_TARGET", "spark")
    assert isinstance(mart_reader(spark_paths), SparkMartReader)
    for study in ("long_term", "mediation"):
        on_spark = run_study(spark_paths, study, settings, "small_matrix")
        on_duckdb = run_study(duck_paths, study, settings, "small_matrix", reader=DuckDBMartReader(duck_file))
        assert on_spark.keys() == on_duckdb.keys()
        for name, table in on_duckdb.items():
            if name.endswith("_run_info"):  # timings
                continue
            other = on_spark[name]
            assert list(other.columns) == list(table.columns) and len(other) == len(table), name
            for column in table.columns:
                for a, b in zip(table[column].tolist(), other[column].tolist()):
                    if isinstance(a, float) and isinstance(b, float):
                        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9), \
                            f"{name}.{column}: {a} vs {b}"
                    else:
                        assert str(a) == str(b), f"{name}.{column}: {a!r} vs {b!r}"
    written = DuckDBMartReader(spark_paths.duckdb_path, schema="effects").read(
        "mediation_effect_decomposition")
    assert len(written) > 0
