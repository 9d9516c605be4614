"""Argument checks shared by every estimator; each failure is a one-line ParameterError."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kuairec_causal.errors import ParameterError


def _shown(values: Iterable[Any], limit: int = 8) -> str:
    values = list(values)
    text = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values[:limit])
    return f"[{text}{', ...' if len(values) > limit else ''}]"


def as_names(value: str | Sequence[str] | None, parameter: str) -> tuple[str, ...]:
    """Normalise a column-list argument (None, one name or a sequence of names)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    names = tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise ParameterError(f"{parameter} must be column names (strings); got {name!r}")
    if len(set(names)) != len(names):
        raise ParameterError(f"{parameter} lists a column more than once: {_shown(names)}")
    return names


def require_frame(data: object) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if len(data) == 0:
        raise ParameterError("data has no rows")
    return data


def require_column(data: pd.DataFrame, column: object, role: str) -> str:
    if not isinstance(column, str):
        raise ParameterError(f"{role} must be a column name (string); got {column!r}")
    if column not in data.columns:
        raise ParameterError(f"{role} '{column}' not in data")
    return column


def require_columns(data: pd.DataFrame, columns: Iterable[str], role: str) -> None:
    for column in columns:
        require_column(data, column, role)


def no_overlap(roles: dict[str, Iterable[str]]) -> None:
    """Refuse a column that plays two roles (e.g. a covariate that is also the treatment)."""
    seen: dict[str, str] = {}
    for role, columns in roles.items():
        for column in columns:
            if column in seen:
                raise ParameterError(f"column '{column}' is used both as {seen[column]} and as {role}")
            seen[column] = role


def binary_values(values: object, role: str) -> np.ndarray:
    """Check a 0/1 vector (no missing values, both levels present) and return it as float."""
    series = pd.Series(np.asarray(values).ravel() if not isinstance(values, pd.Series) else values)
    if series.isna().any():
        raise ParameterError(f"{role} has {int(series.isna().sum())} missing values")
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        raise ParameterError(f"{role} must be binary 0/1; found values {_shown(sorted(map(str, series.unique())))}")
    found = np.unique(series.to_numpy(dtype=float))
    if not set(found.tolist()) <= {0.0, 1.0}:
        shown = [int(v) if float(v).is_integer() else v for v in found]
        raise ParameterError(f"{role} must be binary 0/1; found values {_shown(shown)}")
    if len(found) < 2:
        raise ParameterError(f"{role} must contain both 0 and 1; found only {int(found[0])}")
    return series.to_numpy(dtype=float)


def binary_column(data: pd.DataFrame, column: str, role: str) -> np.ndarray:
    require_column(data, column, f"{role} column")
    return binary_values(data[column], f"{role} column '{column}'")


def is_binary(values: np.ndarray) -> bool:
    return set(np.unique(values).tolist()) <= {0.0, 1.0}


def numeric_column(data: pd.DataFrame, column: str, role: str) -> np.ndarray:
    """A numeric column without missing values, as float64."""
    require_column(data, column, f"{role} column")
    series = data[column]
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        raise ParameterError(f"{role} column '{column}' must be numeric; found dtype {series.dtype}")
    values = series.to_numpy(dtype=float, na_value=np.nan)
    bad = int((~np.isfinite(values)).sum())
    if bad:
        raise ParameterError(f"{role} column '{column}' has {bad} missing or infinite values")
    return values


def row_weights(data: pd.DataFrame, weights: str | np.ndarray | pd.Series | None) -> np.ndarray | None:
    """Resolve ``weights`` (a column name or an array with one entry per row) to a float array."""
    if weights is None:
        return None
    if isinstance(weights, str):
        values = numeric_column(data, weights, "weights")
        label = f"weights column '{weights}'"
    else:
        values = np.asarray(weights, dtype=float).ravel()
        label = "weights"
        if len(values) != len(data):
            raise ParameterError(f"weights has {len(values)} entries but data has {len(data)} rows")
    return check_weights(values, label)


def check_weights(values: np.ndarray, label: str = "weights") -> np.ndarray:
    values = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(values)):
        raise ParameterError(f"{label} has missing or infinite values")
    if np.any(values < 0):
        raise ParameterError(f"{label} has negative values (min {values.min():g})")
    if values.sum() <= 0:
        raise ParameterError(f"{label} sum to zero")
    return values


def cluster_codes(data: pd.DataFrame, cluster: str | None) -> tuple[np.ndarray, int]:
    """Integer cluster codes 0..G-1 (sorted labels, so the order does not depend on row order)."""
    if cluster is None:
        return np.arange(len(data)), len(data)
    require_column(data, cluster, "cluster column")
    labels = data[cluster]
    if labels.isna().any():
        raise ParameterError(f"cluster column '{cluster}' has {int(labels.isna().sum())} missing values")
    return factorize(labels)


def factorize(labels: object) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(pd.Series(np.asarray(labels) if not isinstance(labels, pd.Series) else labels),
                                  sort=True)
    if (codes < 0).any():
        raise ParameterError("cluster labels have missing values")
    return codes.astype(np.int64), len(uniques)


def check_int(value: object, parameter: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"{parameter} must be an integer; got {value!r}")
    if value < minimum:
        raise ParameterError(f"{parameter} must be >= {minimum}; got {value}")
    return int(value)


def check_seed(seed: object) -> int:
    return check_int(seed, "seed", 0)


def check_n_boot(n_boot: object) -> int:
    n_boot = check_int(n_boot, "n_boot", 0)
    if n_boot == 1:
        raise ParameterError("n_boot must be 0 (no bootstrap) or at least 2; got 1")
    return n_boot


def check_alpha(alpha: object) -> float:
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1); got {alpha!r}")
    return float(alpha)


def check_bounds(bounds: object, parameter: str) -> tuple[float, float] | None:
    """Propensity bounds (lo, hi) with 0 <= lo < hi <= 1, or None."""
    if bounds is None:
        return None
    try:
        low, high = (float(b) for b in bounds)  # type: ignore[attr-defined]  # non-iterables raise TypeError below
    except (TypeError, ValueError):
        raise ParameterError(f"{parameter} must be a pair (low, high); got {bounds!r}") from None
    if not 0 <= low < high <= 1:
        raise ParameterError(f"{parameter} must satisfy 0 <= low < high <= 1; got ({low:g}, {high:g})")
    return low, high


ESTIMANDS = ("ATE", "ATT", "ATC")


def check_estimand(value: object, parameter: str = "estimand") -> str:
    """'ATE' (everyone), 'ATT' (the treated) or 'ATC' (the controls)."""
    return check_choice(value, parameter, ESTIMANDS)


def target_indicator(a: np.ndarray, estimand: str) -> np.ndarray:
    """1 for the rows an estimand averages over: every row (ATE), the treated (ATT), the controls (ATC)."""
    return np.ones(len(a)) if estimand == "ATE" else (a if estimand == "ATT" else 1.0 - a).astype(float)


def check_choice(value: object, parameter: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ParameterError(f"{parameter} must be one of {_shown(choices)}; got {value!r}")
    return str(value)
