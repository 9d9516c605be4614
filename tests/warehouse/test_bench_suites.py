"""Plumbing: how the benchmark derives the estimator suites' time and its multiple of the DoubleML
IRM fit from its stage summaries (kuairec_causal.bench._derive; made-up summaries, no stage runs),
and where it writes a day's second result file."""

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
