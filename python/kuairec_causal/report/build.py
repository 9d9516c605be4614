"""Build the report folder: figures, tables, ``final_summary.md``, ``report.html``.

::

    <out_dir>/
      report.html                 self-contained page (summary, key tables, every figure)
      final_summary.md            the written summary (every number is a recorded fact)
      figures/NN_*.png            one PNG per figure of :data:`~kuairec_causal.report.figures.FIGURES`
      tables/<effect table>.csv   every long_term_* / mediation_* effect table, as read
                                  (row-level tables of more than 10,000 rows as .csv.gz)
      tables/mart_*.csv           the marts the report read (small tables; the planted truth of
                                  a simulated release as ground_truth.csv)
      tables/summary_facts.csv    provenance of every number in the summary
      tables/limitations.csv, recommendations.csv, report_notes.csv
      tables/artifact_index.csv   every file of the report with its type and size (itself included)

The folder is written next to ``out_dir`` under a temporary name and swapped into place at the end
(an atomic exchange of the two directories where the OS supports it), so a reader never sees a
half-written report and a failed build leaves the previous report untouched.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kuairec_causal.atomic import replaced_directory
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.parallel import chunks, parallel_calls
from kuairec_causal.report.figures import DPI, FIGURES, FigureSpec, style
from kuairec_causal.report.html import FigureResult, missing_key_tables, render_html
from kuairec_causal.report.narrative import build_narrative
from kuairec_causal.report.tables import PANEL, TRUTH, MissingData, ReportTables, load_tables

# The figures go to this many tasks beside the one writing the table files (about 4 s at the
# small scale, like a third of the figures), so that two processes finish at about the same time.
FIGURE_TASKS = 3
TITLE = "KuaiRec causal report: long-term effects and discovery-quality mediation"


def build_report(paths, out_dir: Path, jobs: int = 1) -> Path:
    """Write the report for the warehouse ``paths.duckdb_path`` into ``out_dir`` (replaced
    atomically); the figures and the table files are written by ``jobs`` processes."""
    out_dir = Path(out_dir).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise KuaiRecError(f"{out_dir}: exists and is not a directory")
    tables = load_tables(Path(paths.duckdb_path))
    with replaced_directory(out_dir) as staging:
        write_report(tables, staging, jobs)
    return out_dir


def write_report(tables: ReportTables, folder: Path, jobs: int = 1) -> dict:
    """Write every file of the report into ``folder`` (which must exist); returns what was written."""
    (folder / "figures").mkdir(exist_ok=True)
    (folder / "tables").mkdir(exist_ok=True)
    figures = write_files(tables, folder, jobs)
    notes = [f"figure {Path(figure.file).name}: {figure.note}" for figure in figures if figure.path is None]
    notes += missing_key_tables(tables)
    narrative = build_narrative(tables, extra_notes=notes)
    notes = list(dict.fromkeys(narrative.notes + notes))
    (folder / "final_summary.md").write_text(narrative.markdown, encoding="utf-8")
    narrative.facts.to_csv(folder / "tables" / "summary_facts.csv", index=False)
    narrative.limitations.to_csv(folder / "tables" / "limitations.csv", index=False)
    narrative.recommendations.to_csv(folder / "tables" / "recommendations.csv", index=False)
    html_notes = list(notes)
    page = render_html(summary_markdown=narrative.markdown, tables=tables, figures=figures,
                       limitations=narrative.limitations, recommendations=narrative.recommendations, title=TITLE,
                       meta=_meta(tables), notes=html_notes)
    notes = list(dict.fromkeys(html_notes))
    pd.DataFrame({"note": notes}).to_csv(folder / "tables" / "report_notes.csv", index=False)
    (folder / "report.html").write_text(page, encoding="utf-8")
    write_artifact_index(folder)
    return {"figures": figures, "narrative": narrative, "notes": notes}


def _meta(tables: ReportTables) -> str:
    parts = [f"Warehouse: {tables.duckdb_path}"]
    if tables.interaction_matrix:
        parts.append(f"interaction matrix: {tables.interaction_matrix}")
    parts.append("data: " + ("synthetic stand-in (simulated release)" if tables.simulated else "real KuaiRec logs"))
    parts.append("built " + time.strftime("%Y-%m-%d %H:%M:%S"))
    return "; ".join(parts)


def write_files(tables: ReportTables, folder: Path, jobs: int = 1) -> list[FigureResult]:
    """The figures and the table files, as independent tasks over ``jobs`` processes (each figure
    is drawn on its own, so the files do not depend on ``jobs``); returns the figures in order."""
    figure_tasks = [functools.partial(draw_figures, tables, folder, FIGURES[part.start:part.stop])
                    for part in chunks(len(FIGURES), FIGURE_TASKS if jobs > 1 else 1)]
    tasks: list[Callable[[], Any]] = [functools.partial(write_input_tables, tables, folder / "tables"), *figure_tasks]
    done = parallel_calls(tasks, jobs)  # the longest task first
    return [figure for part in done[1:] for figure in part]


def draw_figures(tables: ReportTables, folder: Path, specs: Sequence[FigureSpec] | None = None) -> list[FigureResult]:
    """Draw ``specs`` (default: every figure) into ``folder/figures``; a figure whose data is
    missing is returned with ``path`` None and the reason as its note."""
    results = []
    for spec in FIGURES if specs is None else specs:
        relative, caption = f"figures/{spec.file}", spec.caption_for(tables)
        try:
            with style():
                figure = spec.draw(tables)
                figure.savefig(folder / relative, dpi=DPI)
            results.append(FigureResult(relative, spec.section, spec.title, caption, folder / relative))
        except MissingData as error:
            results.append(FigureResult(relative, spec.section, spec.title, caption, None, str(error)))
    return results


ROW_LEVEL_ROWS = 10_000  # larger effect tables are row-level and mirrored as .csv.gz
# Level 1: writing the small release's row-level tables takes half the time of gzip's default
# level 9 (4.2 s against 8.5 s, measured side by side) for files 8% larger; mtime 0 keeps the
# bytes the same from one report to the next.
ROW_LEVEL_GZIP = {"method": "gzip", "compresslevel": 1, "mtime": 0}


def write_input_tables(tables: ReportTables, folder: Path) -> None:
    """Mirror every effect table, and the small marts and planted truth the report read."""
    for name, frame in tables.frames.items():
        if name == PANEL:  # the row-level mediation panel is an input, not an effect table
            continue
        if name == TRUTH:
            if not frame.empty:
                frame.to_csv(folder / "ground_truth.csv", index=False)
            continue
        file = f"{name}.csv"
        if len(frame) > ROW_LEVEL_ROWS:  # row-level tables (scores per user-day): gzip keeps the folder small
            frame.to_csv(folder / f"{file}.gz", index=False, compression=ROW_LEVEL_GZIP)
        else:
            frame.to_csv(folder / file, index=False)


def write_artifact_index(folder: Path) -> pd.DataFrame:
    """``tables/artifact_index.csv``: every file with its type and size, the index itself included
    (its own size is found by rewriting until it no longer changes)."""
    index_path = folder / "tables" / "artifact_index.csv"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p != index_path)
    rows = [{"artifact": p.relative_to(folder).as_posix(), "type": p.suffix.lstrip(".") or "file",
             "size_bytes": p.stat().st_size} for p in files]
    own = {"artifact": index_path.relative_to(folder).as_posix(), "type": "csv", "size_bytes": 0}
    frame = pd.DataFrame(rows + [own]).sort_values("artifact").reset_index(drop=True)
    for _ in range(10):
        frame.to_csv(index_path, index=False)
        size = index_path.stat().st_size
        if int(frame.loc[frame["artifact"] == own["artifact"], "size_bytes"].iloc[0]) == size:
            return frame
        frame.loc[frame["artifact"] == own["artifact"], "size_bytes"] = size
    raise KuaiRecError(f"{index_path}: size did not settle")  # pragma: no cover
