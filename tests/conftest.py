"""Shared fixtures: the tiny simulated release is every later test's data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("KUAIREC_PROGRESS", "0")

TINY_SEED = 7


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--no-spark", action="store_true", help="skip the tests that start a local Spark session")
    parser.addoption("--run-slow", action="store_true", help="also run the slow multi-seed studies")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skips = {
        "spark": (config.getoption("--no-spark"), "--no-spark given"),
        "slow": (not config.getoption("--run-slow"), "slow study: pass --run-slow"),
    }
    for item in items:
        for marker, (skip, reason) in skips.items():
            if skip and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def tiny_seed() -> int:
    return TINY_SEED


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory: pytest.TempPathFactory):
    from kuairec_causal.simulate.release import simulate_release

    return simulate_release("tiny", TINY_SEED, tmp_path_factory.mktemp("release") / "tiny")


@pytest.fixture(scope="session")
def tiny_null_release(tmp_path_factory: pytest.TempPathFactory):
    from kuairec_causal.simulate.release import simulate_release

    return simulate_release("tiny", TINY_SEED, tmp_path_factory.mktemp("release") / "tiny-null", null_effects=True)


@pytest.fixture(scope="session")
def tiny_raw(tiny_release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny release ingested into raw Parquet tables (shared, treat as read-only)."""
    from kuairec_causal.ingest import ingest_release

    raw_dir = tmp_path_factory.mktemp("raw") / "raw"
    ingest_release(tiny_release.archive, raw_dir)
    return raw_dir


@pytest.fixture(scope="session")
def build_tiny_warehouse(tiny_raw, tmp_path_factory):
    """Build (once per matrix) the warehouse on the tiny release with the truth's definitions."""
    from kuairec_causal.config import Paths
    from kuairec_causal.warehouse import build_panel, build_vars

    built: dict[str, Paths] = {}

    def build(matrix: str = "small_matrix") -> Paths:
        if matrix not in built:
            folder = tmp_path_factory.mktemp(f"warehouse-{matrix}")
            os.environ["DBT_TARGET_PATH"] = str(folder / "target")
            os.environ["DBT_LOG_PATH"] = str(folder / "logs")
            root = Paths.from_environment().root
            paths = Paths(root=root, duckdb_path=folder / "kuairec.duckdb", raw_dir=tiny_raw)
            build_panel(paths, build_vars(paths, matrix))
            built[matrix] = paths
        return built[matrix]

    return build
