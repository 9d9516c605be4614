"""Fixtures of the Spark tests: one local Spark session for the whole run (dbt-spark's
``method: session``, started once: the JVM takes ~10 s), and the tiny simulated release built on
it from the same raw Parquet files as the DuckDB warehouse of ``simulated_warehouse("tiny")``.

Nothing is installed here: the Spark extra comes with the project's test set-up
(``pip install -e ".[dev,spark]"``, see the Makefile); Java 17 must be on the PATH. Skip these
tests with ``--no-spark``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass

import pytest

MATRIX = "small_matrix"


@dataclass
class SparkBuild:
    """The tiny release built on Spark: the DuckDB build of the same raw files, the session, and
    dbt's run results (run_results.json) of the Spark build."""

    duckdb_paths: object  # kuairec_causal.config.Paths of the DuckDB build (raw_dir shared)
    spark_paths: object  # Paths for the Spark build (its own DuckDB file for effect tables)
    session: object  # pyspark.sql.SparkSession
    results: list[dict]
    elapsed_time: float
    wall_time: float


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory):
    """The process's Spark session, configured from the profile's ``spark`` target, with its
    warehouse dir, metastore and derby.log in a temporary folder; stopped after the last test."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail('pyspark is not installed: pip install -e ".[dev,spark]" (or run pytest with --no-spark)')
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("the Spark tests need Java 17 (java on the PATH or JAVA_HOME); or run pytest with --no-spark")
    from kuairec_causal.config import Paths
    from kuairec_causal.spark import SPARK_DIR_ENV, get_session

    spark_dir = tmp_path_factory.mktemp("spark")
    saved = os.environ.get(SPARK_DIR_ENV)
    os.environ[SPARK_DIR_ENV] = str(spark_dir)
    root = Paths.from_environment().root
    session = get_session(Paths(root=root, duckdb_path=spark_dir / "unused.duckdb", raw_dir=spark_dir))
    try:
        yield session
    finally:
        session.stop()
        if saved is None:
            os.environ.pop(SPARK_DIR_ENV, None)
        else:
            os.environ[SPARK_DIR_ENV] = saved


@pytest.fixture(scope="session")
def spark_build(spark_session, simulated_warehouse, tmp_path_factory) -> SparkBuild:
    """``dbt build`` (default selector: sources to marts, with every data and unit test) of the
    tiny release on the ``spark`` target, through the same code path as ``kuairec-causal build``
    with KUAIREC_DBT_TARGET=spark. Failures are reported by the tests, not here."""
    from kuairec_causal.config import Paths
    from kuairec_causal.errors import KuaiRecError
    from kuairec_causal.warehouse import build_panel, build_vars

    duckdb_paths, _ = simulated_warehouse("tiny")
    folder = tmp_path_factory.mktemp("spark-build")
    spark_paths = Paths(root=duckdb_paths.root, duckdb_path=folder / "kuairec.duckdb", raw_dir=duckdb_paths.raw_dir)
    os.environ["DBT_TARGET_PATH"] = str(folder / "target")
    os.environ["DBT_LOG_PATH"] = str(folder / "logs")
    started = time.perf_counter()
    try:
        build_panel(spark_paths, build_vars(spark_paths, MATRIX), target="spark")
    except KuaiRecError as error:
        print(f"Spark build failed: {error}")
    wall = time.perf_counter() - started
    run_results = folder / "target" / "run_results.json"
    data = json.loads(run_results.read_text()) if run_results.is_file() else {}
    build = SparkBuild(duckdb_paths, spark_paths, spark_session, data.get("results", []),
                       data.get("elapsed_time", float("nan")), wall)
    print(f"Spark build of the tiny release: dbt elapsed {build.elapsed_time:.1f} s, wall {wall:.1f} s")
    return build
