"""Plumbing: the DuckDB build's two dbt invocations (warehouse.DUCKDB_BUILD_PHASES) are exactly
the default selection, split so that the first never needs a node of the second, and the two
large aggregates fall one in each. Resolved by `dbt ls` on the project for each matrix and
data-quality scope (the panel's chain depends on both vars)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kuairec_causal.warehouse import DUCKDB_BUILD_PHASES

ROOT = Path(__file__).resolve().parents[2]


def _listed(selector: str, variables: dict, work: Path) -> dict[str, list[str]]:
    """unique_id -> the nodes it depends on, for every node `dbt ls --selector` lists."""
    from dbt.cli.main import dbtRunner

    cli = ["ls", "--selector", selector, "--output", "json", "--output-keys", "unique_id", "depends_on",
           "--project-dir", str(ROOT), "--profiles-dir", str(ROOT / "profiles"), "--target", "lint",
           "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet",
           "--vars", json.dumps(variables)]
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    result = dbtRunner().invoke(cli)
    assert result.success, result.exception
    nodes = [json.loads(line) for line in result.result]
    return {node["unique_id"]: node.get("depends_on", {}).get("nodes", []) for node in nodes}


@pytest.mark.parametrize("variables", [
    {"interaction_matrix": "small_matrix"},
    {"interaction_matrix": "big_matrix", "data_quality_matrices": "all"},
], ids=["small_matrix", "big_matrix-all"])
def test_build_phases_partition_the_default_selection(variables, tmp_path):
    everything = _listed("warehouse", variables, tmp_path)
    first, second = (_listed(phase, variables, tmp_path) for phase in DUCKDB_BUILD_PHASES)
    assert not first.keys() & second.keys()
    assert first.keys() | second.keys() == everything.keys()
    # the first invocation builds and tests only what it holds itself (sources are read, not built)
    outside = {parent for parents in first.values() for parent in parents
               if parent not in first and not parent.startswith("source.")}
    assert not outside
    assert "model.kuairec_causal.int_user_day_observed" in first
    assert "model.kuairec_causal.int_interaction_matrix_quality" in second


def test_each_phase_leaves_its_run_results_and_the_manifest_is_the_parsed_one(build_tiny_warehouse):
    """Plumbing: the phases run with --no-write-json; the build writes each phase's run results
    itself (run_results.<phase>.json, and run_results.json as the last phase's), and dbt's
    manifest.json in the target folder stays the one of the project's parse."""
    paths = build_tiny_warehouse()
    target = paths.duckdb_path.parent / "target"
    phases = {phase: json.loads((target / f"run_results.{phase}.json").read_text()) for phase in DUCKDB_BUILD_PHASES}
    assert all(document["results"] and all(r["status"] in {"success", "pass"} for r in document["results"])
               for document in phases.values())
    first, second = ({r["unique_id"] for r in phases[phase]["results"] if not r["unique_id"].startswith("operation.")}
                     for phase in DUCKDB_BUILD_PHASES)  # the on-run-start hooks run in both
    assert "model.kuairec_causal.int_user_day_observed" in first and not first & second
    assert json.loads((target / "run_results.json").read_text()) == phases[DUCKDB_BUILD_PHASES[-1]]
    written = (target / "manifest.json").read_bytes()
    assert any(saved.read_bytes() == written for saved in (target / "kuairec_manifests").glob("*.json"))
    assert "model.kuairec_causal.fct_user_day_panel" in json.loads(written)["nodes"]
