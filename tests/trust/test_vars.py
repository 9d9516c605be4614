"""Validated vars: one declared schema, checked before dbt starts and by dbt's on-run-start hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kuairec_causal.cli import main
from kuairec_causal.errors import ParameterError
from kuairec_causal.vars_schema import VAR_RULES_BY_NAME, dbt_macro, parse_vars_json, validate_vars

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_var_suggests_the_closest_name():
    with pytest.raises(ParameterError,
                       match=r"^--vars: unknown var 'long_tail_quantil'; did you mean 'long_tail_quantile'\?$"):
        parse_vars_json('{"long_tail_quantil": 0.3}')


@pytest.mark.parametrize("text, message", [
    ('{"long_tail_quantile": -0.3}', r"var long_tail_quantile = -0.3: must be a number > 0 and < 1"),
    ('{"long_tail_quantile": "0.3"}', r"var long_tail_quantile = \"0.3\": must be a number > 0 and < 1"),
    ('{"history_window_days": 2.5}', r"var history_window_days = 2.5: must be an integer >= 1 and <= 28"),
    ('{"history_window_days": true}', r"var history_window_days = true: must be an integer"),
    ('{"high_watch_exposure_rule": "median"}',
     r"var high_watch_exposure_rule = \"median\": must be one of 'quantile', 'fixed'"),
    ('{"drop_exact_duplicate_rows": "yes"}', r"var drop_exact_duplicate_rows = \"yes\": must be true or false"),
    ('{"release_first_date": "2020-02-30"}',
     r"var release_first_date = \"2020-02-30\": must be a date written YYYY-MM-DD"),
    ('{"watch_ratio_cap": NaN}', r"var watch_ratio_cap = NaN: must be a number > 0"),
    ('{"interaction_matrix": "small_matrix; drop table x"}', r"must be one of 'small_matrix', 'big_matrix'"),
    ('{"short_horizon_days": 9, "max_lead_days": 7}', r"var short_horizon_days = 9 must be <= var max_lead_days = 7"),
    ('{"long_tail_quantile": 0.3', r"^--vars: not valid JSON \(Expecting ',' delimiter at line 1, column 27\)$"),
    ('[1, 2]', r"--vars: must be a JSON object"),
])
def test_every_message_names_the_var_the_value_and_the_rule(text, message):
    with pytest.raises(ParameterError, match=message):
        parse_vars_json(text)


def test_the_project_defaults_satisfy_the_schema_and_declare_the_same_names():
    defaults = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    assert set(defaults) == set(VAR_RULES_BY_NAME)
    validate_vars(defaults, "dbt_project.yml")


def test_the_simulator_definitions_satisfy_the_schema(tiny_release):
    truth = json.loads(tiny_release.truth.read_text())
    for block in truth["matrices"].values():
        validate_vars(block["warehouse_vars"], "ground_truth.json")


def test_the_dbt_macro_is_generated_from_the_python_schema():
    """One source of truth: regenerate with
    `python -m kuairec_causal.vars_schema > macros/validation/vars_schema.sql`."""
    assert (ROOT / "macros" / "validation" / "vars_schema.sql").read_text() == dbt_macro()


def test_build_refuses_bad_vars_in_one_line_before_dbt(capsys, monkeypatch, tiny_raw, tmp_path):
    monkeypatch.setenv("KUAIREC_RAW_DIR", str(tiny_raw))
    monkeypatch.setenv("KUAIREC_DUCKDB_PATH", str(tmp_path / "kuairec.duckdb"))
    assert main(["build", "--vars", '{"long_tail_quantile": -0.3}']) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["kuairec-causal build: error: --vars: var long_tail_quantile = -0.3: must be a number > 0 and < 1"]
    assert not (tmp_path / "kuairec.duckdb").exists()


@pytest.mark.parametrize("bad, message", [
    ({"long_tail_quantile": -0.3}, "var long_tail_quantile = -0.3: must be a number > 0 and < 1"),
    ({"long_tail_quantil": 0.3}, "--vars: unknown var 'long_tail_quantil'"),
])
def test_plain_dbt_build_is_guarded_by_the_same_schema(bad, message, tiny_raw, tmp_path, monkeypatch):
    """The on-run-start hook stops plain `dbt build --vars` before any model runs."""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("KUAIREC_RAW_DIR", str(tiny_raw))
    monkeypatch.setenv("KUAIREC_DUCKDB_PATH", str(tmp_path / "plain.duckdb"))
    result = dbtRunner().invoke(["build", "--project-dir", str(ROOT), "--profiles-dir", str(ROOT / "profiles"),
                                 "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
                                 "--log-level", "none", "--vars", json.dumps(bad)])
    from kuairec_causal.warehouse import _release_duckdb

    _release_duckdb()
    assert not result.success
    assert message in (str(result.exception or "")
                       + json.dumps([str(r.message) for r in getattr(result.result, "results", []) or []]))
