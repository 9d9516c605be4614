"""Everything the report reads, loaded once from the warehouse (read-only).

Effect tables come from the estimator stage: the dbt views in schema ``effects`` when they exist
and can be read, else the tables the studies wrote into ``estimator_output`` (table by table, so a
study whose dbt models are not built yet still reaches the report). Marts, reference seeds and the
simulator's planted truth are read from their own schemas. A table that cannot be read is recorded
as missing with the reason; every consumer asks through :meth:`ReportTables.get`, which raises
:class:`MissingData` so that a report section can degrade to a one-line note instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from kuairec_causal.errors import KuaiRecError

EFFECT_SCHEMAS = ("effects", "estimator_output")
EFFECT_PREFIXES = ("long_term_", "mediation_")
# Marts the report reads whole (small diagnostic tables).
MART_TABLES = (
    "mart_daily_panel_summary", "mart_pretreatment_balance", "mart_naive_associations",
    "mart_treatment_definitions", "mart_panel_readiness_checks", "mart_data_quality",
    "mart_selected_metrics", "mart_metric_validation",
)
REFERENCE_TABLES = ("estimand_registry", "mediation_diagram_nodes", "mediation_diagram_edges", "metric_roles")
TRUTH_TABLE = "staging.stg_simulation__ground_truth"
TRUTH = "ground_truth"
# The row-level mediation panel is read only for the pathway-ingredients figure (a few columns).
MEDIATION_PANEL = "marts.mart_mediation_panel"
MEDIATION_PANEL_COLUMNS = ("user_id", "event_date", "A_high_discovery", "M_satisfaction_depth",
                           "Y_future_interactions", "Y_future_active_days", "Y_future_play_hours")
PANEL = "mediation_panel"
# Row-level effect tables: mirrored as CSV, never shown whole in the HTML.
ROW_LEVEL_TABLES = ("long_term_propensity_scores", "long_term_aipw_scores", "mediation_propensity_scores",
                    "mediation_crossfit_row_effects")


class MissingData(KuaiRecError):
    """A table, column or row a report section needs is not available."""


@dataclass
class ReportTables:
    """Loaded tables by short name (``long_term_estimator_comparison``, ``mart_daily_panel_summary``,
    ``estimand_registry``, ``ground_truth``, ``mediation_panel``) with where each came from."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # short name -> schema.table
    missing: dict[str, str] = field(default_factory=dict)  # short name -> reason
    duckdb_path: Path | None = None

    def has(self, name: str) -> bool:
        return name in self.frames

    def get(self, name: str, columns: Sequence[str] = ()) -> pd.DataFrame:
        if name not in self.frames:
            raise MissingData(f"not available: {self.qualified(name)} missing"
                              + (f" ({self.missing[name]})" if self.missing.get(name) else ""))
        frame = self.frames[name]
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise MissingData(f"not available: {self.qualified(name)} lacks column(s) {', '.join(absent)}")
        return frame

    def qualified(self, name: str) -> str:
        if name in self.sources:
            return self.sources[name]
        if name.startswith(EFFECT_PREFIXES):
            return f"effects.{name}"
        if name.startswith("mart_"):
            return f"marts.{name}"
        if name in REFERENCE_TABLES:
            return f"reference.{name}"
        if name == TRUTH:
            return TRUTH_TABLE
        if name == PANEL:
            return MEDIATION_PANEL
        return name

    def effect_tables(self) -> list[str]:
        return sorted(n for n in self.frames if n.startswith(EFFECT_PREFIXES))

    # -- run metadata -----------------------------------------------------------------------

    def run_info(self, study: str, key: str) -> str | None:
        name = f"{study}_run_info"
        if name not in self.frames:
            return None
        frame = self.frames[name]
        if not {"key", "value"} <= set(frame.columns):
            return None
        hit = frame.loc[frame["key"] == key, "value"]
        return None if hit.empty or pd.isna(hit.iloc[0]) else str(hit.iloc[0])

    @property
    def interaction_matrix(self) -> str | None:
        for study in ("long_term", "mediation"):
            value = self.run_info(study, "interaction_matrix")
            if value:
                return value
        truth = self.frames.get(TRUTH)
        if truth is not None and "interaction_matrix" in truth.columns and truth["interaction_matrix"].nunique() == 1:
            return str(truth["interaction_matrix"].iloc[0])
        return None

    @property
    def simulated(self) -> bool:
        """True when the warehouse holds a synthetic release (its planted truth is non-empty)."""
        truth = self.frames.get(TRUTH)
        return truth is not None and not truth.empty

    def truth_rows(self) -> pd.DataFrame:
        """Planted truth of this run's interaction matrix (empty for real data)."""
        truth = self.frames.get(TRUTH)
        if truth is None or truth.empty:
            return pd.DataFrame(columns=["interaction_matrix", "study", "estimand", "outcome", "value"])
        matrix = self.interaction_matrix
        if "interaction_matrix" in truth.columns:
            if matrix is not None:
                truth = truth[truth["interaction_matrix"] == matrix]
            elif truth["interaction_matrix"].nunique() > 1:  # which matrix this run used is unknown
                return truth.iloc[0:0]
        return truth.reset_index(drop=True)

    def truth_value(self, study: str, estimand: str, outcome: str) -> float | None:
        rows = self.truth_rows()
        if rows.empty:
            return None
        hit = rows[(rows["study"] == study) & (rows["estimand"] == estimand) & (rows["outcome"] == outcome)]
        return None if hit.empty else float(hit["value"].iloc[0])


