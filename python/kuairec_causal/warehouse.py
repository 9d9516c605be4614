"""Running dbt: the warehouse build, with the definitions a simulated release's truth assumes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kuairec_causal.config import Paths
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.ingest import read_manifest

INTERACTION_MATRICES = ("small_matrix", "big_matrix")
# Profile targets the warehouse (staging .. marts) can be built on; KUAIREC_DBT_TARGET picks one
# (default: the profile's default target, duckdb). The estimator stage reads the marts from the
# same target (kuairec_causal.pipeline.mart_reader) and always writes its effect tables, and
# builds the effect models, in the DuckDB file.
DBT_TARGETS = ("duckdb", "spark")
DBT_TARGET_ENV = "KUAIREC_DBT_TARGET"
DUCKDB_TARGET = "duckdb"


def dbt_target() -> str:
    """The target of the warehouse build: env var KUAIREC_DBT_TARGET, default ``duckdb``."""
    target = os.environ.get(DBT_TARGET_ENV, "").strip() or DUCKDB_TARGET
    if target not in DBT_TARGETS:
        raise KuaiRecError(f"{DBT_TARGET_ENV}='{target}' is not one of {', '.join(DBT_TARGETS)}")
    return target


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


def run_dbt(paths: Paths, arguments: list[str], variables: dict | None = None, target: str | None = None) -> None:
    """Invoke dbt in-process (``dbt <arguments>``) against this project on profile target
    ``target`` (default :func:`dbt_target`); raise on failure."""
    from dbt.cli.main import dbtRunner

    target = target or dbt_target()
    paths.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.update(paths.dbt_environment())
    if target == "spark":
        from kuairec_causal import spark

        os.environ.update(spark.dbt_environment(paths))
        spark.get_session(paths)  # the session dbt-spark then uses (and the mart reader after it)
    cli = [*arguments, "--project-dir", str(paths.root), "--profiles-dir", str(paths.profiles_dir), "--target", target]
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


def build_panel(paths: Paths, variables: dict, target: str | None = None) -> None:
    """``dbt build`` of everything up to the marts (the default selector excludes effects) on
    ``target`` (default :func:`dbt_target`)."""
    run_dbt(paths, ["build"], variables, target)


def build_effects(paths: Paths, variables: dict, marts_target: str | None = None) -> None:
    """Test the estimator stage's tables, the dbt sources estimator_output_* (selector ``effects``).
    They live in the DuckDB file whichever target holds the marts; when that is another target (``marts_target``,
    default :func:`dbt_target`), the effect tests that also read the marts are left out (selector
    ``effects_without_marts``)."""
    selector = "effects" if (marts_target or dbt_target()) == DUCKDB_TARGET else "effects_without_marts"
    run_dbt(paths, ["build", "--selector", selector], variables, DUCKDB_TARGET)


def project_files(root: Path) -> list[Path]:
    """The files that define the warehouse (their content decides whether a rebuild is due)."""
    files = [root / "dbt_project.yml", root / "selectors.yml", root / "profiles" / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests/dbt"):
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    return [f for f in files if f.exists()]
