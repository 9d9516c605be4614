"""The few lines ``kuairec-causal run`` prints at the end: where the key results stand."""

from __future__ import annotations

from kuairec_causal.errors import KuaiRecError
from kuairec_causal.report.facts import FactBook
from kuairec_causal.report.narrative import (AIPW, LT_COMPARISON, LT_PRIMARY, LT_TRUTH_NAMES, MED_DECOMPOSITION,
                                             MED_PRIMARY, MED_TRUTH_NAMES, Estimate)
from kuairec_causal.report.tables import MissingData, ReportTables, load_tables


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
    fb = FactBook(tables)
    data = "synthetic stand-in (simulated release with planted effects)" if tables.simulated else "real KuaiRec logs"
    matrix = f", {tables.interaction_matrix}" if tables.interaction_matrix else ""
    lines = [f"Data: {data}{matrix}"]
    lines.append(_long_term(tables, fb))
    lines.append(_mediation(tables, fb))
    return "\n".join(lines)


def _estimate(fb: FactBook, table: str, key: dict, truth: tuple[str, str, str] | None) -> Estimate:
    planted = fb.truth("truth", *truth) if truth else None
    estimate = fb.value("e", table, key, "estimate")
    if fb.has(table, key, "ci_lower") and fb.has(table, key, "ci_upper"):
        return Estimate(str(key), estimate, fb.value("l", table, key, "ci_lower"), fb.value("u", table, key, "ci_upper"),
                        planted)
    return Estimate(str(key), estimate, None, None, planted)


def _with_truth(e: Estimate) -> str:
    return "" if e.truth is None else f"; planted {e.truth} ({e.truth_note()})"


def _long_term(tables: ReportTables, fb: FactBook) -> str:
    outcome = tables.run_info("long_term", "primary_outcome") or LT_PRIMARY
    try:
        e = _estimate(FactBook(tables), LT_COMPARISON, {"outcome": outcome, "estimator": AIPW},
                      ("long_term", "ATE", LT_TRUTH_NAMES.get(outcome, "interactions")))
    except MissingData as error:
        return f"Long-term (AIPW): {error}"
    if not e.has_interval:
        verdict = "not computed (no bootstrap): zero cannot be excluded"
    elif e.crosses_zero:
        verdict = "crosses zero: no clear average effect"
    else:
        verdict = f"excludes zero: a clear {'positive' if e.estimate.number > 0 else 'negative'} effect"
    return (f"Long-term, AIPW effect of a high-watch-exposure day on {outcome}: {e.estimate} "
            f"{e.interval_text()}, interval {verdict}{_with_truth(e)}")


def _mediation(tables: ReportTables, fb: FactBook) -> str:
    outcome = tables.run_info("mediation", "primary_outcome") or MED_PRIMARY
    parts = []
    for estimand in ("TE", "NDE", "NIE"):
        try:
            e = _estimate(FactBook(tables), MED_DECOMPOSITION, {"outcome": outcome, "estimand": estimand},
                          ("mediation", estimand, MED_TRUTH_NAMES.get(outcome, "interactions")))
        except MissingData as error:
            return f"Mediation: {error}"
        flag = "no interval" if not e.has_interval else "crosses 0" if e.crosses_zero else "excludes 0"
        planted = f", planted {e.truth}" if e.truth is not None else ""
        parts.append(f"{estimand} {e.estimate} {e.interval_text()} ({flag}{planted})")
    return f"Mediation of high discovery on {outcome} via satisfaction depth: " + "; ".join(parts)
