"""Both studies give the same tables, bit for bit, with one worker process and with two."""

from __future__ import annotations

import pandas as pd
import pytest

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
    one, two = (_tables(paths, study, jobs) for jobs in (1, 2))
    assert one.keys() == two.keys()
    for name in one:
        first, second = one[name], two[name]
        if name.endswith("_run_info"):  # wall-clock seconds differ from run to run, nothing else may
            timing = first["key"].str.startswith("runtime")
            assert first["key"].equals(second["key"])
            first, second = first[~timing], second[~timing]
        pd.testing.assert_frame_equal(first, second, check_exact=True, obj=name)
