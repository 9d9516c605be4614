"""The written report: ``final_summary.md``, the limitations and the recommendations.

Three steps, each a function of the one before: the findings (every number, fetched once from
the loaded tables, :mod:`~kuairec_causal.report.findings`), the verdicts (what they mean,
:mod:`~kuairec_causal.report.verdicts`) and the sections (one renderer each,
:mod:`~kuairec_causal.report.sections`). A section whose table is missing becomes a one-line "Not
available" note (also collected in :attr:`Narrative.notes`); the rest of the report is still
written. Every number of the text is a recorded fact (``Narrative.facts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from kuairec_causal.report import sections
from kuairec_causal.report.findings import Missing, gather
from kuairec_causal.report.tables import ReportTables
from kuairec_causal.report.verdicts import decide

TITLE = "# Final summary: long-term effects and discovery-quality mediation in KuaiRec"


@dataclass
class Narrative:
    markdown: str
    facts: pd.DataFrame
    limitations: pd.DataFrame
    recommendations: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def build_narrative(tables: ReportTables, extra_notes: Sequence[str] = ()) -> Narrative:
    """The summary, limitations and recommendations of one set of tables (``extra_notes``: other
    parts of the report that are not available, listed at the end of the summary)."""
    findings = gather(tables)
    verdicts = decide(findings)
    words = sections.Words.of(findings.windows)
    writer = sections.Writer()
    if isinstance(findings.windows, Missing):
        writer.notes.append(str(findings.windows.error))
    body = sections.data_line(findings, writer) + [""] + sections.question(words) + sections.why(words)
    body += sections.methods(findings, words, writer)
    body += sections.long_term_results(findings, verdicts, words, writer)
    body += sections.mediation_results(findings, verdicts, words, writer)
    body += ["## Sensitivity and heterogeneity", ""]
    body += sections.long_term_sensitivity(findings, verdicts, words, writer)
    body += sections.mediation_sensitivity(findings, verdicts, words, writer)
    body += sections.takeaway(findings, verdicts, words)
    limitations = sections.limitations(findings, verdicts, words)
    recommendations = sections.recommendations(findings, verdicts, words)
    body += ["## Limitations", ""]
    body += [f"- **{r['limitation']}.** {r['why_it_matters']} In this run: {r['evidence_in_this_run']}"
             for r in limitations] + [""]
    body += ["## Recommendations", ""]
    body += [f"- **{r['decision_area']}.** {r['recommendation']} ({r['evidence']})" for r in recommendations] + [""]
    unavailable = list(dict.fromkeys([*writer.notes, *extra_notes]))
    if unavailable:
        body += ["## Not available in this run", ""]
        body += [f"- `{note}`" for note in unavailable] + [""]
    body += ["---", "",
             "Every number above is listed with its source table, row key and column in "
             "`tables/summary_facts.csv`; the figures and tables of `report.html` show the full results.", ""]
    markdown = "\n".join(_tidy([TITLE, "", *body]))
    return Narrative(markdown=markdown, facts=findings.book.frame(), limitations=pd.DataFrame(limitations),
                     recommendations=pd.DataFrame(recommendations), notes=writer.notes)


def _tidy(lines: Iterable[str]) -> list[str]:
    """Collapse runs of blank lines."""
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return out
