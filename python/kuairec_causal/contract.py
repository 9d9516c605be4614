"""The data contract at ingest: every raw table's declared rules (``raw_schema.ROW_RULES``),
relations between tables (``RELATIONS``) and keys (``UNIQUE_KEYS``), checked by DuckDB over the
freshly written Parquet file (one aggregate pass per table, no Python row loop).

A violation stops ingest with one line naming the file, the line, the column, the value, the rule
and how many rows break it; rows whose rule says ``reject`` (those the notebooks' cleaning drops)
are moved to the rejects table ``ingest_rejects.parquet`` with their reason instead, unless more
than ``max_reject_share`` of the file would go, which stops ingest too.

Line numbers are data row + 1 (the header): ingest writes rows in file order. For the caption
file, whose quoted fields may span lines, "line" counts records.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb

from kuairec_causal.errors import InputError
from kuairec_causal.raw_schema import RAW_TABLES_BY_NAME, RELATIONS, ROW_RULES, UNIQUE_KEYS, RawTable, Rule

REJECTS_TABLE = "ingest_rejects"
REJECT_COLUMNS = (("table_name", "VARCHAR"), ("line", "BIGINT"), ("column_name", "VARCHAR"), ("value", "VARCHAR"),
                  ("reason", "VARCHAR"))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _parquet(path: Path) -> str:
    return f"read_parquet({_quote(str(path))}, file_row_number = true)"


def _show(value: object) -> str:
    return "empty" if value is None else repr(value) if isinstance(value, str) else str(value)


def _violation_line(member: str, line: int, column: str, value: object, rule: str, rows: int) -> str:
    return f"{member} line {line}: column '{column}' = {_show(value)} {rule} ({rows:,} row{'s' if rows != 1 else ''})"


def check_rows(con: duckdb.DuckDBPyConnection, table: RawTable, parquet: Path,
               max_reject_share: float) -> dict[str, int]:
    """Check ``table``'s rules on its Parquet file; raise on a failing rule, move rejected rows
    out of the file (into ``<file>.rejects``) and return the count of rejected rows per reason."""
    rules = ROW_RULES.get(table.name, ())
    if not rules:
        return {}
    # One pass counts each rule's violations; only rules that have some are located (a second
    # pass on the error path: first line and its value).
    counts = ", ".join(f"count(*) FILTER (WHERE coalesce(({rule.violation}), false))" for rule in rules)
    total, *numbers = con.execute(f"SELECT count(*), {counts} FROM {_parquet(parquet)}").fetchall()[0]
    broken = [(i, rule) for i, rule in enumerate(rules) if numbers[i]]
    located = {}
    if broken:
        where = " OR ".join(f"coalesce(({rule.violation}), false)" for _, rule in broken)
        firsts = ", ".join(f"min(file_row_number) FILTER (WHERE coalesce(({rule.violation}), false)), "
                           f"arg_min(\"{rule.column}\", file_row_number) "
                           f"FILTER (WHERE coalesce(({rule.violation}), false))"
                           for _, rule in broken)
        row = con.execute(f"SELECT {firsts} FROM {_parquet(parquet)} WHERE {where}").fetchall()[0]
        located = {i: (row[2 * k], row[2 * k + 1]) for k, (i, _) in enumerate(broken)}
    found = [(rule, numbers[i], *located.get(i, (None, None))) for i, rule in enumerate(rules)]
    for rule, count, first, value in found:
        if count and rule.action == "fail":
            raise InputError(_violation_line(table.member, first + 2, rule.column, value, rule.rule, count))
    rejected = [(rule, count, first, value) for rule, count, first, value in found if count]
    if not rejected:
        return {}
    share = sum(count for _, count, _, _ in rejected) / max(total, 1)
    if share > max_reject_share:
        rule, count, first, value = rejected[0]
        raise InputError(f"{_violation_line(table.member, first + 2, rule.column, value, rule.rule, count)}: "
                         f"{share:.2%} of the file's rows would be rejected, "
                         f"above the threshold {max_reject_share:.2%}")
    _move_rejects(con, table, parquet, [rule for rule, *_ in rejected])
    return {f"{rule.column}: {rule.rule}": int(count) for rule, count, _, _ in rejected}


def _move_rejects(con: duckdb.DuckDBPyConnection, table: RawTable, parquet: Path, rules: list[Rule]) -> None:
    reason = "CASE " + " ".join(f"WHEN coalesce(({r.violation}), false) THEN {_quote(f'{r.column}: {r.rule}')}"
                                for r in rules) + " END"
    column = "CASE " + " ".join(f"WHEN coalesce(({r.violation}), false) THEN {_quote(r.column)}"
                                for r in rules) + " END"
    value = "CASE " + " ".join(f"WHEN coalesce(({r.violation}), false) THEN CAST(\"{r.column}\" AS VARCHAR)"
                               for r in rules) + " END"
    source = _parquet(parquet)
    kept = parquet.with_name(parquet.name + ".kept")
    rejects = parquet.with_name(parquet.name + ".rejects")
    con.execute(f"COPY (SELECT {_quote(table.name)} AS table_name, file_row_number + 2 AS line, "
                f"{column} AS column_name, {value} AS value, {reason} AS reason FROM {source} "
                f"WHERE {reason} IS NOT NULL ORDER BY line) "
                f"TO {_quote(str(rejects))} (FORMAT parquet)")
    columns = ", ".join(f'"{name}"' for name in table.header)
    con.execute(f"COPY (SELECT {columns} FROM {source} WHERE {reason} IS NULL ORDER BY file_row_number) "
                f"TO {_quote(str(kept))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)")
    os.replace(kept, parquet)


def write_rejects(con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """Gather every table's rejected rows into ``ingest_rejects.parquet`` (empty when none)."""
    parts = sorted(folder.glob("*.parquet.rejects"))
    target = folder / f"{REJECTS_TABLE}.parquet"
    if parts:
        union = " UNION ALL ".join(f"SELECT * FROM read_parquet({_quote(str(p))})" for p in parts)
        con.execute(f"COPY ({union} ORDER BY table_name, line) TO {_quote(str(target))} (FORMAT parquet)")
    else:
        columns = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in REJECT_COLUMNS)
        con.execute(f"COPY (SELECT {columns} WHERE false) TO {_quote(str(target))} (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet({_quote(str(target))})").fetchall()[0][0]
    for part in parts:
        part.unlink()
    return int(rows)


