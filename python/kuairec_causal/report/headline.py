"""The few lines ``kuairec-causal run`` prints at the end: where the key results stand."""

from __future__ import annotations

from kuairec_causal.errors import KuaiRecError
from kuairec_causal.report import names as n
from kuairec_causal.report import verdicts as vd
from kuairec_causal.report.findings import Estimate, Findings, LongTermMain, MediationMain, Missing, gather
from kuairec_causal.report.sections import interval_text
from kuairec_causal.report.tables import ReportTables, load_tables


def headline(paths) -> str:
    """Key results of the warehouse at ``paths.duckdb_path``: the AIPW long-term estimate with its
    interval and whether it crosses zero, the mediation TE / NDE / NIE, and the planted values when
    the data are simulated. Never raises for missing tables (says what is missing instead)."""
    try:
        tables = load_tables(paths.duckdb_path)
    except KuaiRecError as error:
        return f"results: not available ({error})"
    return headline_from_tables(tables)


def headline_from_tables(tables: ReportTables) -> str:
    findings = gather(tables)
    data = "synthetic stand-in (simulated release with planted effects)" if tables.simulated else "real KuaiRec logs"
    matrix = f", {tables.interaction_matrix}" if tables.interaction_matrix else ""
    return "\n".join([f"Data: {data}{matrix}", _long_term(findings), _mediation(findings)])


def _truth_note(e: Estimate) -> str:
    covered = vd.covers_truth(e)
    return "no interval" if covered is None else "inside the interval" if covered else "outside the interval"


def _long_term(f: Findings) -> str:
    main = f.long_term.main
    if isinstance(main, Missing):
        return f"Long-term (AIPW): {main.error}"
    assert isinstance(main, LongTermMain)
    e = main.aipw
    if not e.has_interval:
        verdict = "not computed (no bootstrap): zero cannot be excluded"
    elif vd.crosses_zero(e):
        verdict = "crosses zero: no clear average effect"
    else:
        verdict = f"excludes zero: a clear {'positive' if vd.positive(e) else 'negative'} effect"
    truth = "" if e.truth is None else f"; planted {e.truth} ({_truth_note(e)})"
    return (f"Long-term, AIPW effect of a high-watch-exposure day on {f.long_term.primary_outcome}: {e.estimate} "
            f"{interval_text(e)}, interval {verdict}{truth}")


def _mediation(f: Findings) -> str:
    main = f.mediation.main
    if isinstance(main, Missing):
        return f"Mediation: {main.error}"
    assert isinstance(main, MediationMain)
    parts = []
    for estimand in ("TE", "NDE", "NIE"):
        e = main.estimates.get(estimand)
        if e is None:
            return (f"Mediation: not available: {n.MED_DECOMPOSITION} has no {estimand} row for "
                    f"{f.mediation.primary_outcome}")
        flag = "no interval" if not e.has_interval else "crosses 0" if vd.crosses_zero(e) else "excludes 0"
        planted = f", planted {e.truth}" if e.truth is not None else ""
        parts.append(f"{estimand} {e.estimate} {interval_text(e)} ({flag}{planted})")
    return f"Mediation of high discovery on {f.mediation.primary_outcome} via satisfaction depth: " + "; ".join(parts)
