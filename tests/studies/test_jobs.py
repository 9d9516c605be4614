"""Both studies give the same tables, bit for bit, with one worker process and with two, and the
studies run side by side write what they write one after the other."""

from __future__ import annotations

import dataclasses
import shutil

import duckdb
import pandas as pd
import pytest

from kuairec_causal import pipeline
from kuairec_causal.store import DuckDBMartReader
from kuairec_causal.studies import long_term, mediation
from kuairec_causal.studies.common import StudyContext, StudySettings, load_truth


def _tables(paths, study, jobs: int) -> dict[str, pd.DataFrame]:
    reader = DuckDBMartReader(paths.duckdb_path)
    context = StudyContext(reader=reader, settings=StudySettings(n_boot=12, seed=3, n_folds=3, jobs=jobs),
                           truth=load_truth(reader, "small_matrix"))
    return study.run_study(context)


@pytest.mark.parametrize("study", [long_term, mediation], ids=["long_term", "mediation"])
def test_tables_do_not_depend_on_the_number_of_worker_processes(simulated_warehouse, study):
    paths, _ = simulated_warehouse("tiny", 7)
    _same_tables(*(_tables(paths, study, jobs) for jobs in (1, 2)))


def _effect_tables(path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [row[0] for row in con.execute("select table_name from information_schema.tables "
                                               "where table_schema = 'effects' order by table_name").fetchall()]
        return {name: con.execute(f'select * from effects."{name}"').df() for name in names}


def _same_tables(one: dict[str, pd.DataFrame], two: dict[str, pd.DataFrame]) -> None:
    assert one.keys() == two.keys()
    for name in one:
        first, second = one[name], two[name]
        if name.endswith("_run_info"):  # wall-clock seconds differ from run to run, nothing else may
            timing = first["key"].str.startswith("runtime")
            assert first["key"].equals(second["key"])
            first, second = first[~timing], second[~timing]
        pd.testing.assert_frame_equal(first, second, check_exact=True, obj=name)


def _copy(paths, folder, label):
    copy = dataclasses.replace(paths, duckdb_path=folder / f"{label}.duckdb")
    shutil.copyfile(paths.duckdb_path, copy.duckdb_path)
    return copy


def test_studies_side_by_side_write_what_they_write_one_after_the_other(simulated_warehouse, tmp_path):
    """Plumbing: with two jobs, two studies run side by side (one process and one job each) and
    the effect tables written are those of one study after the other; long_term_regime_ tables
    survive the long_term_ prefix's replacement whichever is written first."""
    paths, _ = simulated_warehouse("tiny", 7)
    stored = {}
    for jobs in (1, 2):
        copy = _copy(paths, tmp_path, f"jobs{jobs}")
        settings = StudySettings(n_boot=6, seed=3, n_folds=3, jobs=jobs)
        seconds = pipeline.run_studies(copy, ["long_term", "long_term_regime"], settings, "small_matrix")
        assert set(seconds) == {"long_term", "long_term_regime"} and min(seconds.values()) > 0
        stored[jobs] = _effect_tables(copy.duckdb_path)
    assert {"long_term_estimator_comparison", "long_term_regime_effects"} <= set(stored[2])
    _same_tables(stored[1], stored[2])


def test_a_failed_study_beside_another_leaves_the_others_tables_written(simulated_warehouse, tmp_path,
                                                                         monkeypatch):
    paths, _ = simulated_warehouse("tiny", 7)
    copy = _copy(paths, tmp_path, "failed")
    monkeypatch.setitem(pipeline.STUDIES, "broken", "kuairec_causal.studies.no_such_study")
    written = []
    with pytest.raises(ModuleNotFoundError, match="no_such_study"):
        pipeline.run_studies(copy, ["broken", "long_term_regime"], StudySettings(n_boot=4, n_folds=3, jobs=2),
                             "small_matrix", on_written=written.append)
    assert written == ["long_term_regime"]
    assert "long_term_regime_effects" in _effect_tables(copy.duckdb_path)
