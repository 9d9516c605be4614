"""Running dbt: the warehouse build, with the definitions a simulated release's truth assumes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kuairec_causal.config import Paths
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.ingest import read_manifest

INTERACTION_MATRICES = ("small_matrix", "big_matrix")


def interaction_matrix_for_scale(scale: str) -> str:
    """The full scale is the real big_matrix (7,176 users); the others feed the panel from the
    dense small_matrix."""
    return "big_matrix" if scale == "full" else "small_matrix"


def build_vars(paths: Paths, interaction_matrix: str | None = None, overrides: dict | None = None) -> dict:
    """dbt vars for a build: the simulated release's planted definitions (if any), the chosen
    interaction matrix, then explicit overrides."""
    manifest = read_manifest(paths.raw_dir)
    if manifest is None:
        raise KuaiRecError(f"{paths.raw_dir}: no raw tables; run `kuairec-causal ingest` (or `simulate`) first")
    matrix = interaction_matrix or "small_matrix"
    if matrix not in INTERACTION_MATRICES:
        raise KuaiRecError(f"interaction matrix '{matrix}' is not one of {', '.join(INTERACTION_MATRICES)}")
    variables: dict = {}
    if manifest.get("simulated"):
        variables.update(manifest["truth"]["warehouse_vars"][matrix])
    variables["interaction_matrix"] = matrix
    variables.update(overrides or {})
    return variables


def run_dbt(paths: Paths, arguments: list[str], variables: dict | None = None) -> None:
    """Invoke dbt in-process (``dbt <arguments>``) against this project; raise on failure."""
    from dbt.cli.main import dbtRunner

    paths.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.update(paths.dbt_environment())
    cli = [*arguments, "--project-dir", str(paths.root), "--profiles-dir", str(paths.profiles_dir)]
    if variables:
        cli += ["--vars", json.dumps(variables, sort_keys=True)]
    try:
        result = dbtRunner().invoke(cli)
    finally:
        _release_duckdb()
    if result.success:
        return
    if result.exception is not None:
        raise KuaiRecError(f"dbt {arguments[0]} failed: {str(result.exception).strip().splitlines()[0]}")
    failures = [
        f"{r.node.name}: {(r.message or r.status)}".splitlines()[0]
        for r in getattr(result.result, "results", []) or []
        if str(r.status) in {"error", "fail", "runtime error"}
    ]
    detail = "; ".join(failures[:3]) + (f" (+{len(failures) - 3} more)" if len(failures) > 3 else "")
    raise KuaiRecError(f"dbt {arguments[0]} failed: {detail or 'see the dbt log above'}")


def _release_duckdb() -> None:
    """dbt-duckdb keeps its connection open for the life of the process; close it so that the
    estimator stage (and tests) can open the warehouse file afterwards."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def build_panel(paths: Paths, variables: dict) -> None:
    """``dbt build`` of everything up to the marts (the default selector excludes effects)."""
    run_dbt(paths, ["build"], variables)


def build_effects(paths: Paths, variables: dict) -> None:
    """Expose and test the estimator stage's tables (selector ``effects``)."""
    run_dbt(paths, ["build", "--selector", "effects"], variables)


def project_files(root: Path) -> list[Path]:
    """The files that define the warehouse (their content decides whether a rebuild is due)."""
    files = [root / "dbt_project.yml", root / "selectors.yml", root / "profiles" / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests/dbt"):
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    return [f for f in files if f.exists()]
