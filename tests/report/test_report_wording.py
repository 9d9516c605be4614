"""Result-dependent wording: the same builder on different (hand-made) tables says different,
still true, things, and every number it writes is still a recorded fact."""

from __future__ import annotations

import pandas as pd
import pytest
from summary_checks import uncovered_numbers

from kuairec_causal import registry
from kuairec_causal.report.facts import format_value
from kuairec_causal.report.headline import headline_from_tables
from kuairec_causal.report.narrative import build_narrative
from kuairec_causal.report.tables import ReportTables

WINDOWS = {"history_window_days": 3, "short_horizon_days": 3, "max_lead_days": 7, "min_history_days": 3}
PRIMARY = "future_7day_interactions"


def windows(**changes: int) -> pd.DataFrame:
    values = {**WINDOWS, **changes}
    return pd.DataFrame([{**values, "prior_window_prefix": f"prior_{values['history_window_days']}day_",
                          "short_horizon_prefix": f"future_{values['short_horizon_days']}day_",
                          "horizon_prefix": f"future_{values['max_lead_days']}day_"}])


def comparison(aipw: tuple[float, float, float], others: tuple[float, float, float] = (1.0, -2.0, 4.0),
               naive: tuple[float, float, float] = (40.0, 30.0, 50.0), outcome: str = PRIMARY) -> pd.DataFrame:
    rows = []
    for e in registry.estimators().values():
        est, lo, hi = aipw if e.id == "aipw" else naive if e.id == "naive" else others
        rows.append({"outcome": outcome, "estimator_order": e.order, "estimator": e.label,
                     "estimate": est, "ci_lower": lo, "ci_upper": hi, "relative_lift": est / 100.0,
                     "unadjusted": not e.adjusted})
    return pd.DataFrame(rows)


def decomposition(te: tuple[float, float, float], nie: tuple[float, float, float]) -> pd.DataFrame:
    nde = (te[0] - nie[0], te[1] - nie[2], te[2] - nie[1])
    rows = [("TE", *te), ("NDE", *nde), ("NIE", *nie), ("proportion_mediated", nie[0] / te[0], -1.0, 1.0),
            ("mediator_shift", 0.02, 0.01, 0.03)]
    return pd.DataFrame([{"outcome": "Y_future_interactions", "estimand": e, "estimate": v, "ci_lower": lo,
                          "ci_upper": hi, "mediator_value": None} for e, v, lo, hi in rows])


def advanced(te: tuple[float, float, float], nie: tuple[float, float, float]) -> pd.DataFrame:
    """The study's own verdict on the size of the indirect effect (a tenth of the total)."""
    return pd.DataFrame([{"outcome": "Y_future_interactions", "model_family": "linear_gformula_reference",
                          "total_effect": te[0], "indirect_effect": nie[0],
                          "indirect_effect_small": abs(nie[0]) < 0.1 * abs(te[0])}])


def truth() -> pd.DataFrame:
    return pd.DataFrame([
        {"interaction_matrix": "small_matrix", "study": "long_term", "estimand": "ATE", "outcome": "interactions",
         "value": 5.0, "population_rows": 100},
        {"interaction_matrix": "small_matrix", "study": "mediation", "estimand": "TE", "outcome": "interactions",
         "value": 3.0, "population_rows": 100},
    ])


def tables(aipw, te=(3.0, 1.0, 5.0), nie=(0.1, 0.02, 0.2), simulated=False) -> ReportTables:
    frames = {"long_term_estimator_comparison": comparison(aipw),
              "mediation_effect_decomposition": decomposition(te, nie),
              "mediation_advanced_summary": advanced(te, nie), "mart_panel_windows": windows(),
              "long_term_run_info": pd.DataFrame({"key": ["interaction_matrix"], "value": ["small_matrix"]})}
    if simulated:
        frames["mart_planted_truth"] = truth()
    return ReportTables(frames=frames)


def check_numbers(narrative) -> None:
    assert uncovered_numbers(narrative.markdown, narrative.facts["rendered"].tolist()) == []


def test_interval_crossing_zero_means_no_clear_effect():
    narrative = build_narrative(tables(aipw=(1.09, -7.34, 12.0)))
    text = narrative.markdown
    assert "do not show a clear average effect" in text
    assert "lies entirely above zero" not in text
    recommendations = " ".join(narrative.recommendations["recommendation"])
    assert "Do not claim a clear positive average effect" in recommendations
    assert "-7.34" in text and "12.0" in text
    check_numbers(narrative)


def test_interval_above_zero_states_the_direction_with_caveats():
    narrative = build_narrative(tables(aipw=(6.5, 2.1, 10.9)))
    text = narrative.markdown
    assert "lies entirely above zero" in text and "followed by more plays" in text
    assert "do not show a clear average effect" not in text
    recommendations = " ".join(narrative.recommendations["recommendation"])
    assert "Do not claim a clear positive average effect" not in recommendations
    assert "Report a positive average effect" in recommendations and "observational" in recommendations
    assert "candidate lever" in text
    check_numbers(narrative)


