"""The warehouse on Spark: the session dbt-spark uses, and a mart reader over it.

The dbt models build on Spark through dbt-spark (profile target ``spark``, ``method: session``:
a local Spark session in the dbt process; see "Running on Spark" in README.md). The estimator
stage then reads the analysis marts through :class:`SparkMartReader`, which has the interface of
:class:`kuairec_causal.store.DuckDBMartReader`; the effect tables are still written to the DuckDB
file. pyspark is imported only when a session is needed: the DuckDB path never requires it.

The session's settings (time zone, warehouse dir, metastore location, ...) are the
``server_side_parameters`` of the profile target, so dbt and this module open the same catalog.
Its files go under ``KUAIREC_SPARK_DIR`` (default: ``spark/`` next to the DuckDB file, i.e.
``warehouse/spark``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from kuairec_causal.config import Paths
from kuairec_causal.errors import KuaiRecError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

SPARK_TARGET = "spark"
SPARK_DIR_ENV = "KUAIREC_SPARK_DIR"
PROFILE = "kuairec_causal"


def spark_dir(paths: Paths) -> Path:
    """Where the local session keeps its warehouse dir, metastore and derby.log."""
    return Path(os.environ.get(SPARK_DIR_ENV) or paths.duckdb_path.parent / "spark").resolve()


def dbt_environment(paths: Paths) -> dict[str, str]:
    """Environment variables the ``spark`` profile target reads (absolute paths)."""
    return {SPARK_DIR_ENV: str(spark_dir(paths))}


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise KuaiRecError(f"profiles.yml needs environment variable {name}")
    return default


def session_settings(paths: Paths, target: str = SPARK_TARGET) -> dict[str, str]:
    """The Spark settings of a ``method: session`` profile target, rendered as dbt renders them
    (``env_var`` with the environment of :func:`dbt_environment`), plus what dbt-spark adds."""
    import jinja2

    profile = yaml.safe_load((paths.profiles_dir / "profiles.yml").read_text())
    try:
        output = profile[PROFILE]["outputs"][target]
    except KeyError:
        raise KuaiRecError(f"profiles.yml has no target '{target}' in profile {PROFILE}") from None
    if output.get("type") != "spark" or output.get("method") != "session":
        raise KuaiRecError(f"profile target '{target}' is not a Spark `method: session` target")
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    with _environment(dbt_environment(paths)):
        settings = {
            str(key): environment.from_string(str(value)).render(env_var=_env_var)
            for key, value in (output.get("server_side_parameters") or {}).items()
        }
    settings["spark.sql.ansi.enabled"] = "false"  # as dbt-spark sets it for every connection
    return settings


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set variables that are not set yet (an explicit setting wins), restore afterwards."""
    added = {key: value for key, value in values.items() if key not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def get_session(paths: Paths | None = None, target: str = SPARK_TARGET) -> SparkSession:
    """The process's Spark session, built like dbt-spark's session method builds it (Hive
    catalog, the profile target's settings): dbt and the reader share it within one process, and
    a new process opens the same catalog. Starting the JVM takes ~10 s."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise KuaiRecError('the Spark target needs the spark extra: pip install -e ".[spark]"') from None
    paths = paths or Paths.from_environment()
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_settings(paths, target).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    _quiet_session_reuse_warning(session)
    return session


def _quiet_session_reuse_warning(session: SparkSession) -> None:
    """dbt-spark asks the builder for the session (with the profile's settings) before every
    statement; Spark then warns that static settings of a running session cannot change. Silence
    that one logger (one line per statement), nothing else."""
    jvm = session.sparkContext._jvm
    if jvm is None:  # pragma: no cover - Spark Connect
        return
    try:
        level = jvm.org.apache.logging.log4j.Level.ERROR
        for name in ("org.apache.spark.sql.SparkSession", "org.apache.spark.sql.classic.SparkSession"):
            jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(name, level)
    except Exception:  # noqa: BLE001 - logging only  # pragma: no cover
        pass


class SparkMartReader:
    """Reads ``<schema>.<table>`` from the Spark catalog into pandas (Arrow transfer), with the
    interface of :class:`kuairec_causal.store.DuckDBMartReader`. Meant for the analysis marts
    (one row per user-day), which fit in the driver's memory.

    Column types follow the DuckDB reader where Spark's conversion differs: DATE columns become
    ``datetime64`` like DuckDB's (Spark gives ``datetime.date`` objects)."""

    def __init__(self, session: SparkSession | None = None, schema: str = "marts", paths: Paths | None = None) -> None:
        self._session = session
        self._paths = paths
        self.schema = schema

    @property
    def session(self) -> SparkSession:
        if self._session is None:
            self._session = get_session(self._paths)
        return self._session

    def read(self, table: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """``table`` is a mart name, or ``schema.table`` for another schema."""
        from pyspark.errors import AnalysisException
        from pyspark.sql.types import DateType

        schema, _, name = table.rpartition(".")
        schema = schema or self.schema
        try:
            frame = self.session.table(f"`{schema}`.`{name}`")
            if columns is not None:
                frame = frame.select(*[f"`{column}`" for column in columns])
        except AnalysisException as error:
            raise KuaiRecError(f"{schema}.{name}: {str(error).strip().splitlines()[0]}") from None
        dates = [field.name for field in frame.schema.fields if isinstance(field.dataType, DateType)]
        self.session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
        data = frame.toPandas()
        for column in dates:
            data[column] = pd.to_datetime(data[column]).astype("datetime64[us]")
        return data

    def build_ids(self, table: str) -> list[str]:
        """The distinct build ids of a mart (computed in Spark: one row back, whatever the size)."""
        from pyspark.errors import AnalysisException

        schema, _, name = table.rpartition(".")
        schema = schema or self.schema
        try:
            rows = self.session.sql(f"SELECT DISTINCT build_id FROM `{schema}`.`{name}`").collect()
        except AnalysisException as error:
            raise KuaiRecError(f"{schema}.{name}: {str(error).strip().splitlines()[0]} "
                               "(rebuild with `kuairec-causal build`)") from None
        return sorted(str(row[0]) for row in rows)
