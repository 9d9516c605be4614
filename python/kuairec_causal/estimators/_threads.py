"""Run estimators with one BLAS / OpenMP thread.

The work here is many medium-sized fits (bootstrap replicates, folds). On few cores,
multi-threaded BLAS loses badly on such work -- measured 4x slower for a 200-replicate IPW
bootstrap on 2 shared cores -- and it oversubscribes when several analyses run at once. Learners
are single-threaded by construction (n_jobs=1), so this keeps the whole estimator on one core.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

F = TypeVar("F", bound=Callable[..., Any])


def single_threaded(function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with threadpool_limits(limits=1):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
