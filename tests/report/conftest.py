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


@pytest.fixture(scope="session")
def report_warehouse(simulated_warehouse, tmp_path_factory):
    """Paths of a tiny warehouse holding both studies' effect tables (estimator_output and, when the
    effect models build, the ``effects`` views)."""
    from kuairec_causal.config import Paths
    from kuairec_causal.pipeline import run_study
    from kuairec_causal.studies.common import StudySettings
    from kuairec_causal.warehouse import build_effects, build_vars

    built, _ = simulated_warehouse("tiny")
    folder = tmp_path_factory.mktemp("report-warehouse")
    shutil.copy2(built.duckdb_path, folder / "kuairec.duckdb")
    paths = Paths(root=built.root, duckdb_path=folder / "kuairec.duckdb", raw_dir=built.raw_dir)
    settings = StudySettings(n_boot=REPORT_N_BOOT, n_folds=3)
    for study in ("long_term", "mediation"):
        run_study(paths, study, settings, "small_matrix")
    os.environ["DBT_TARGET_PATH"] = str(folder / "target")
    os.environ["DBT_LOG_PATH"] = str(folder / "logs")
    try:
        build_effects(paths, build_vars(paths, "small_matrix"))
    except Exception as error:  # noqa: BLE001 - the report falls back to estimator_output
        print(f"effects views not built ({error}); the report reads estimator_output", file=sys.stderr)
    return paths


@pytest.fixture(scope="session")
def built_report(report_warehouse, tmp_path_factory) -> Path:
    from kuairec_causal.report import build_report

    out = tmp_path_factory.mktemp("report") / "simulated-tiny"
    build_report(report_warehouse, out)
    return out