def _existing_tables(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    found: dict[str, set[str]] = {}
    for schema, name in rows:
        found.setdefault(schema, set()).add(name)
    return found


def _read(con: duckdb.DuckDBPyConnection, schema: str, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
    select = "*" if columns is None else ", ".join(f'"{c}"' for c in columns)
    return con.execute(f'SELECT {select} FROM "{schema}"."{name}"').df()


def load_tables(duckdb_path: Path) -> ReportTables:
    """Read every table the report uses; never raises for a missing table (only for a missing file)."""
    duckdb_path = Path(duckdb_path)
    if not duckdb_path.is_file():
        raise KuaiRecError(f"{duckdb_path}: warehouse not built yet (run `kuairec-causal build` and `estimate`)")
    tables = ReportTables(duckdb_path=duckdb_path)
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as error:
        raise KuaiRecError(f"{duckdb_path}: cannot open the warehouse read-only: {error}") from None
    try:
        existing = _existing_tables(con)
        names = sorted({n for schema in EFFECT_SCHEMAS for n in existing.get(schema, ())
                        if n.startswith(EFFECT_PREFIXES)})
        for name in names:
            errors = []
            for schema in EFFECT_SCHEMAS:
                if name not in existing.get(schema, ()):
                    continue
                try:
                    tables.frames[name] = _read(con, schema, name)
                    tables.sources[name] = f"{schema}.{name}"
                    break
                except duckdb.Error as error:  # e.g. a stale view over a dropped table
                    errors.append(f"{schema}.{name}: {str(error).splitlines()[0]}")
            else:
                tables.missing[name] = "; ".join(errors)
        for short, schema, name, columns in warehouse_inputs():
            _load_one(con, existing, tables, short, schema, name, columns)
    finally:
        con.close()
    return tables


def warehouse_inputs() -> list[tuple[str, str, str, tuple[str, ...] | None]]:
    """The tables besides the effect tables that the report reads: (short name, schema, table,
    columns or None for all) for the marts, reference seeds, planted truth and analysis panel."""
    inputs = [(name, "marts", name, None) for name in MART_TABLES]
    inputs += [(name, "reference", name, None) for name in REFERENCE_TABLES]
    inputs.append((TRUTH, *TRUTH_TABLE.split("."), None))
    inputs.append((PANEL, *MEDIATION_PANEL.split("."), MEDIATION_PANEL_COLUMNS))
    return inputs


def _load_one(con, existing, tables: ReportTables, short: str, schema: str, name: str,
              columns: Iterable[str] | None = None) -> None:
    tables.sources[short] = f"{schema}.{name}"
    if name not in existing.get(schema, ()):
        tables.missing[short] = "table not in the warehouse"
        return
    try:
        tables.frames[short] = _read(con, schema, name, columns)
    except duckdb.Error as error:
        tables.missing[short] = str(error).splitlines()[0]


def mirror_report_inputs(reader, duckdb_path: Path) -> list[str]:
    """Copy the marts, reference seeds and planted truth the report reads from another engine's
    warehouse (``reader``: e.g. :class:`kuairec_causal.spark.SparkMartReader`) into the DuckDB file
    beside the effect tables, so the report of a Spark-built warehouse is complete. All of them are
    small (diagnostic tables, a few columns of the analysis panel). Returns the tables copied; a
    table the other warehouse lacks is skipped (the report notes it as missing)."""
    from kuairec_causal.store import write_tables

    by_schema: dict[str, dict[str, pd.DataFrame]] = {}
    for _, schema, name, columns in warehouse_inputs():
        try:
            by_schema.setdefault(schema, {})[name] = reader.read(f"{schema}.{name}", columns)
        except KuaiRecError:
            continue
    for schema, frames in by_schema.items():
        write_tables(duckdb_path, frames, schema=schema)
    return [f"{schema}.{name}" for schema, frames in by_schema.items() for name in frames]
