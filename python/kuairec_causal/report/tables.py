"""Everything the report reads, loaded once from the warehouse (read-only).

The report is a consumer of the marts and of the estimator stage's effect tables, nothing below
them: the effect tables from schema ``effects`` (dbt sources ``effects_*``), and
small marts for the data diagnostics, the planted truth (``mart_planted_truth``), the windows
(``mart_panel_windows``), the estimands and the mediation diagram. A table that cannot be read is
recorded as missing with the reason; every consumer asks through :meth:`ReportTables.get`, which
raises :class:`MissingData` so that a report section can degrade to a one-line note instead of
failing. The report never writes to the warehouse: :func:`warehouse_inputs` only declares what it
reads (the estimator stage copies those marts into DuckDB when they were built on another engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from kuairec_causal.errors import KuaiRecError
from kuairec_causal.windows import MART as WINDOWS_MART
from kuairec_causal.windows import PanelWindows

EFFECT_SCHEMA = "effects"
EFFECT_PREFIXES = ("long_term_", "mediation_")
TRUTH = "mart_planted_truth"
PANEL = "mart_mediation_panel"
# Marts the report reads whole (small tables).
MART_TABLES = (
    "mart_daily_panel_summary", "mart_pretreatment_balance", "mart_naive_associations",
    "mart_treatment_definitions", "mart_panel_readiness_checks", "mart_data_quality",
    "mart_selected_metrics", "mart_metric_validation", WINDOWS_MART, TRUTH, "mart_estimands",
    "mart_mediation_diagram_nodes", "mart_mediation_diagram_edges",
)
# The row-level mediation panel is read only for the pathway-ingredients figure (a few columns).
MEDIATION_PANEL_COLUMNS = ("user_id", "event_date", "A_high_discovery", "M_satisfaction_depth",
                           "Y_future_interactions", "Y_future_active_days", "Y_future_play_hours")
# Row-level effect tables: mirrored as CSV, never shown whole in the HTML.
ROW_LEVEL_TABLES = ("long_term_propensity_scores", "long_term_aipw_scores", "mediation_propensity_scores",
                    "mediation_crossfit_row_effects")


class MissingData(KuaiRecError):
    """A table, column or row a report section needs is not available."""


@dataclass
class ReportTables:
    """Loaded tables by name (``long_term_estimator_comparison``, ``mart_daily_panel_summary``, ...)
    with where each came from."""

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
            return f"{EFFECT_SCHEMA}.{name}"
        if name.startswith("mart_"):
            return f"marts.{name}"
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

    @property
    def windows(self) -> PanelWindows | None:
        """The panel windows of the build (None when mart_panel_windows is not available)."""
        frame = self.frames.get(WINDOWS_MART)
        if frame is None:
            return None
        try:
            return PanelWindows.from_frame(frame, self.qualified(WINDOWS_MART))
        except KuaiRecError:
            return None

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
        effects = sorted(n for n in existing.get(EFFECT_SCHEMA, ()) if n.startswith(EFFECT_PREFIXES))
        for name in effects:
            _load_one(con, existing, tables, name, EFFECT_SCHEMA, name)
        for schema, name, columns in warehouse_inputs():
            _load_one(con, existing, tables, name, schema, name, columns)
    finally:
        con.close()
    return tables


def warehouse_inputs() -> list[tuple[str, str, tuple[str, ...] | None]]:
    """The marts the report reads besides the effect tables: (schema, table, columns or None for
    all). All are small (diagnostic tables, a few columns of the mediation panel)."""
    return [*(("marts", name, None) for name in MART_TABLES), ("marts", PANEL, MEDIATION_PANEL_COLUMNS)]


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
