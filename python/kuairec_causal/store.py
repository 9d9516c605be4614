"""Reading the marts and writing effect tables.

The estimator stage reads analysis panels through a :class:`MartReader` (DuckDB here; a Spark
reader lives in :mod:`kuairec_causal.spark`) and writes its tables into the DuckDB schema
``effects`` in one transaction: readers see either the previous set of tables or the new
one, never a mix. dbt declares them as sources (models/effects/*/_*__sources.yml) and tests them.
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

OUTPUT_SCHEMA = "effects"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


BUILDS_TABLE = "effect_builds"  # per study: the build id of the marts it read, its settings, tested?
BUILD_ID = "build_id"


class MartReader(Protocol):
    def read(self, table: str, columns: Iterable[str] | None = None) -> pd.DataFrame: ...

    def build_ids(self, table: str) -> list[str]: ...


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

    def build_ids(self, table: str) -> list[str]:
        """The distinct build ids of a mart (one, unless marts of several builds were mixed)."""
        with connect(self.path, read_only=True) as con:
            return marts_build_ids(con, [table])[table]


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
                 replace_all_with_prefix: str | None = None, provenance: tuple[str, str, str] | None = None,
                 keep_prefixes: Sequence[str] = ()) -> None:
    """Write DataFrames as ``schema.<name>`` in one transaction, holding the warehouse lock.

    ``replace_all_with_prefix``: also drop tables of that prefix not in ``tables`` (a study's
    previous outputs), so a re-run never leaves stale tables behind, except tables of the longer
    prefixes ``keep_prefixes`` (another study's, e.g. long_term_regime_ inside long_term_). ``provenance``: (study,
    build id of the marts it read, settings digest), recorded (untested) in the same transaction,
    which fails if the published marts are no longer from that build (published meanwhile).
    """
    from kuairec_causal.atomic import exclusive_lock

    for name in tables:
        if not _NAME.match(name):
            raise KuaiRecError(f"table name '{name}' must be lower_snake_case")
    with exclusive_lock(path), connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            if provenance is not None and BUILD_ID in _columns(con, "marts", "fct_user_day_panel"):
                now = single_build_id(marts_build_ids(con, ["fct_user_day_panel"]))
                if now != provenance[1]:
                    raise KuaiRecError(f"{path}: the marts were rebuilt while the estimator ran (build {provenance[1]} "
                                       f"-> {now}); run `kuairec-causal estimate` again")
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            if replace_all_with_prefix:
                existing = con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?",
                    [schema, replace_all_with_prefix + "%"],
                ).fetchall()
                for (name,) in existing:
                    if name not in tables and not name.startswith(tuple(keep_prefixes)):
                        con.execute(f'DROP TABLE "{schema}"."{name}"')
            for name, frame in tables.items():
                con.register("frame_to_store", _clean_for_storage(frame))
                con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{name}" AS SELECT * FROM frame_to_store')
                con.unregister("frame_to_store")
            if provenance is not None:
                _record_build(con, *provenance)
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


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                       [schema, table]).fetchall()
    return {name for (name,) in rows}


# -- provenance: which build the marts and the effect tables come from ----------------------------


def project_marts(root: Path) -> list[str]:
    """The marts the project defines (models/marts/*.sql): every one carries a build_id."""
    return sorted(p.stem for p in (Path(root) / "models" / "marts").glob("*.sql"))


def marts_build_ids(con: duckdb.DuckDBPyConnection, tables: Iterable[str],
                    schema: str = "marts") -> dict[str, list[str]]:
    ids = {}
    for table in tables:
        columns = _columns(con, schema, table)
        if not columns:
            raise KuaiRecError(f"{schema}.{table}: missing from the warehouse; run `kuairec-causal build`")
        if BUILD_ID not in columns:
            raise KuaiRecError(f"{schema}.{table}: has no build_id column (built by an older version); "
                               "rebuild with `kuairec-causal build`")
        rows = con.execute(f'SELECT DISTINCT "{BUILD_ID}" FROM "{schema}"."{table}"').fetchall()
        ids[table] = sorted(str(r[0]) for r in rows)
    return ids


def single_build_id(ids: dict[str, list[str]]) -> str:
    """The one build id of all the marts, or a one-line error naming two that differ."""
    seen: dict[str, str] = {}
    for table, values in ids.items():
        if len(values) > 1:
            raise KuaiRecError(f"marts.{table}: mixes builds {', '.join(values)}; rebuild with `kuairec-causal build`")
        for value in values:
            seen.setdefault(value, table)
    if len(seen) > 1:
        (a, table_a), (b, table_b) = list(seen.items())[:2]
        raise KuaiRecError(f"marts.{table_a} is from build {a} but marts.{table_b} from build {b}: the marts "
                           "mix builds (a partial plain `dbt build`?); rebuild with `kuairec-causal build`")
    if not seen:
        raise KuaiRecError("marts: empty, no build id; rebuild with `kuairec-causal build`")
    return next(iter(seen))


def marts_build_id(reader: MartReader, root: Path) -> str:
    """The build id shared by every mart read through ``reader``."""
    return single_build_id({table: reader.build_ids(table) for table in project_marts(root)})


def effect_builds(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The effect-table provenance (empty when the estimator stage never ran)."""
    if not _columns(con, OUTPUT_SCHEMA, BUILDS_TABLE):
        return pd.DataFrame(columns=["study", BUILD_ID, "settings", "tested"])
    return con.execute(f'SELECT * FROM "{OUTPUT_SCHEMA}"."{BUILDS_TABLE}" ORDER BY study').df()


def read_effect_builds(path: Path) -> pd.DataFrame:
    if not Path(path).is_file():
        return effect_builds(duckdb.connect())
    with connect(path, read_only=True) as con:
        return effect_builds(con)


def _create_builds_table(con: duckdb.DuckDBPyConnection) -> None:
    """The provenance table, keyed by study (a study's new record replaces its old one)."""
    con.execute(f'CREATE TABLE IF NOT EXISTS "{OUTPUT_SCHEMA}"."{BUILDS_TABLE}" '
                f'(study VARCHAR PRIMARY KEY, {BUILD_ID} VARCHAR, settings VARCHAR, tested BOOLEAN)')


def _record_build(con: duckdb.DuckDBPyConnection, study: str, build_id: str, settings: str) -> None:
    """Replace ``study``'s record (delete, then insert: also in a table that lost its key, as
    carried-over ones did before 2026-12-03)."""
    _create_builds_table(con)
    con.execute(f'DELETE FROM "{OUTPUT_SCHEMA}"."{BUILDS_TABLE}" WHERE study = ?', [study])
    con.execute(f'INSERT INTO "{OUTPUT_SCHEMA}"."{BUILDS_TABLE}" VALUES (?, ?, ?, false)', [study, build_id, settings])


def mark_tested(path: Path) -> None:
    """After the effect models and tests passed (the caller holds the warehouse lock, so the
    tables tested are the tables marked): every recorded study is tested."""
    with connect(path) as con:
        if _columns(con, OUTPUT_SCHEMA, BUILDS_TABLE):  # absent: effect tables written without provenance
            con.execute(f'UPDATE "{OUTPUT_SCHEMA}"."{BUILDS_TABLE}" SET tested = true')


def check_effects_current(path: Path, studies: Iterable[str], marts: Iterable[str]) -> str:
    """Refuse, in one line, effect tables that are missing, untested or from another build than
    the marts (``marts``: those present are checked). Returns the build id."""
    path = Path(path)
    if not path.is_file():
        raise KuaiRecError(f"{path}: warehouse not built yet (run `kuairec-causal build` and `estimate`)")
    with connect(path, read_only=True) as con:
        present = [t for t in marts if _columns(con, "marts", t)]
        build_id = single_build_id(marts_build_ids(con, present))
        builds = effect_builds(con).set_index("study")
    for study in studies:
        if study not in builds.index:
            raise KuaiRecError(f"{path}: no effect tables of study {study}; run `kuairec-causal estimate`")
        row = builds.loc[study]
        if row[BUILD_ID] != build_id:
            raise KuaiRecError(f"{path}: the effect tables of study {study} are stale "
                               f"(estimated on build {row[BUILD_ID]}, the marts are build {build_id}); "
                               "run `kuairec-causal estimate`")
        if not bool(row["tested"]):
            raise KuaiRecError(f"{path}: the effect tables of study {study} have not passed their dbt tests; "
                               "run `kuairec-causal estimate` (its last run failed)")
    return build_id


def settle(path: Path) -> None:
    """Fold a DuckDB file's write-ahead log into the file (a WAL belongs to a path: it must not
    outlive its file when another file is renamed into place)."""
    if Path(f"{path}.wal").exists():
        with connect(path) as con:
            con.execute("CHECKPOINT")


def carry_over_effects(published: Path, building: Path, build_id: str) -> list[str]:
    """Copy the effect tables of ``build_id`` from the published warehouse into
    the new build of the same id: identical marts, so the effect tables stay valid. Tables of
    other builds are not copied (the estimator stage must run again)."""
    if not Path(published).is_file():
        return []
    with connect(building) as con:
        try:
            con.execute(f"ATTACH '{published}' AS previous (READ_ONLY)")
        except duckdb.IOException as error:
            raise KuaiRecError(f"{published}: cannot be read: {' '.join(str(error).split())}") from None
        has_builds = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' "
                                 "AND schema_name = ? AND table_name = ?",
                                 [OUTPUT_SCHEMA, BUILDS_TABLE]).fetchall()[0][0]
        builds = con.execute(f"SELECT study FROM previous.{OUTPUT_SCHEMA}.{BUILDS_TABLE} WHERE {BUILD_ID} = ?",
                             [build_id]).fetchall() if has_builds else []
        studies = [study for (study,) in builds]
        if not studies:
            return []
        tables = [name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous' AND schema_name = ?",
            [OUTPUT_SCHEMA]).fetchall() if any(name.startswith(f"{study}_") for study in studies)]
        con.execute("BEGIN TRANSACTION")
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{OUTPUT_SCHEMA}"')
        _create_builds_table(con)  # with its key: a later estimate replaces a study's record
        con.execute(f'INSERT INTO "{OUTPUT_SCHEMA}"."{BUILDS_TABLE}" BY NAME '
                    f"SELECT * FROM previous.{OUTPUT_SCHEMA}.{BUILDS_TABLE} WHERE {BUILD_ID} = ?", [build_id])
        for name in tables:
            con.execute(f'CREATE TABLE "{OUTPUT_SCHEMA}"."{name}" AS SELECT * FROM previous.{OUTPUT_SCHEMA}."{name}"')
        con.execute("COMMIT")
        con.execute("DETACH previous")
        con.execute("CHECKPOINT")
    return tables
