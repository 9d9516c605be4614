"""Reading the marts and writing effect tables.

The estimator stage reads analysis panels through a :class:`MartReader` (DuckDB here; a Spark
reader lives in :mod:`kuairec_causal.spark`) and writes its tables into the DuckDB schema
``estimator_output`` in one transaction: readers see either the previous set of tables or the new
one, never a mix. dbt then exposes them as the ``effects`` models (views with tests).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pandas as pd

from kuairec_causal.errors import KuaiRecError

OUTPUT_SCHEMA = "estimator_output"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class MartReader(Protocol):
    def read(self, table: str, columns: Iterable[str] | None = None) -> pd.DataFrame: ...


@contextmanager
def connect(path: Path, read_only: bool = False):
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        raise KuaiRecError(f"{path}: cannot open the warehouse (is another program holding it open?): "
                           f"{error}") from None
    try:
        yield con
    finally:
        con.close()


class DuckDBMartReader:
    """Reads ``<schema>.<table>`` from the warehouse file (read-only connection per call)."""

    def __init__(self, path: Path, schema: str = "marts") -> None:
        self.path = Path(path)
        self.schema = schema
        if not self.path.is_file():
            raise KuaiRecError(f"{self.path}: warehouse not built yet (run `kuairec-causal build`)")

    def read(self, table: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """``table`` is a mart name, or ``schema.table`` for another schema."""
        schema, _, name = table.rpartition(".")
        schema = schema or self.schema
        select = "*" if columns is None else ", ".join(f'"{c}"' for c in columns)
        with connect(self.path, read_only=True) as con:
            try:
                return con.execute(f'SELECT {select} FROM "{schema}"."{name}"').df()
            except duckdb.CatalogException as error:
                raise KuaiRecError(f"{schema}.{name}: {str(error).splitlines()[0]}") from None


def _clean_for_storage(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain column types DuckDB stores predictably (categoricals as text, bools as bools)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str)
        elif out[column].dtype == object:
            values = out[column].dropna()
            if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
                out[column] = out[column].astype("boolean")
            else:
                out[column] = out[column].map(_as_text)
    return out


def _as_text(value: object) -> object:
    """Values of a mixed object column as text; None and NaN stay missing."""
    missing_or_text = value is None or isinstance(value, str) or (isinstance(value, float) and np.isnan(value))
    return value if missing_or_text else str(value)


def write_tables(path: Path, tables: dict[str, pd.DataFrame], schema: str = OUTPUT_SCHEMA,
                 replace_all_with_prefix: str | None = None) -> None:
    """Write DataFrames as ``schema.<name>`` in one transaction.

    ``replace_all_with_prefix``: also drop tables of that prefix not in ``tables`` (a study's
    previous outputs), so a re-run never leaves stale tables behind.
    """
    for name in tables:
        if not _NAME.match(name):
            raise KuaiRecError(f"table name '{name}' must be lower_snake_case")
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            if replace_all_with_prefix:
                existing = con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?",
                    [schema, replace_all_with_prefix + "%"],
                ).fetchall()
                for (name,) in existing:
                    if name not in tables:
                        con.execute(f'DROP TABLE "{schema}"."{name}"')
            for name, frame in tables.items():
                con.register("frame_to_store", _clean_for_storage(frame))
                con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{name}" AS SELECT * FROM frame_to_store')
                con.unregister("frame_to_store")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def copy_relations(reader: MartReader, path: Path, relations: Iterable[tuple[str, str, Sequence[str] | None]]
                   ) -> list[str]:
    """Copy ``(schema, table, columns or None)`` relations read through ``reader`` (e.g. the marts
    of a warehouse built on Spark) into the DuckDB file at ``path``, one transaction per schema,
    so that consumers of the DuckDB file (the report) find the marts beside the effect tables.
    A relation the reader lacks is skipped (its consumer notes it as missing). Returns the
    relations copied."""
    by_schema: dict[str, dict[str, pd.DataFrame]] = {}
    for schema, name, columns in relations:
        try:
            by_schema.setdefault(schema, {})[name] = reader.read(f"{schema}.{name}", columns)
        except KuaiRecError:
            continue
    for schema, frames in by_schema.items():
        write_tables(path, frames, schema=schema)
    return [f"{schema}.{name}" for schema, frames in by_schema.items() for name in frames]
