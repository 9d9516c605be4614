"""``report.html``: one self-contained page (inline CSS, figures as base64 PNG data URIs, no external
resources) with the summary, the key tables and every figure.

A tiny inline script runs once the page has loaded and records in ``document.body.dataset.imagesOk``
how many ``<img>`` elements decoded (``"23/23"``), which the browser test reads from the DOM.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kuairec_causal.report.facts import horizon_adjective
from kuairec_causal.report.tables import MissingData, ReportTables

CSS = """
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --accent: #2A6F97; --warn: #9a3412; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: #f8fafc; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 36px 64px; background: white;
       box-shadow: 0 0 0 1px var(--line); }
h1 { font-size: 1.75rem; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.35rem; margin: 1.8em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 1.4em 0 0.4em; }
p, li { max-width: 78em; }
code { font: 0.88em/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f1f5f9;
       padding: 0.05em 0.3em; border-radius: 3px; }
blockquote, .note { margin: 0.6em 0; padding: 0.5em 0.9em; border-left: 4px solid #f59e0b; background: #fffbeb;
                    color: var(--warn); }
nav.toc { background: #f8fafc; border: 1px solid var(--line); border-radius: 6px; padding: 0.6em 1.2em; }
nav.toc ol { margin: 0.3em 0; padding-left: 1.4em; }
nav.toc li { margin: 0.1em 0; }
.meta { color: var(--muted); font-size: 0.92em; }
.banner { padding: 0.6em 1em; border-radius: 6px; margin: 0.8em 0; }
.banner.synthetic { background: #eef2ff; border: 1px solid #c7d2fe; }
.banner.real { background: #ecfdf5; border: 1px solid #a7f3d0; }
figure { margin: 1.2em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 0.92em; margin-top: 0.35em; }
.table-wrap { overflow-x: auto; margin: 0.6em 0 1.6em; }
table { border-collapse: collapse; font-size: 0.86em; min-width: 40%; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; color: var(--ink); }
caption .src { font-weight: normal; color: var(--muted); }
th, td { border-bottom: 1px solid var(--line); padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f1f5f9; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:hover td { background: #f8fafc; }
.summary { border-left: 3px solid var(--accent); padding-left: 1.2em; }
"""

SCRIPT = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var ok = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.body.dataset.imagesOk = ok + "/" + images.length;
  document.body.dataset.imagesChecked = "true";
});
"""


@dataclass
class FigureResult:
    file: str  # relative path, e.g. figures/03_lt_estimator_comparison.png
    section: str
    title: str
    caption: str
    path: Path | None  # None when the figure is not available
    note: str | None = None


# ---------------------------------------------------------------------------------------------
# Minimal Markdown (the subset final_summary.md uses)


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            escaped = html.escape(part)
            escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
            escaped = re.sub(r"(?<![\w*])_(.+?)_(?![\w*])", r"<em>\1</em>", escaped)
            out.append(escaped)
    return "".join(out)


def markdown_to_html(markdown: str, heading_offset: int = 0, ids: bool = True) -> str:
    """Headings, paragraphs, (nested) bullet lists, block quotes, rules, bold, italics and code."""
    lines = markdown.splitlines()
    out: list[str] = []
    paragraph: list[str] = []
    list_depth = 0

    def close_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_lists(depth: int = 0) -> None:
        nonlocal list_depth
        while list_depth > depth:
            out.append("</li></ul>")
            list_depth -= 1

    for raw in lines:
        line = raw.rstrip()
        bullet = re.match(r"^( *)- (.*)$", line)
        if not line.strip():
            close_paragraph()
            close_lists()
            continue
        if bullet:
            close_paragraph()
            depth = len(bullet.group(1)) // 2 + 1
            if depth > list_depth:
                while list_depth < depth:
                    out.append("<ul><li>")
                    list_depth += 1
            else:
                close_lists(depth)
                out.append("</li><li>")
            out.append(_inline(bullet.group(2)))
            continue
        close_lists()
        heading = re.match(r"^(#{1,6}) (.*)$", line)
        if heading:
            close_paragraph()
            level = min(6, len(heading.group(1)) + heading_offset)
            anchor = f' id="{slug(heading.group(2))}"' if ids else ""
            out.append(f"<h{level}{anchor}>{_inline(heading.group(2))}</h{level}>")
        elif line.strip() == "---":
            close_paragraph()
            out.append("<hr>")
        elif line.startswith("> "):
            close_paragraph()
            out.append(f"<blockquote>{_inline(line[2:])}</blockquote>")
        else:
            paragraph.append(line.strip())
    close_paragraph()
    close_lists()
    return "\n".join(out)


def slug(text: str) -> str:
    return "s-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------------------------------------
# Tables


def format_cell(value) -> tuple[str, bool]:
    """Display text of a cell and whether it is numeric (right-aligned)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "", False
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", True
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return str(v), True
        if v == 0:
            return "0", True
        if abs(v) >= 1000:
            return f"{v:,.0f}", True
        return f"{v:.3g}" if abs(v) >= 1e-4 else f"{v:.2e}", True
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value), False
    return str(value), False


def table_html(frame: pd.DataFrame, table_id: str, caption: str, source: str, columns: Sequence[str] | None = None,
               max_rows: int = 60) -> str:
    if columns is not None:
        columns = [c for c in columns if c in frame.columns]
        frame = frame[columns]
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = []
    for _, row in shown.iterrows():
        cells = []
        for value in row:
            text, numeric = format_cell(value)
            cells.append(f'<td class="num">{html.escape(text)}</td>' if numeric else f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="meta">First {max_rows} of {len(frame):,} rows; the CSV holds them all.</p>'
            if len(frame) > max_rows else "")
    return (f'<div class="table-wrap"><table id="tbl-{html.escape(table_id)}"><caption>{html.escape(caption)} '
            f'<span class="src">({html.escape(source)}; tables/{html.escape(table_id)}.csv)</span></caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{more}")


# Key tables: (name, caption, columns, optional row filter)
KEY_TABLES = {
    "long_term": [
        ("long_term_estimator_comparison", "Long-term estimator comparison (primary outcome)",
         ["estimator", "estimate", "std_error", "ci_lower", "ci_upper", "relative_lift", "interval_crosses_zero",
          "true_value", "covers_truth", "n", "users", "source"]),
        ("long_term_weight_readiness", "Weight readiness checks",
         ["check", "value", "threshold", "comparison", "status"]),
        ("long_term_msm_weight_sensitivity", "MSM weight sensitivity",
         ["weight_column", "description", "estimate", "ci_lower", "ci_upper", "ess_share", "interval_crosses_zero"]),
        ("long_term_secondary_outcomes", "Secondary outcomes",
         ["outcome", "estimator", "estimate", "ci_lower", "ci_upper", "interval_crosses_zero", "true_value",
          "covers_truth"]),
        ("long_term_segment_effects", "AIPW segment effects",
         ["segment_type", "segment", "rows", "users", "treatment_rate", "aipw_ate", "ci_lower", "ci_upper",
          "passes_size_filter", "interval_crosses_zero"]),
        ("long_term_effect_moderator_importance", "Effect-moderator importance",
         ["rank", "feature", "importance_share", "cumulative_share"]),
        ("long_term_sensitivity", "E-values (unmeasured confounding)",
         ["outcome", "estimator", "estimate", "evalue_estimate", "evalue_ci"]),
    ],
    "mediation": [
        ("mediation_effect_decomposition", "Effect decomposition (linear g-formula)",
         ["outcome", "estimand", "estimate", "ci_lower", "ci_upper", "relative_effect", "mediator_value",
          "true_value", "covers_truth"]),
        ("mediation_advanced_summary", "Advanced model summary",
         ["outcome", "model_family", "total_effect", "direct_effect", "indirect_effect", "total_ci_lower",
          "total_ci_upper", "indirect_to_total_ratio", "true_total_effect", "true_indirect_effect", "interval_type"]),
        ("mediation_group_summary", "Pathway ingredients by exposure (descriptive)",
         ["discovery_group", "user_days", "users", "discovery_score_mean", "mediator_mean", "future_interactions_mean",
          "future_active_days_mean", "future_play_hours_mean", "prior_interactions_mean"]),
        ("mediation_sem_paths", "SEM-style path model",
         ["path_quantity", "meaning", "estimate", "ci_lower", "ci_upper"]),
        ("mediation_crossfit_performance", "Nuisance model performance (overall, out of fold)",
         ["outcome", "model_family", "target", "rmse", "mae", "r2"]),
        ("mediation_robustness_summary", "Robustness summary",
         ["family", "specifications", "total_effect_min", "total_effect_max", "total_effect_share_positive",
          "indirect_effect_min", "indirect_effect_max", "total_effect_sign_stable", "indirect_effect_sign_stable"]),
        ("mediation_assumption_checks", "Assumption checks",
         ["assumption", "status", "finding", "value", "interpretation"]),
        ("mediation_overlap_summary", "Overlap summary", ["diagnostic", "value", "description"]),
        ("mediation_balance_summary", "Balance summary", ["diagnostic", "value", "covariate"]),
        ("mediation_mo_sensitivity_summary", "Sensitivity to mediator-outcome confounding",
         ["outcome", "naive_nie", "gformula_nie", "rho_at_nie_zero", "robustness"]),
    ],
    "data": [
        ("mart_panel_readiness_checks", "Panel readiness checks",
         ["check_name", "check_value", "requirement", "passes"]),
        ("mart_treatment_definitions", "Treatment definitions",
         ["treatment", "metric", "rule", "threshold", "treated_user_days", "share_of_active_user_days"]),
        ("mart_naive_associations", "Naive associations (descriptive, confounded by design)",
         ["treatment", "outcome", "control_mean", "treated_mean", "difference", "relative_lift", "control_days",
          "treated_days"]),
    ],
}


def _filtered(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    if name == "mediation_crossfit_performance" and "fold" in frame.columns:
        return frame[frame["fold"].astype(str) == "overall"]
    return frame


def missing_key_tables(tables: ReportTables) -> list[str]:
    """Notes for the key tables of the page that are not available."""
    notes = []
    for section in KEY_TABLES.values():
        for name, _, _ in section:
            try:
                tables.get(name)
            except MissingData as error:
                notes.append(f"key table: {error}")
    return notes


def key_tables_html(tables: ReportTables, section: str, notes: list[str]) -> str:
    parts = []
    for name, caption, columns in KEY_TABLES[section]:
        try:
            frame = tables.get(name)
        except MissingData as error:
            notes.append(f"key table: {error}")
            parts.append(f'<p class="note">Table not available: <code>{html.escape(str(error))}</code></p>')
            continue
        parts.append(table_html(_filtered(name, frame), name, caption, tables.qualified(name), columns))
    return "\n".join(parts)


def figure_html(result: FigureResult) -> str:
    anchor = "fig-" + Path(result.file).stem
    if result.path is None:
        return (f'<figure id="{anchor}"><p class="note">Figure not available ({html.escape(result.title)}): '
                f"<code>{html.escape(result.note or '')}</code></p></figure>")
    data = base64.b64encode(result.path.read_bytes()).decode("ascii")
    return (f'<figure id="{anchor}"><img src="data:image/png;base64,{data}" alt="{html.escape(result.title)}" '
            f'data-file="{html.escape(result.file)}">'
            f"<figcaption><strong>{html.escape(result.title)}.</strong> {html.escape(result.caption)} "
            f"<span class=\"src\">({html.escape(result.file)})</span></figcaption></figure>")


def render_html(*, summary_markdown: str, tables: ReportTables, figures: Sequence[FigureResult],
                limitations: pd.DataFrame, recommendations: pd.DataFrame, title: str, meta: str,
                notes: list[str]) -> str:
    windows = tables.windows
    long_term = ("Long-term study: high-watch exposure and "
                 f"{horizon_adjective(windows.horizon_days) if windows else 'follow-up'} engagement")
    sections = [
        ("summary", "Summary"),
        ("data", "Data overview"),
        ("long-term", long_term),
        ("mediation", "Mediation study: discovery, satisfaction depth and future value"),
        ("limitations", "Limitations and recommendations"),
        ("notes", "Availability notes"),
    ]
    toc = "".join(f'<li><a href="#{sid}">{html.escape(name)}</a></li>' for sid, name in sections)
    by_section = {key: [f for f in figures if f.section == key] for key in ("data", "long_term", "mediation")}
    banner = ('<div class="banner synthetic"><strong>Synthetic stand-in.</strong> These results come from a simulated '
              "KuaiRec release with planted effects; they test the pipeline, not the product. Planted values are "
              "marked on the effect figures.</div>" if tables.simulated else
              '<div class="banner real"><strong>Real KuaiRec logs.</strong> No planted truth exists for these '
              "data.</div>")
    # The summary's own title repeats the page title: drop it, keep the rest.
    lines = summary_markdown.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    summary = markdown_to_html("\n".join(lines), heading_offset=1)
    body = [
        f"<h1>{html.escape(title)}</h1>", f'<p class="meta">{html.escape(meta)}</p>', banner,
        f'<nav class="toc"><strong>Contents</strong><ol>{toc}</ol></nav>',
        '<section id="summary"><h2>Summary</h2><div class="summary">' + summary + "</div></section>",
        '<section id="data"><h2>Data overview</h2>' + key_tables_html(tables, "data", notes)
        + "".join(figure_html(f) for f in by_section["data"]) + "</section>",
        f'<section id="long-term"><h2>{html.escape(long_term)}</h2>'
        + "<h3>Key tables</h3>" + key_tables_html(tables, "long_term", notes) + "<h3>Figures</h3>"
        + "".join(figure_html(f) for f in by_section["long_term"]) + "</section>",
        '<section id="mediation"><h2>Mediation study: discovery, satisfaction depth and future value</h2>'
        + "<h3>Key tables</h3>" + key_tables_html(tables, "mediation", notes) + "<h3>Figures</h3>"
        + "".join(figure_html(f) for f in by_section["mediation"]) + "</section>",
        '<section id="limitations"><h2>Limitations and recommendations</h2>'
        + table_html(limitations, "limitations", "Limitations", "generated from this run's results")
        + table_html(recommendations, "recommendations", "Recommendations", "generated from this run's results")
        + "</section>",
    ]
    unique_notes = list(dict.fromkeys(notes))
    if unique_notes:
        items = "".join(f"<li><code>{html.escape(n)}</code></li>" for n in unique_notes)
        body.append(f'<section id="notes"><h2>Availability notes</h2><ul>{items}</ul></section>')
    else:
        body.append('<section id="notes"><h2>Availability notes</h2><p>Every table and figure was available.</p>'
                    "</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n"
            f"<body><main>\n{''.join(body)}\n</main><script>{SCRIPT}</script></body></html>\n")
