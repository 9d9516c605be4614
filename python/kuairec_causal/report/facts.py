"""Provenance of every number the written report states.

A :class:`FactBook` hands out rendered numbers (and table-derived text) only through lookups in
the loaded tables: each :class:`Rendered` string carries its :class:`Fact` (source table, row
key, column, optional aggregate, raw value, text as rendered). A fact is recorded in the book when
its text is formatted into the report (an f-string or ``format()``), not when it is looked up, so
the findings can fetch every number a section might need while ``tables/summary_facts.csv`` lists
exactly the numbers the text states. ``final_summary.md``, the limitations and the recommendations
are written from these strings alone, so every number in them is a recorded fact; a test
re-queries the warehouse to check each.

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


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def number_word(number: int) -> str:
    """A whole number as prose: spelled out up to twenty, digits with thousands separators above."""
    return NUMBER_WORDS[number] if 0 <= number < len(NUMBER_WORDS) else f"{number:,}"


def horizon_adjective(days: int) -> str:
    """The adjective of a follow-up window of ``days`` days: ``next-week`` for seven days,
    ``next-<n>-day`` otherwise (``next-four-day plays``)."""
    return "next-week" if days == 7 else f"next-{number_word(days)}-day"


def format_value(value: Any, fmt: str) -> str:
    """``num``: three significant digits (no exponent); ``pct``: a share as a percentage with three
    significant digits; ``int``: rounded with thousands separators; ``word``: a whole number in
    words (:func:`number_word`); ``horizon``: a number of days as the adjective of a follow-up
    window (:func:`horizon_adjective`); ``text``: as is."""
    if fmt == "text":
        return "" if value is None else str(value)
    number = float(value)
    if not math.isfinite(number):
        return "n/a"
    if fmt == "int":
        return f"{round(number):,}"
    if fmt in ("word", "horizon"):
        whole = round(number)
        return number_word(whole) if fmt == "word" else horizon_adjective(whole)
    if fmt == "pct":
        number *= 100
    decimals = _decimals(number)
    text = f"{number:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:  # rounds to zero: no "-0.000000"
        text = "0"
    return text + ("%" if fmt == "pct" else "")


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

    def key(self) -> tuple:
        return (self.source_table, json.dumps(self.row_key, sort_keys=True, default=str), self.column,
                self.aggregate, self.format)


class Rendered(str):
    """Rendered text that remembers the fact it came from (``.value`` is the raw table value).
    Formatting it into text (``f"{rendered}"``) records the fact in its book."""

    value: Any
    fact: Fact
    book: FactBook | None

    def __new__(cls, fact: Fact, book: FactBook | None) -> Rendered:
        obj = super().__new__(cls, fact.rendered)
        obj.value, obj.fact, obj.book = fact.value, fact, book
        return obj

    def __format__(self, spec: str) -> str:
        if self.book is not None:
            self.book.record(self.fact)
        return str.__format__(str(self), spec)

    @property
    def fact_id(self) -> str:
        return self.fact.fact_id

    @property
    def number(self) -> float:
        return float(self.value)


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
    """Looks facts up in ``tables``; ``facts`` holds those formatted into text so far."""

    tables: ReportTables
    facts: dict[str, Fact] = field(default_factory=dict)

    def record(self, fact: Fact) -> None:
        previous = self.facts.get(fact.fact_id)
        if previous is not None and previous.key() != fact.key():
            raise ValueError(f"fact id {fact.fact_id} reused for a different value")
        self.facts[fact.fact_id] = fact

    def _add(self, fact: Fact) -> Rendered:
        return Rendered(fact, self)

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
