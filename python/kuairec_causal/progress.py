"""Progress reporting: per-stage lines with timings, and progress bars for long loops.

Everything goes to stderr so that stdout stays clean for results. Set KUAIREC_PROGRESS=0 to
silence the bars (stage lines are still printed).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

PROGRESS_ENV = "KUAIREC_PROGRESS"  # "0" turns the bars off


def bars_enabled() -> bool:
    return os.environ.get(PROGRESS_ENV, "1") not in {"0", "false", "no"}


@contextmanager
def bars_off() -> Iterator[None]:
    """No bars inside the block (the setting is restored after it): for tasks that run side by
    side in worker processes, whose bars would be drawn over each other's on one line."""
    previous = os.environ.get(PROGRESS_ENV)
    os.environ[PROGRESS_ENV] = "0"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[PROGRESS_ENV]
        else:
            os.environ[PROGRESS_ENV] = previous


def _bar_options(desc: str, total: int | None, leave: bool) -> dict:
    return {"desc": desc, "total": total, "leave": leave, "disable": not bars_enabled(), "file": sys.stderr,
            "dynamic_ncols": True, "mininterval": 0.5}


def progress_bar(total: int | None, desc: str, leave: bool = False) -> tqdm:
    """A progress bar on stderr (disabled when bars are off); ``update(n)`` advances it."""
    return tqdm(**_bar_options(desc, total, leave))


def progress(iterable: Iterable[T], desc: str, total: int | None = None, leave: bool = False) -> Iterator[T]:
    """Wrap a loop in a progress bar (a no-op when bars are disabled)."""
    return iter(tqdm(iterable, **_bar_options(desc, total, leave)))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def stage(name: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    """Print ``name ...`` then ``name done in X.Xs``; record the duration in ``timings``."""
    log(f"[{time.strftime('%H:%M:%S')}] {name} ...")
    start = time.perf_counter()
    try:
        yield
    except BaseException:
        log(f"[{time.strftime('%H:%M:%S')}] {name} failed after {time.perf_counter() - start:.1f}s")
        raise
    elapsed = time.perf_counter() - start
    if timings is not None:
        timings[name] = elapsed
    log(f"[{time.strftime('%H:%M:%S')}] {name} done in {elapsed:.1f}s")
