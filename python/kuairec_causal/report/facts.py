"""Provenance of every number the written report states.

A :class:`FactBook` hands out rendered numbers (and table-derived text) only through lookups in
the loaded tables, recording for each one the source table, the row key, the column, an optional
aggregate, the raw value and the text as rendered. ``final_summary.md``, the limitations and the
recommendations are written from these strings alone, so every number in them is a recorded fact;
``tables/summary_facts.csv`` lists them and a test re-queries the warehouse to check each.

Row keys are equality filters ``{"column": value}``; ``{"column": ["!=", value]}`` excludes a value
and ``{"column": [">", number]}`` / ``["<", number]`` compare (NULLs never match a comparison).
Aggregates (``min``, ``max``, ``count``) apply to the rows the key selects.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kuairec_causal.report.tables import TRUTH, MissingData, ReportTables

FACT_COLUMNS = ["fact_id", "source_table", "row_key", "column", "aggregate", "value", "format", "rendered"]


# ---------------------------------------------------------------------------------------------
# Number formatting (the only place numbers become text)


def _decimals(value: float, significant: int = 3, most: int = 6) -> int:
    if value == 0 or not math.isfinite(value):
        return 0
    return int(min(most, max(0, significant - 1 - math.floor(math.log10(abs(value))))))


def format_value(value: Any, fmt: str) -> str:
    """``num``: three significant digits (no exponent); ``pct``: a share as a percentage with three
    significant digits; ``int``: rounded with thousands separators; ``text``: as is."""
    if fmt == "text":
        return "" if value is None else str(value)
    number = float(value)
    if not math.isfinite(number):
        return "n/a"
    if fmt == "int":
        return f"{round(number):,}"
    if fmt == "pct":
        number *= 100
    decimals = _decimals(number)
    text = f"{number:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:  # rounds to zero: no "-0.000000"
        text = "0"
    return text + ("%" if fmt == "pct" else "")


class Rendered(str):
    """Rendered text that remembers the fact it came from (``.value`` is the raw table value)."""

    value: Any
    fact_id: str

    def __new__(cls, text: str, value: Any, fact_id: str) -> Rendered:
        obj = super().__new__(cls, text)
        obj.value = value
        obj.fact_id = fact_id
        return obj

    @property
    def number(self) -> float:
        return float(self.value)


@dataclass
class Fact:
    fact_id: str
    source_table: str
    row_key: dict
    column: str
    aggregate: str
    value: Any
    format: str
    rendered: str

    def record(self) -> dict:
        value = self.value
        if isinstance(value, (float, np.floating)):
            value = repr(float(value))
        elif isinstance(value, (bool, np.bool_)):
            value = str(bool(value)).lower()
        elif isinstance(value, (int, np.integer)):
            value = str(int(value))
        return {"fact_id": self.fact_id, "source_table": self.source_table,
                "row_key": json.dumps(self.row_key, sort_keys=True, default=str), "column": self.column,
                "aggregate": self.aggregate, "value": value, "format": self.format, "rendered": self.rendered}


def _plain(value: Any) -> Any:
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def select_rows(frame: pd.DataFrame, key: dict) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in key.items():
        if column not in frame.columns:
            raise MissingData(f"column {column} missing")
        values = frame[column]
        if isinstance(wanted, (list, tuple)) and len(wanted) == 2 and wanted[0] in ("!=", ">", "<"):
            op, bound = wanted
            if op == "!=":
                mask &= ~(values == bound).fillna(False).astype(bool)
            else:
                numbers = pd.to_numeric(values, errors="coerce")
                mask &= ((numbers > bound) if op == ">" else (numbers < bound)).fillna(False).astype(bool)
        else:
            mask &= (values == wanted).fillna(False).astype(bool)
    return frame[mask]


@dataclass
class FactBook:
    tables: ReportTables
    facts: dict[str, Fact] = field(default_factory=dict)

    def _add(self, fact: Fact) -> Rendered:
        previous = self.facts.get(fact.fact_id)
        if previous is not None and (previous.source_table, previous.row_key, previous.column, previous.aggregate) != (
                fact.source_table, fact.row_key, fact.column, fact.aggregate):
            raise ValueError(f"fact id {fact.fact_id} reused for a different value")
        self.facts[fact.fact_id] = fact
        return Rendered(fact.rendered, fact.value, fact.fact_id)

    def row(self, table: str, key: dict) -> pd.Series:
        frame = self.tables.get(table)
        try:
            rows = select_rows(frame, key)
        except MissingData as error:
            raise MissingData(f"not available: {self.tables.qualified(table)}: {error}") from None
        if len(rows) != 1:
            raise MissingData(f"not available: {self.tables.qualified(table)} has {len(rows)} rows for "
                              f"{json.dumps(key, default=str)} (expected one)")
        return rows.iloc[0]

    def raw(self, table: str, key: dict, column: str) -> Any:
        """A value used for a decision (not rendered), e.g. a pass/fail flag."""
        self.tables.get(table, [column])
        return _plain(self.row(table, key)[column])

    def flag(self, table: str, key: dict, column: str) -> bool:
        """A boolean decision input; a missing (NULL) flag counts as False."""
        value = self.raw(table, key, column)
        return False if _isna(value) else bool(value)

    def has(self, table: str, key: dict, column: str | None = None) -> bool:
        try:
            value = self.raw(table, key, column) if column else self.row(table, key)
        except MissingData:
            return False
        return column is None or not _isna(value)

    def value(self, fact_id: str, table: str, key: dict, column: str, fmt: str = "num") -> Rendered:
        self.tables.get(table, [column])
        value = _plain(self.row(table, key)[column])
        if fmt != "text" and _isna(value):
            raise MissingData(f"not available: {self.tables.qualified(table)}.{column} is empty for "
                              f"{json.dumps(key, default=str)}")
        if fmt != "text":
            value = float(value)
        return self._add(Fact(fact_id, self.tables.qualified(table), dict(key), column, "", value, fmt,
                              format_value(value, fmt)))

    def text(self, fact_id: str, table: str, key: dict, column: str) -> Rendered:
        return self.value(fact_id, table, key, column, fmt="text")

    def aggregate(self, fact_id: str, table: str, key: dict, column: str, how: str, fmt: str = "num") -> Rendered:
        frame = self.tables.get(table, [] if column == "*" else [column])
        try:
            rows = select_rows(frame, key)
        except MissingData as error:
            raise MissingData(f"not available: {self.tables.qualified(table)}: {error}") from None
        if how == "count":
            value: Any = int(len(rows))
            fmt = "int"
        else:
            values = pd.to_numeric(rows[column], errors="coerce").dropna()
            if values.empty:
                raise MissingData(f"not available: no values of {self.tables.qualified(table)}.{column}")
            value = float(values.min() if how == "min" else values.max())
        return self._add(Fact(fact_id, self.tables.qualified(table), dict(key), column, how, value, fmt,
                              format_value(value, fmt)))

    def truth(self, fact_id: str, study: str, estimand: str, outcome: str) -> Rendered | None:
        """The planted value of an estimand (None on real data or when the truth lacks it)."""
        if self.tables.truth_value(study, estimand, outcome) is None:
            return None
        key = {"study": study, "estimand": estimand, "outcome": outcome}
        matrix = self.tables.interaction_matrix
        if matrix is not None:
            key = {"interaction_matrix": matrix, **key}
        return self.value(fact_id, TRUTH, key, "value")

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([f.record() for f in self.facts.values()], columns=FACT_COLUMNS)


def _isna(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
