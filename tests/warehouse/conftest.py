"""Fixtures for the warehouse tests: a raw fixture directory and a built warehouse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbt_invoke import DbtRun, run_dbt  # noqa: E402
from raw_fixture import WINDOW_VARS, write_raw_fixture  # noqa: E402


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("raw")
    write_raw_fixture(path)
    return path


@pytest.fixture(scope="session")
def built_warehouse(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtRun]:
    """The warehouse built once with the default vars (shared by the read-only tests)."""
    work = tmp_path_factory.mktemp("dbt_default")
    db_path = work / "kuairec.duckdb"
    run = run_dbt(["build"], raw_dir=raw_dir, duckdb_path=db_path, work_dir=work, window=WINDOW_VARS)
    return db_path, run
