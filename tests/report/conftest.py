"""A tiny end-to-end run for the report tests: the tiny simulated warehouse (copied, so the shared
fixture is left as built), both studies at a small bootstrap, the effect views, and the report."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

REPORT_N_BOOT = 10


class RecordingReader:
    """A mart reader that records which relations it reads."""

    def __init__(self, reader, reads: list[str]) -> None:
        self.reader, self.reads = reader, reads

    def read(self, table: str, columns=None):
        self.reads.append(table if "." in table else f"marts.{table}")
        return self.reader.read(table, columns)

    def build_ids(self, table: str) -> list[str]:
        # provenance, not a data read: the lineage test counts only read()
        return self.reader.build_ids(table)


@pytest.fixture(scope="session")
def study_reads() -> dict[str, list[str]]:
    """What each study read through its mart reader while the report warehouse was built: study ->
    ["schema.table", ...] (tests/report/test_lineage.py checks the layers and the dbt exposures)."""
    return {}


@pytest.fixture(scope="session")
def report_warehouse(simulated_warehouse, study_reads, tmp_path_factory):
    """Paths of a tiny warehouse holding both studies' effect tables (schema effects), tested
    by dbt (selector effects); its dbt target (manifest.json) is ``<folder>/target``."""
    from kuairec_causal.config import Paths
    from kuairec_causal.pipeline import run_study
    from kuairec_causal.studies.common import StudySettings
    from kuairec_causal.warehouse import build_effects, build_vars

    built, _ = simulated_warehouse("tiny")
    folder = tmp_path_factory.mktemp("report-warehouse")
    shutil.copy2(built.duckdb_path, folder / "kuairec.duckdb")
    paths = Paths(root=built.root, duckdb_path=folder / "kuairec.duckdb", raw_dir=built.raw_dir)
    from kuairec_causal.store import DuckDBMartReader

    settings = StudySettings(n_boot=REPORT_N_BOOT, n_folds=3)
    for study in ("long_term", "mediation"):
        reader = RecordingReader(DuckDBMartReader(paths.duckdb_path), study_reads.setdefault(study, []))
        run_study(paths, study, settings, "small_matrix", reader=reader)
    os.environ["DBT_TARGET_PATH"] = str(folder / "target")
    os.environ["DBT_LOG_PATH"] = str(folder / "logs")
    build_effects(paths, build_vars(paths, "small_matrix"))  # the effect tables' dbt tests
    return paths


@pytest.fixture(scope="session")
def built_report(report_warehouse, tmp_path_factory) -> Path:
    from kuairec_causal.report import build_report

    out = tmp_path_factory.mktemp("report") / "simulated-tiny"
    build_report(report_warehouse, out)
    return out