def check_relations(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Keys unique where declared, and every reference found in the referenced table."""
    for name, keys in UNIQUE_KEYS.items():
        path = folder / f"{name}.parquet"
        if not path.is_file():
            continue
        key = ", ".join(f'"{k}"' for k in keys)
        duplicate = con.execute(
            f"SELECT {key}, count(*), min(file_row_number) FROM {_parquet(path)} GROUP BY {key} HAVING count(*) > 1 "
            f"ORDER BY 3 LIMIT 1").fetchall()
        if duplicate:
            *values, count, first = duplicate[0]
            raise InputError(_violation_line(RAW_TABLES_BY_NAME[name].member, first + 2, keys[0], values[0],
                                             "must identify one row (repeated)", count))
    for child, column, parent, parent_column in RELATIONS:
        child_path, parent_path = folder / f"{child}.parquet", folder / f"{parent}.parquet"
        if not (child_path.is_file() and parent_path.is_file()):
            continue
        count, first, value = con.execute(
            f"SELECT count(*), min(file_row_number), arg_min(c.\"{column}\", file_row_number) "
            f"FROM {_parquet(child_path)} AS c "
            f"ANTI JOIN (SELECT DISTINCT \"{parent_column}\" AS k FROM read_parquet({_quote(str(parent_path))})) AS p "
            f"ON c.\"{column}\" = p.k WHERE c.\"{column}\" IS NOT NULL").fetchall()[0]
        if count:
            raise InputError(_violation_line(RAW_TABLES_BY_NAME[child].member, first + 2, column, value,
                                             f"is not a {parent_column} of {RAW_TABLES_BY_NAME[parent].member}", count))


def locate_parse_failure(con: duckdb.DuckDBPyConnection, path: Path, table: RawTable, header: list[str],
                         locate_value) -> str | None:
    """After a failed parse: the bad value (``locate_value``), else a row with the wrong number of
    fields; None when neither explains it."""
    try:
        found = locate_value(con, path, header, table)
    except duckdb.Error:  # the file does not even split into the header's columns
        found = None
    return found or locate_ragged_row(path, table.member, header)


def locate_ragged_row(path: Path, member: str, header: list[str]) -> str | None:
    """After a parse failure: the first line whose field count differs from the header's, and how
    many lines do (a streaming pass, run only on the error path)."""
    expected = len(header)
    first = None
    count = 0
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for fields in reader:
            if len(fields) != expected and fields:
                count += 1
                if first is None:
                    first = (reader.line_num, len(fields))
    if first is None:
        return None
    line, found = first
    return (f"{member} line {line}: has {found} fields, the header has {expected} "
            f"({count:,} row{'s' if count != 1 else ''} with a wrong field count)")
