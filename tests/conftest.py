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
def simulated_warehouse(tmp_path_factory):
    """Factory: simulate, ingest and build a warehouse, cached per (scale, seed, null, matrix).

    Returns the warehouse ``Paths`` (duckdb_path, raw_dir) and the release. Builds use the truth's
    definitions (dbt vars), so estimates are comparable with the planted values."""
    from kuairec_causal.config import Paths
    from kuairec_causal.ingest import ingest_release
    from kuairec_causal.simulate.release import simulate_release
    from kuairec_causal.warehouse import build_panel, build_vars

    releases: dict = {}
    built: dict = {}

    def build(scale: str = "tiny", seed: int = TINY_SEED, null_effects: bool = False, matrix: str = "small_matrix"):
        release_key = (scale, seed, null_effects)
        if release_key not in releases:
            folder = tmp_path_factory.mktemp(f"{scale}-{seed}-{'null' if null_effects else 'effects'}")
            release = simulate_release(scale, seed, folder / "release", null_effects=null_effects)
            ingest_release(release.archive, folder / "raw")
            releases[release_key] = (folder, release)
        folder, release = releases[release_key]
        key = (*release_key, matrix)
        if key not in built:
            os.environ["DBT_TARGET_PATH"] = str(folder / f"target-{matrix}")
            os.environ["DBT_LOG_PATH"] = str(folder / "logs")
            paths = Paths(root=Paths.from_environment().root, duckdb_path=folder / f"{matrix}.duckdb",
                          raw_dir=folder / "raw")
            build_panel(paths, build_vars(paths, matrix))
            built[key] = paths
        return built[key], release

    return build


@pytest.fixture(scope="session")
def build_tiny_warehouse(tiny_raw, tmp_path_factory):
    """Build (once per matrix) the warehouse on the shared tiny release."""
    from kuairec_causal.config import Paths
    from kuairec_causal.warehouse import build_panel, build_vars

    built: dict[str, Paths] = {}

    def build(matrix: str = "small_matrix") -> Paths:
        if matrix not in built:
            folder = tmp_path_factory.mktemp(f"warehouse-{matrix}")
            os.environ["DBT_TARGET_PATH"] = str(folder / "target")
            os.environ["DBT_LOG_PATH"] = str(folder / "logs")
            paths = Paths(root=Paths.from_environment().root, duckdb_path=folder / "kuairec.duckdb", raw_dir=tiny_raw)
            build_panel(paths, build_vars(paths, matrix))
            built[matrix] = paths
        return built[matrix]

    return build
