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
