"""Independent work on several processes: bootstrap replicates, folds, outcomes, learners.

Results never depend on the number of processes. Callers split work into tasks whose contents
and seeds they fix themselves (never from ``n_jobs``); every task runs the same code whichever
process runs it, and results come back in task order. Workers are joblib's loky processes,
reused from one call to the next; each runs BLAS / OpenMP with one thread (learners are
single-threaded by construction), so ``n_jobs`` processes use ``n_jobs`` cores and no more.
Large numpy arrays reach the workers as read-only memory maps rather than copies.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from kuairec_causal.cores import available_cores
from kuairec_causal.errors import ParameterError
from kuairec_causal.progress import bars_off, progress

T = TypeVar("T")
R = TypeVar("R")

# Per-process cache of expensive set-up that tasks of one call share (e.g. a binned LightGBM
# dataset): built once per worker, keyed by a token the caller draws once per call.
_WORKER_CACHE: dict[str, Any] = {}
_WORKER_CACHE_SIZE = 4


# Processes running side by side (the studies of ``run_studies``) share the cores through files in
# this folder: "total" (the cores they share), "pending-<name>" (not started yet) and
# "running-<name>" (started, holding its share). Once nothing is pending, a task map may also take
# the cores of those that have finished: the last study running uses the whole machine.
SHARED_CORES_ENV = "KUAIREC_SHARED_CORES"


@contextmanager
def shared_cores(folder: Path, total: int, names: Sequence[str]) -> Iterator[Path]:
    """Set up ``folder`` for ``names`` that will share ``total`` cores (see SHARED_CORES_ENV)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "total").write_text(str(total))
    for name in names:
        (folder / f"pending-{name}").touch()
    yield folder


@contextmanager
def holding_cores(folder: Path, name: str, share: int) -> Iterator[None]:
    """``name`` runs with ``share`` cores of ``folder``'s, and task maps inside it may take the
    cores of those that have finished once nothing is pending."""
    running = folder / f"running-{name}"
    running.write_text(str(share))
    (folder / f"pending-{name}").unlink(missing_ok=True)
    previous = os.environ.get(SHARED_CORES_ENV)
    os.environ[SHARED_CORES_ENV] = str(folder)
    try:
        yield
    finally:
        _restore(SHARED_CORES_ENV, previous)
        running.unlink(missing_ok=True)


def _free_cores() -> int:
    """Cores that processes running side by side have left free (0 while any is pending)."""
    folder = os.environ.get(SHARED_CORES_ENV)
    if not folder:
        return 0
    try:
        files = list(Path(folder).iterdir())
        if any(f.name.startswith("pending-") for f in files):
            return 0
        used = sum(int(f.read_text() or 0) for f in files if f.name.startswith("running-"))
        return max(0, int((Path(folder) / "total").read_text()) - used)
    except (OSError, ValueError):  # a file went away between listing and reading: take nothing
        return 0


def _restore(variable: str, previous: str | None) -> None:
    if previous is None:
        os.environ.pop(variable, None)
    else:
        os.environ[variable] = previous


def check_jobs(n_jobs: object) -> int:
    """``n_jobs`` as a process count: None -> 1, -1 -> every available core, else a positive int."""
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ParameterError(f"n_jobs must be a positive integer, -1 (every core) or None (one); got {n_jobs!r}")
    return available_cores() if n_jobs == -1 else int(n_jobs)


def map_jobs(n_jobs: int | None, n_tasks: int) -> int:
    """The processes a map of ``n_tasks`` runs on: ``n_jobs``, plus the shared cores others have
    left free (see SHARED_CORES_ENV), at most one per task."""
    return min(check_jobs(n_jobs) + _free_cores(), n_tasks)


def parallel_map(function: Callable[[T], R], tasks: Iterable[T], n_jobs: int | None = 1,
                 desc: str | None = "parallel tasks") -> list[R]:
    """``[function(task) for task in tasks]``, the tasks spread over ``n_jobs`` processes.

    ``function`` and the tasks must be picklable (cloudpickle: closures are fine) when
    ``n_jobs`` > 1. With one process (or one task) everything runs here, in order. ``desc`` labels
    the progress bar over the tasks; None draws none (tasks that print their own stage lines).
    """
    tasks = list(tasks)
    jobs = map_jobs(n_jobs, len(tasks))
    if jobs <= 1:
        return [function(task) for task in _with_bar(tasks, desc, len(tasks))]
    from joblib import Parallel, delayed, parallel_config

    with parallel_config(backend="loky", inner_max_num_threads=1):
        results = Parallel(n_jobs=jobs, return_as="generator")(
            delayed(_without_bars)(function, task) for task in tasks)
        return list(_with_bar(results, desc, len(tasks)))


def parallel_calls(calls: Iterable[Callable[[], R]], n_jobs: int | None = 1, desc: str | None = None) -> list[R]:
    """``[call() for call in calls]`` over ``n_jobs`` processes: :func:`parallel_map` for tasks
    that are different functions (zero-argument callables, e.g. partials or bound methods)."""
    return parallel_map(_call, calls, n_jobs, desc)


def _call(call: Callable[[], R]) -> R:
    return call()


def _without_bars(function: Callable[[T], R], task: T) -> R:
    """A task in a worker process draws no progress bars of its own: processes running side by
    side would draw them over each other on one line (the parent's bar counts the tasks). Nor does
    it take shared cores: the map that started it already has them."""
    previous = os.environ.pop(SHARED_CORES_ENV, None)
    try:
        with bars_off():
            return function(task)
    finally:
        _restore(SHARED_CORES_ENV, previous)


def _with_bar(items: Iterable[T], desc: str | None, total: int) -> Iterable[T]:
    return items if desc is None else progress(items, desc=desc, total=total)


def chunks(n_items: int, n_chunks: int) -> list[range]:
    """``range(n_items)`` cut into at most ``n_chunks`` contiguous, nearly equal parts."""
    n_chunks = max(1, min(n_chunks, n_items))
    bounds = [round(k * n_items / n_chunks) for k in range(n_chunks + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(n_chunks) if bounds[k + 1] > bounds[k]]


def task_chunks(n_items: int, n_jobs: int | None) -> list[range]:
    """Chunks of independent items for ``n_jobs`` processes: four per process (load balance);
    one item per chunk in a single process (a progress bar per item). Only the grouping depends
    on ``n_jobs``; callers compute each item on its own, so the results do not."""
    jobs = check_jobs(n_jobs)
    return chunks(n_items, n_items if jobs == 1 else 4 * jobs)


def worker_cached(token: str, build: Callable[[], T]) -> T:
    """``build()`` once per process for ``token`` (the few most recent tokens are kept)."""
    if token not in _WORKER_CACHE:
        while len(_WORKER_CACHE) >= _WORKER_CACHE_SIZE:
            _WORKER_CACHE.pop(next(iter(_WORKER_CACHE)))
        _WORKER_CACHE[token] = build()
    return cast(T, _WORKER_CACHE[token])


def flatten(parts: Sequence[Sequence[R]]) -> list[R]:
    return [item for part in parts for item in part]
