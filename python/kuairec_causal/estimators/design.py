"""Numeric design matrices from a DataFrame: the one place covariates are encoded.

Numeric columns are median-imputed; categorical columns are one-hot encoded with missing
values as their own level and (by default) the first level dropped; constant columns are
dropped. The fitted :class:`DesignSpec` transforms any other frame (a subset, a fold, new
data) to exactly the same columns, so a matrix is built once and rows are indexed after.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kuairec_causal.errors import ParameterError

from ._checks import as_names, no_overlap, require_columns, require_frame

MISSING_LEVEL = "(missing)"


@dataclass(frozen=True)
class DesignColumn:
    source: str
    level: str | None  # None for a numeric column
    name: str


@dataclass(frozen=True)
class DesignSpec:
    """A fitted encoding: which columns, medians, levels, and the output column names."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    medians: dict[str, float]
    columns: tuple[DesignColumn, ...]
    dropped_constant: tuple[str, ...]
    n_rows: int

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def transform(self, data: pd.DataFrame) -> np.ndarray:
        """Encode ``data`` to the fitted columns (unseen levels encode as the reference level)."""
        require_columns(data, self.numeric, "covariate")
        require_columns(data, self.categorical, "categorical covariate")
        out = np.empty((len(data), len(self.columns)), dtype=float)
        levels = {col: _level_codes(data[col]) for col in self.categorical}
        for j, column in enumerate(self.columns):
            if column.level is None:
                values = data[column.source].to_numpy(dtype=float, na_value=np.nan)
                out[:, j] = np.where(np.isnan(values), self.medians[column.source], values)
            else:
                codes, index = levels[column.source]
                out[:, j] = codes == index.get(column.level, -2)  # -2: a level absent from ``data``
        return out

    def summary(self) -> dict[str, object]:
        return {
            "rows": self.n_rows,
            "numeric": len(self.numeric),
            "categorical": len(self.categorical),
            "encoded_columns": len(self.columns),
            "dropped_constant": list(self.dropped_constant),
        }


def _level_codes(series: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Integer codes of a categorical column (missing: its own level) and each level's code:
    comparing codes instead of label strings gives the same indicator columns, faster."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    names = [str(u) for u in uniques] + [MISSING_LEVEL]
    codes = np.where(codes < 0, len(uniques), codes)
    index: dict[str, int] = {}
    for code, name in enumerate(names):
        index.setdefault(name, code)
    if len(index) < len(names):  # distinct values with the same label: merge their codes
        codes = np.array([index[name] for name in names])[codes]
    return codes, index


def category_labels(series: pd.Series) -> np.ndarray:
    """Categorical values as strings, with missing values as their own level."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    # Stringify each distinct value once (fast on large frames); code -1 (missing) maps last.
    names = np.array([str(u) for u in uniques] + [MISSING_LEVEL], dtype=object)
    return names[codes].astype(str)


def safe_name(text: str) -> str:
    """Column names that every learner accepts (LightGBM rejects JSON punctuation)."""
    name = re.sub(r"[^0-9A-Za-z_]+", "_", text)
    name = re.sub(r"_{2,}", "_", name).strip("_")
    return name or "col"


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        result.append(name if count == 0 else f"{name}_{count + 1}")
    return result


def fit_design(
    data: pd.DataFrame,
    numeric: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    drop_first: bool = True,
) -> DesignSpec:
    """Fit the encoding of ``numeric`` and ``categorical`` covariates on ``data``."""
    return _fit_encoding(data, numeric, categorical, drop_first)[0]


def _fit_encoding(data: pd.DataFrame, numeric: Sequence[str] | str | None, categorical: Sequence[str] | str | None,
                  drop_first: bool) -> tuple[DesignSpec, np.ndarray]:
    """The fitted encoding and the matrix of ``data`` it was fitted on (encoded once)."""
    data = require_frame(data)
    numeric = as_names(numeric, "covariates")
    categorical = as_names(categorical, "categorical")
    require_columns(data, numeric, "covariate")
    require_columns(data, categorical, "categorical covariate")
    no_overlap({"a numeric covariate": numeric, "a categorical covariate": categorical})
    medians: dict[str, float] = {}
    candidates: list[tuple[str, str | None]] = []
    for col in numeric:
        series = data[col]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            raise ParameterError(f"covariate '{col}' is not numeric (dtype {series.dtype}); pass it as categorical")
        values = series.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(values).any():
            raise ParameterError(f"covariate '{col}' has infinite values")
        if np.isnan(values).all():
            raise ParameterError(f"covariate '{col}' has no non-missing values")
        medians[col] = float(np.nanmedian(values))
        candidates.append((col, None))
    for col in categorical:
        levels = sorted(set(category_labels(data[col]).tolist()))
        candidates.extend((col, level) for level in levels[1 if drop_first else 0 :])
    names = _unique_names([safe_name(col if level is None else f"{col}_{level}") for col, level in candidates])
    draft = DesignSpec(numeric, categorical, medians,
                       tuple(DesignColumn(c, lv, n) for (c, lv), n in zip(candidates, names)), (), len(data))
    matrix = draft.transform(data)
    constant = np.ptp(matrix, axis=0) == 0 if len(matrix) else np.ones(matrix.shape[1], bool)
    kept = tuple(c for c, drop in zip(draft.columns, constant) if not drop)
    dropped = tuple(c.name for c, drop in zip(draft.columns, constant) if drop)
    return DesignSpec(numeric, categorical, medians, kept, dropped, len(data)), matrix[:, ~constant]


def build_design(
    data: pd.DataFrame,
    numeric: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    drop_first: bool = True,
) -> tuple[DesignSpec, np.ndarray]:
    """Fit the encoding and return it with the float64 matrix for ``data``."""
    return _fit_encoding(data, numeric, categorical, drop_first)