def test_interval_below_zero_states_a_decrease():
    narrative = build_narrative(tables(aipw=(-6.5, -10.9, -2.1)))
    text = narrative.markdown
    assert "lies entirely below zero" in text and "followed by fewer plays" in text
    assert "fewer next-week plays" in " ".join(narrative.recommendations["recommendation"])
    check_numbers(narrative)


def test_estimator_agreement_follows_the_intervals():
    crossing = build_narrative(tables(aipw=(1.0, -3.0, 5.0))).markdown
    assert "The adjusted estimators disagree" not in crossing
    assert "Every adjusted estimator's interval includes zero" in crossing
    mixed = build_narrative(ReportTables(frames={"long_term_estimator_comparison": comparison(
        aipw=(6.0, 2.0, 10.0), others=(1.0, -2.0, 4.0)), "mart_panel_windows": windows()})).markdown
    assert "The adjusted estimators disagree" in mixed


def test_indirect_effect_wording_follows_its_size_and_sign():
    small = build_narrative(tables(aipw=(1.0, -3.0, 5.0), te=(3.0, 1.0, 5.0), nie=(0.1, 0.02, 0.2))).markdown
    assert "small relative to the total" in small and "Part of the effect runs through satisfaction" in small
    large = build_narrative(tables(aipw=(1.0, -3.0, 5.0), te=(3.0, 1.0, 5.0), nie=(1.5, 0.5, 2.5))).markdown
    assert "not small relative to the total" in large
    against = build_narrative(tables(aipw=(1.0, -3.0, 5.0), te=(3.0, 1.0, 5.0), nie=(-1.2, -2.0, -0.4)))
    assert "works against the total effect" in against.markdown
    assert "guardrail" in " ".join(against.recommendations["recommendation"])
    unclear = build_narrative(tables(aipw=(1.0, -3.0, 5.0), te=(0.5, -1.0, 2.0), nie=(0.1, -0.2, 0.4))).markdown
    assert "total-effect interval includes zero" in unclear and "not distinguishable from zero" in unclear
    assert "not a stable share mediated" in unclear
    pathway = build_narrative(tables(aipw=(1.0, -3.0, 5.0), te=(0.5, -1.0, 2.0), nie=(-0.8, -1.2, -0.3)))
    assert "clearly negative even though the total is not" in pathway.markdown
    assert "guardrail" in pathway.markdown and "Part of the effect" not in pathway.markdown
    check_numbers(pathway)


def test_simulated_and_real_data_are_named_and_truth_is_compared():
    real = build_narrative(tables(aipw=(1.0, -3.0, 5.0)))
    assert "real KuaiRec logs" in real.markdown and "Against the planted truth" not in real.markdown
    assert "synthetic stand-in" not in real.markdown
    simulated = build_narrative(tables(aipw=(1.0, -3.0, 5.0), simulated=True))
    assert "synthetic stand-in" in simulated.markdown
    assert "planted an average effect of 5.00 plays" in simulated.markdown
    assert "Synthetic data" in set(simulated.limitations["limitation"])
    check_numbers(simulated)
    line = headline_from_tables(tables(aipw=(1.0, -3.0, 5.0), simulated=True))
    assert "crosses zero" in line and "planted 5.00" in line and "TE 3.00 [1.00, 5.00]" in line
    assert "excludes zero: a clear positive effect" in headline_from_tables(tables(aipw=(6.0, 2.0, 9.0)))


def test_missing_tables_become_notes_not_errors():
    narrative = build_narrative(ReportTables())
    assert "Not available: `effects.long_term_estimator_comparison missing`" in narrative.markdown
    assert "Not available: `effects.mediation_effect_decomposition missing`" in narrative.markdown
    assert "## Not available in this run" in narrative.markdown
    check_numbers(narrative)
    assert "not available" in headline_from_tables(ReportTables())


@pytest.mark.parametrize("value, fmt, text", [
    (11.56024, "num", "11.6"), (-0.037239, "num", "-0.0372"), (2.596515, "num", "2.60"), (1840.0, "int", "1,840"),
    (0.57011, "pct", "57.0%"), (-0.0003590, "pct", "-0.0359%"), (178.59, "num", "179"), (12345.6, "num", "12,346"),
    (0.0, "num", "0"), (-0.0000000001, "num", "0"), ("Q2 [30, 41]", "text", "Q2 [30, 41]"),
])
def test_number_format(value, fmt, text):
    assert format_value(value, fmt) == text


def test_estimates_without_intervals_are_reported_as_such():
    frame = comparison(aipw=(2.0, float("nan"), float("nan")))
    narrative = build_narrative(ReportTables(frames={"long_term_estimator_comparison": frame,
                                                     "mart_panel_windows": windows()}))
    assert "AIPW, doubly robust (primary):** 2.00 plays (interval not computed)" in narrative.markdown
    assert "no interval was computed" in narrative.markdown
    assert "lies entirely above zero" not in narrative.markdown
    check_numbers(narrative)


