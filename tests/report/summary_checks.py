"""Checks shared by the report tests: numbers in the summary against the recorded facts, and facts
against the warehouse (queried independently of the report code)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import duckdb
import pandas as pd

# A number token: digits with optional thousands separators (a comma followed by exactly three
# digits), decimals and a percent sign. "[-127, 25.2]" holds two numbers, not "-127,".
NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|-?\d+(?:\.\d+)?%?")
CODE_SPAN = re.compile(r"`[^`]*`")


def prose(markdown: str) -> str:
    """The summary with inline code (column and table names such as `future_7day_interactions`)
    blanked out, keeping character positions."""
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), markdown)


def uncovered_numbers(markdown: str, rendered: list[str]) -> list[str]:
    """Number tokens of the summary's prose that do not lie inside an occurrence of a fact's
    rendered text."""
    text = prose(markdown)
    covered = [False] * len(text)
    for value in {r for r in rendered if r}:
        for match in re.finditer(re.escape(value), markdown):
            for i in range(match.start(), match.end()):
                covered[i] = True
    missing = []
    for match in NUMBER.finditer(text):
        if not all(covered[match.start():match.end()]):
            start = max(0, match.start() - 40)
            missing.append(f"{match.group(0)!r} in ...{markdown[start:match.end() + 20]!r}")
    return missing


WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]


def parse_words(rendered: str, fmt: str) -> float:
    """A number written in words ("seven"), or as the adjective of a follow-up window
    ("next-week" = 7 days, "next-four-day" = 4 days)."""
    if fmt == "horizon":
        if rendered == "next-week":
            return 7.0
        rendered = rendered.removeprefix("next-").removesuffix("-day")
    return float(WORDS.index(rendered)) if rendered in WORDS else float(rendered.replace(",", ""))


def parse_rendered(rendered: str, fmt: str) -> tuple[float, float]:
    """The number a rendered fact shows and half a unit of its last digit (the rounding allowance)."""
    if fmt in ("word", "horizon"):
        return parse_words(rendered, fmt), 0.5
    text = rendered.replace(",", "")
    scale = 1.0
    if fmt == "pct":
        text = text.rstrip("%")
        scale = 0.01
    decimals = len(text.split(".")[1]) if "." in text else 0
    return float(text) * scale, 0.5 * 10 ** (-decimals) * scale * (1 + 1e-9)


def query_fact(con: duckdb.DuckDBPyConnection, fact: pd.Series):
    """Re-read a fact's value from the warehouse from its source table, row key, column and aggregate."""
    schema, _, table = str(fact["source_table"]).partition(".")
    key = json.loads(fact["row_key"])
    where, params = [], []
    for column, wanted in key.items():
        if isinstance(wanted, list) and len(wanted) == 2 and wanted[0] == "!=":
            where.append(f'"{column}" IS DISTINCT FROM ?')
            params.append(wanted[1])
        elif isinstance(wanted, list) and len(wanted) == 2 and wanted[0] in (">", "<"):
            where.append(f'"{column}" {wanted[0]} ?')
            params.append(wanted[1])
        else:
            where.append(f'"{column}" = ?')
            params.append(wanted)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    aggregate = fact["aggregate"] if isinstance(fact["aggregate"], str) else ""
    column = fact["column"]
    if aggregate == "count":
        select = "count(*)"
    elif aggregate in ("min", "max"):
        select = f'{aggregate}("{column}")'
    else:
        select = f'"{column}"'
    rows = con.execute(f'SELECT {select} FROM "{schema}"."{table}"{clause}', params).fetchall()
    assert len(rows) == 1, f"{fact['fact_id']}: {len(rows)} rows for {key}"
    return rows[0][0]


def check_facts_against_warehouse(facts: pd.DataFrame, duckdb_path: Path) -> list[str]:
    problems = []
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        for _, fact in facts.iterrows():
            actual = query_fact(con, fact)
            if fact["format"] == "text":
                if str(actual) != str(fact["rendered"]) or str(fact["value"]) != str(actual):
                    problems.append(f"{fact['fact_id']}: warehouse {actual!r}, "
                                    f"fact {fact['value']!r} / {fact['rendered']!r}")
                continue
            number = float(actual)
            if not math.isclose(number, float(fact["value"]), rel_tol=1e-9, abs_tol=1e-12):
                problems.append(f"{fact['fact_id']}: warehouse {number!r}, fact value {fact['value']!r}")
            shown, allowance = parse_rendered(str(fact["rendered"]), fact["format"])
            if abs(shown - number) > allowance:
                problems.append(f"{fact['fact_id']}: rendered {fact['rendered']!r} is not {number!r} rounded")
    finally:
        con.close()
    return problems
