"""The report stage: figures, tables, ``final_summary.md`` and a self-contained ``report.html``
built from the warehouse's effect tables (``build_report``), and the few-line result summary the
``run`` command prints (:func:`kuairec_causal.report.headline.headline`)."""

from __future__ import annotations

from pathlib import Path


def build_report(paths, out_dir: Path, jobs: int = 1) -> Path:
    """Write the report folder ``out_dir`` from the warehouse at ``paths.duckdb_path`` (replaced
    atomically) with ``jobs`` processes; returns ``out_dir``."""
    from kuairec_causal.report.build import build_report as _build

    return _build(paths, out_dir, jobs)


__all__ = ["build_report"]