# ---------------------------------------------------------------------------------------------
# Numbers, then verdicts, then words


def test_findings_and_verdicts_state_nothing():
    """Fetching the numbers and deciding what they mean records no fact: only the words do."""
    from kuairec_causal.report.findings import gather
    from kuairec_causal.report.verdicts import Agreement, decide

    findings = gather(ReportTables(frames={"long_term_estimator_comparison": comparison(
        aipw=(6.0, 2.0, 10.0), others=(1.0, -2.0, 4.0)), "mart_panel_windows": windows()}))
    verdicts = decide(findings)
    assert verdicts.long_term.main.agreement is Agreement.MIXED
    assert verdicts.long_term.main.excluding == ["aipw"] and verdicts.long_term.main.aipw_clear
    assert findings.book.facts == {}


def sensitivity(crossing: list[bool]) -> pd.DataFrame:
    rows = [{"weight_column": "unweighted", "estimate": 30.0, "interval_crosses_zero": False}]
    rows += [{"weight_column": f"w{k}", "estimate": 1.0 + k, "interval_crosses_zero": crosses}
             for k, crosses in enumerate(crossing)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("crossing, stated", [([False, False, False], False), ([True, False, False], True)])
def test_a_number_is_a_fact_exactly_when_the_text_states_it(crossing, stated):
    """The count of weight specifications whose interval includes zero is stated only when some
    but not all do; the facts list it exactly then (a fact looked up but not stated is no fact)."""
    frames = tables(aipw=(6.0, 2.0, 10.0)).frames
    frames["long_term_msm_weight_sensitivity"] = sensitivity(crossing)
    narrative = build_narrative(ReportTables(frames=frames))
    facts = narrative.facts.set_index("fact_id")
    assert ("lt_msm_sensitivity_crossing" in facts.index) == stated
    assert ("of the intervals include zero, so the MSM verdict depends on the weight choice" in narrative.markdown
            ) == stated
    assert "no interval includes zero" in narrative.markdown or stated
    check_numbers(narrative)


def test_window_words_follow_the_build():
    """A build with a five-day history, a four-day horizon and two days of minimum history says so,
    with the window lengths as facts of mart_panel_windows."""
    frames = {"long_term_estimator_comparison": comparison(aipw=(6.0, 2.0, 10.0), outcome="future_4day_interactions"),
              "mediation_effect_decomposition": decomposition((3.0, 1.0, 5.0), (0.1, 0.02, 0.2)),
              "mart_panel_windows": windows(history_window_days=5, max_lead_days=4, min_history_days=2),
              "long_term_run_info": pd.DataFrame({"key": ["n_boot", "n_folds", "aipw_cross_fitting_splits",
                                                          "analysis_weight"], "value": ["20", "3", "3", "stabilized"]})}
    narrative = build_narrative(ReportTables(frames=frames))
    text = narrative.markdown
    assert "at least two days of history and a complete next-four-day follow-up" in text
    assert "plays over the following four days?" in text and "previous five days' activity" in text
    assert "followed by more plays over the next four days" in text
    assert "next-week" not in text and "seven" not in text and "three" not in text
    facts = narrative.facts.set_index("fact_id")
    assert facts.loc["window_horizon_days", "source_table"] == "marts.mart_panel_windows"
    assert facts.loc["window_horizon_adjective", "rendered"] == "next-four-day"
    assert facts.loc["lt_aipw_estimate", "row_key"].count("future_4day_interactions") == 1
    check_numbers(narrative)


def test_without_the_windows_the_text_names_no_window():
    frames = tables(aipw=(6.0, 2.0, 10.0)).frames
    del frames["mart_panel_windows"]
    narrative = build_narrative(ReportTables(frames=frames))
    assert "marts.mart_panel_windows missing" in narrative.markdown
    assert "seven" not in narrative.markdown and "next-week" not in narrative.markdown
    assert "follow-up plays" in narrative.markdown
    check_numbers(narrative)


def test_small_indirect_effect_is_the_study_verdict():
    small = build_narrative(tables(aipw=(1.0, -3.0, 5.0), te=(3.0, 1.0, 5.0), nie=(0.1, 0.02, 0.2)))
    assert "small relative to the total (by the study's own cut-off)" in small.markdown
    frames = tables(aipw=(1.0, -3.0, 5.0), te=(3.0, 1.0, 5.0), nie=(0.1, 0.02, 0.2)).frames
    frames["mediation_advanced_summary"] = frames["mediation_advanced_summary"].assign(indirect_effect_small=False)
    assert "not small relative to the total" in build_narrative(ReportTables(frames=frames)).markdown
    del frames["mediation_advanced_summary"]
    unknown = build_narrative(ReportTables(frames=frames)).markdown
    assert "small relative to the total" not in unknown and "Part of the effect runs through" in unknown
