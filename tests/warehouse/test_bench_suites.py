"""Plumbing: how the benchmark derives the estimator suites' time and its multiple of the DoubleML
IRM fit, and the warehouse floor against issue #14's target, from its stage summaries
(kuairec_causal.bench._derive; made-up summaries, no stage runs), and where it writes a day's
second result file."""

from __future__ import annotations

import pytest

from kuairec_causal.bench import _derive


def _stage(seconds: float, peak_mb: float = 100.0, **extra) -> dict:
    return {"seconds_median": seconds, "seconds_all": [seconds], "peak_mb_max": peak_mb, **extra}


def _estimators(stages: dict) -> tuple[dict, dict]:
    results = {"scale": "small", "stages": stages}
    _derive(results)
    checks = {check["metric"]: check for check in results["targets"] if check["measure"] == "estimators"}
    return results["derived"].get("estimators", {}), checks


def test_suites_run_together_are_the_measure_when_timed():
    stages = {"long_term": _stage(90.0, 800.0), "mediation": _stage(60.0, 900.0), "suites": _stage(120.0, 1400.0),
              "doubleml_irm": _stage(30.0, fit_seconds_median=20.0)}
    suites, checks = _estimators(stages)
    assert suites["measured"] == "together"
    assert suites["seconds"] == 120.0 and suites["one_after_the_other_seconds"] == 150.0
    assert suites["vs_doubleml_irm"] == pytest.approx(6.0)
    assert suites["peak_mb"] == 1400.0
    assert checks["seconds"]["met"] and not checks["vs_doubleml_irm"]["met"]  # 120 <= 150; 6.0 > 4.5


def test_without_the_suites_stage_the_sum_of_each_alone_is_the_measure():
    suites, checks = _estimators({"long_term": _stage(100.0), "mediation": _stage(60.0),
                                  "doubleml_irm": _stage(30.0, fit_seconds_median=40.0)})
    assert suites["measured"] == "one_after_the_other" and "together_seconds" not in suites
    assert suites["seconds"] == 160.0 and suites["vs_doubleml_irm"] == pytest.approx(4.0)
    assert not checks["seconds"]["met"] and checks["vs_doubleml_irm"]["met"]


def test_one_suite_alone_derives_nothing():
    suites, checks = _estimators({"long_term": _stage(100.0)})
    assert suites == {} and checks == {}


def test_a_later_run_of_the_day_keeps_the_earlier_result_files(tmp_path):
    from kuairec_causal.bench import _unused_path

    assert _unused_path(tmp_path, "2026-12-03-small").name == "2026-12-03-small.json"
    (tmp_path / "2026-12-03-small.json").write_text("{}")
    (tmp_path / "2026-12-03-small-2.json").write_text("{}")
    assert _unused_path(tmp_path, "2026-12-03-small").name == "2026-12-03-small-3.json"


def _floor_stages(pandas: float) -> dict:
    """Two rounds: inflate 6 and 4 s (halved: 3, 2), one query 5 s, tiny-release builds of 8 and
    6 s; the real builds 40 s with 32 and 34 s of dbt SQL time (dbt's own time 8 and 6 s)."""
    return {"ingest": {"seconds_median": 20.0, "seconds_all": [20.0, 20.0], "peak_mb_max": 100.0},
            "build": {"seconds_median": 40.0, "seconds_all": [40.0, 40.0], "sql_seconds_median": 33.0,
                      "sql_seconds_all": [32.0, 34.0], "peak_mb_max": 100.0},
            "inflate": _stage(5.0) | {"seconds_all": [6.0, 4.0]},
            "duckdb_panel": _stage(5.0) | {"seconds_all": [5.0, 5.0]},
            "build_tiny": _stage(7.0) | {"seconds_all": [8.0, 6.0]},
            "pandas_panel": _stage(pandas) | {"seconds_all": [pandas, pandas]}}


def test_warehouse_floor_is_half_the_inflate_plus_one_query_plus_the_tiny_build():
    from kuairec_causal.bench import target_lines

    results = {"scale": "full", "stages": _floor_stages(pandas=30.0)}
    _derive(results)
    floor = results["derived"]["warehouse_floor"]
    assert floor["seconds_all"] == pytest.approx([3 + 5 + 8, 2 + 5 + 6])
    assert floor["build_dbt_own_seconds_all"] == pytest.approx([8.0, 6.0])
    assert floor["target_seconds_all"] == pytest.approx([15.0, 15.0])  # half the pandas panel
    assert floor["slack_seconds"] == pytest.approx(15.0 - 14.5)
    assert floor["vs_pandas_panel"] == pytest.approx((16 / 30 + 13 / 30) / 2)
    assert target_lines(results)[-1].startswith("  floor  ingest+build: 14.5 s")


def test_small_scale_floor_is_held_to_the_eight_seconds():
    results = {"scale": "small", "stages": _floor_stages(pandas=12.0)}
    _derive(results)
    floor = results["derived"]["warehouse_floor"]
    assert floor["target_seconds_all"] == [8.0, 8.0]
    assert floor["slack_seconds_all"] == pytest.approx([8.0 - 16.0, 8.0 - 13.0])
    assert "vs_pandas_panel" not in floor


@pytest.mark.parametrize("missing", ["inflate", "build_tiny", "duckdb_panel"])
def test_no_floor_without_each_of_its_parts(missing):
    stages = _floor_stages(pandas=30.0)
    del stages[missing]
    results = {"scale": "full", "stages": stages}
    _derive(results)
    assert "warehouse_floor" not in results["derived"]
