"""How many cores this process may use: kept apart from the estimator library so that the
command line can offer it as the ``--jobs`` default without importing the library (about 3 s of
scientific imports before even ``--help`` could print)."""

from __future__ import annotations

import os


def available_cores() -> int:
    """Cores this process may run on (the CPU affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return os.cpu_count() or 1
