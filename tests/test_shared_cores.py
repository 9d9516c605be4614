"""Plumbing: processes running side by side (the studies) share the cores through a folder; a
task map takes the cores of finished ones only once none is waiting to start."""

from __future__ import annotations

from kuairec_causal.parallel import _free_cores, holding_cores, map_jobs, parallel_map, shared_cores


def test_free_cores_follow_the_studies_waiting_running_and_finished(tmp_path):
    assert _free_cores() == 0  # outside any shared folder
    with shared_cores(tmp_path / "cores", 2, ["long", "short", "last"]) as folder:
        with holding_cores(folder, "long", 1):
            assert _free_cores() == 0  # two wait to start
            with holding_cores(folder, "short", 1):
                pass
            assert _free_cores() == 0  # "last" still waits
            with holding_cores(folder, "last", 1):
                assert _free_cores() == 0  # both cores held
            assert _free_cores() == 1  # nothing waits, one finished: its core is free
            assert map_jobs(1, 4) == 2 and map_jobs(1, 1) == 1  # a map of one job takes it (one per task)
        assert _free_cores() == 0
        assert not [f for f in folder.iterdir() if f.name != "total"]


def test_tasks_of_a_map_do_not_take_shared_cores_again(tmp_path):
    """The map that started the tasks took the free cores; a map inside a task must not."""
    with shared_cores(tmp_path / "cores", 2, ["only"]) as folder, holding_cores(folder, "only", 1):
        assert _free_cores() == 1
        inner = parallel_map(_free_cores_in_task, range(2), 1, desc=None)
        assert inner == [0, 0]


def _free_cores_in_task(_: int) -> int:
    return _free_cores()
