"""Then words: one renderer per section of the written report.

Each renderer turns findings (:mod:`~kuairec_causal.report.findings`) and verdicts
(:mod:`~kuairec_causal.report.verdicts`) into Markdown lines. Numbers enter the text only as
:class:`~kuairec_causal.report.facts.Rendered` facts formatted into f-strings (which records them),
and digits appear nowhere else: design constants are spelled out in words, window lengths are
facts of ``mart_panel_windows``, and column names are written as inline code. A part of the
findings that is :class:`~kuairec_causal.report.findings.Missing` becomes a one-line "Not
available" note, also collected in :attr:`Writer.notes`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from kuairec_causal import registry
from kuairec_causal.report import names as n
from kuairec_causal.report import verdicts as vd
from kuairec_causal.report.facts import Rendered
from kuairec_causal.report.findings import (
    CrossFitFamily,
    Estimate,
    Findings,
    LongTermMain,
    LongTermSettings,
    MediationMain,
    Missing,
    Readiness,
    Segments,
    Windows,
)
from kuairec_causal.report.tables import MissingData
from kuairec_causal.report.verdicts import Agreement, Crossing, NaivePosition, Pathway, Verdicts

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# Small helpers


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    items = [f"{item}" for item in items]  # formatting records the facts among the items
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def interval(low: str, high: str) -> str:
    return f"[{low}, {high}]"


def note_line(error: MissingData) -> str:
    return f"> Not available: `{str(error).removeprefix('not available: ')}`"


def short_name(estimator_id: str) -> str:
    return registry.estimator(estimator_id).short_name


def interval_text(e: Estimate) -> str:
    return interval(e.low, e.high) if e.has_interval else "not computed"  # type: ignore[arg-type]


def estimate_text(e: Estimate, unit: str = "") -> str:
    unit = f" {unit}" if unit else ""
    return f"{e.estimate}{unit} (interval {interval_text(e)})"


def verdict_text(e: Estimate) -> str:
    if not e.has_interval:
        return "no interval was computed, so zero cannot be excluded"
    if vd.crosses_zero(e):
        return "the interval includes zero"
    return f"the interval lies {'above' if vd.interval_above_zero(e) else 'below'} zero"


def truth_note(e: Estimate) -> str:
    """'inside' / 'outside' the interval, or 'no interval'."""
    covered = vd.covers_truth(e)
    return "no interval" if covered is None else "inside the interval" if covered else "outside the interval"


@dataclass(frozen=True)
class Words:
    """The build's windows in words: facts of mart_panel_windows, or neutral words without it."""

    history: str  # "three": the history window in days
    min_history: str
    horizon: str  # "seven": the follow-up window in days
    adjective: str  # "next-week"
    windows: Windows | None

    @classmethod
    def of(cls, windows: Windows | Missing) -> Words:
        if isinstance(windows, Missing):
            return cls("several", "several", "several", "follow-up", None)
        return cls(windows.history, windows.min_history, windows.horizon, windows.horizon_adjective, windows)

    @property
    def span(self) -> str:
        return f"the next {self.horizon} days"

    def lt_outcomes(self) -> dict[str, str]:
        return n.lt_outcome_words(self.windows.panel if self.windows else None, self.span, self.adjective)

    def lt_outcome(self, outcome: str, default: str | None = None) -> str:
        return self.lt_outcomes().get(outcome, outcome if default is None else default)

    def med_outcome(self, outcome: str) -> str:
        return n.med_outcome_words(self.adjective).get(outcome, f"`{outcome}`")

    def segment(self, segment_type: str) -> str:
        return n.segment_words(self.history).get(segment_type, segment_type)


@dataclass
class Writer:
    """Renders parts of the findings, turning a :class:`Missing` part into a note line."""

    notes: list[str] = field(default_factory=list)

    def part(self, value: T | Missing, render: Callable[[T], list[str]]) -> list[str]:
        if isinstance(value, Missing):
            return self.missing(value.error)
        try:
            return render(value)
        except MissingData as error:
            return self.missing(error)

    def missing(self, error: MissingData) -> list[str]:
        self.notes.append(str(error))
        return [note_line(error)]


# ---------------------------------------------------------------------------------------------
# Front matter


def data_line(f: Findings, writer: Writer) -> list[str]:
    matrix = f.interaction_matrix
    where = f" (interaction matrix `{matrix}`)" if matrix else ""
    if f.simulated:
        lines = [f"**Data: the synthetic stand-in.** This run analyses a simulated KuaiRec release{where}, not the "
                 "real logs. Its causal effects were planted by the simulator, so every estimate below is also "
                 "compared with the planted truth; none of the numbers describe real KuaiRec users."]
    else:
        lines = [f"**Data: the real KuaiRec logs**{where}. No planted truth exists for real data; the estimates rest "
                 "on the identification assumptions listed under Limitations."]
    sentences = writer.part(f.long_term_size, lambda s: [
        f"The long-term panel holds {s.rows} active user-days from {s.users} users."])
    sentences += writer.part(f.mediation_size, lambda s: [
        f"The mediation panel holds {s.rows} user-days from {s.users} users, dated {s.first_date} to {s.last_date}."])
    return lines + ["", " ".join(s for s in sentences if not s.startswith(">"))] + [
        s for s in sentences if s.startswith(">")]


def question(w: Words) -> list[str]:
    return [
        "## Question", "",
        f"- **Long-term effects.** Among active user-days with at least {w.min_history} days of history and a "
        f"complete {w.adjective} follow-up, does a high-watch-exposure day (a day whose high-watch share reaches the "
        f"treatment threshold) change how many videos the user plays over the following {w.horizon} days?",
        "- **Discovery-quality mediation.** Does a high-discovery day (many long-tail or new-category plays) change "
        f"{w.adjective} engagement, and how much of that change runs through the same day's satisfaction depth?", "",
    ]


def why(w: Words) -> list[str]:
    return [
        "## Why it matters", "",
        "Short-term signals such as watch ratio or completion are easy to optimise and easy to over-read: a "
        "recommender can push them up without improving whether people come back. The long-term study asks whether "
        f"a day of highly watched videos changes {w.adjective} engagement once the user's history is accounted for, "
        "since engaged users both receive such days and return anyway. The mediation study asks whether discovery "
        "pays off, and whether it does so by making the day more satisfying or through other routes, which decides "
        "whether satisfaction is the right metric to guard discovery with.",
        "",
    ]


def methods(f: Findings, w: Words, writer: Writer) -> list[str]:
    def long_term(s: LongTermSettings) -> list[str]:
        return _long_term_methods(s, w)

    def mediation(n_boot: Rendered) -> list[str]:
        without = "; without replicates no decomposition has an interval" if n_boot.number == 0 else ""
        return [
            "- **Mediation study** (exposure A: high-discovery day; mediator M: same-day satisfaction depth; outcome "
            f"Y: {w.adjective} plays, with {w.adjective} active days and play hours as alternates): linear g-formula "
            "decomposition into total (TE), natural direct (NDE) and indirect (NIE) effects and controlled direct "
            "effects at low and high satisfaction (CDE), a weighted SEM-style path model, cross-fitted linear, "
            "LightGBM and XGBoost mediation, robustness specifications and a sensitivity analysis for unmeasured "
            f"mediator-outcome confounding ({n_boot} user-cluster bootstrap replicates{without}).",
        ]

    return (["## Methods", ""] + writer.part(f.long_term_settings, long_term)
            + writer.part(f.mediation_n_boot, mediation) + [""])


def _long_term_intervals(s: LongTermSettings) -> str:
    """Where the long-term intervals come from: the bootstrap, or (a run without replicates) each
    estimator's own source as its effect table records it."""
    if not s.interval_sources:
        return _BOOTSTRAP_INTERVALS.format(n_boot=s.n_boot)
    sources = "; ".join(f"{registry.estimator(e).short_name}: {source}" for e, source in s.interval_sources.items())
    return f"- No bootstrap replicates were drawn ({s.n_boot} replicates), so the intervals are: {sources}."


_BOOTSTRAP_INTERVALS = (
    "- Every interval comes from a user-cluster bootstrap ({n_boot} replicates, users resampled because each "
    "contributes many days): the central ninety-five percent of the replicates, except for AIPW, whose interval "
    "is the normal approximation around its estimate with the bootstrap standard deviation as standard error, the "
    "replicates taking the fold splits in turn so that the split-to-split spread is in the interval.")


def _long_term_methods(s: LongTermSettings, w: Words) -> list[str]:
    return [
        f"- **Long-term study** (exposure: high-watch-exposure day; outcome: plays over {w.span}; adjustment: "
        f"the previous day's and previous {w.history} days' activity and watch quality, the calendar and the user "
        "profile):",
        f"  - marginal structural model with inverse-probability weights ({s.analysis_weight});",
        "  - g-computation with a linear (ridge) and a LightGBM outcome model, one model per arm;",
        f"  - cross-fitted doubly robust AIPW ({s.n_folds} folds grouped by user, on {s.aipw_splits} independent "
        "fold splits averaged), the primary estimator, whose scores also give the segment effects and the "
        "effect-moderator model;",
        "  - the naive difference in means, for reference.",
        _long_term_intervals(s),
    ]


# ---------------------------------------------------------------------------------------------
# Long-term study


def long_term_results(f: Findings, v: Verdicts, w: Words, writer: Writer) -> list[str]:
    def render(main: LongTermMain) -> list[str]:
        verdict = v.long_term.main
        assert verdict is not None
        aipw = main.aipw
        rel = (f", a relative change of {main.relative_lift} against the estimated control mean"
               if main.relative_lift else "")
        lines = [f"- **{registry.estimator('aipw').label} (primary):** {estimate_text(aipw, 'plays')} per "
                 f"high-watch-exposure day{rel}; {verdict_text(aipw)}."]
        for e in verdict.adjusted:
            if e.label != "aipw":
                lines.append(f"- **{registry.estimator(e.label).label}:** {estimate_text(e)}; {verdict_text(e)}.")
        naive = main.estimates.get("naive")
        if naive is not None:
            lines.append(f"- **{registry.estimator('naive').label} (unadjusted):** {estimate_text(naive)}.")
        lines.append("")
        lines.append(_lt_verdict(verdict, w) + " " + _lt_agreement(verdict))
        if verdict.naive is not None:
            lines += ["", _NAIVE_WORDS[verdict.naive]]
        if f.simulated:
            lines += ["", _lt_truth_sentence(verdict.truth, "average effect", "plays")]
        return lines

    return ["## Main results: long-term study", ""] + writer.part(f.long_term.main, render) + [""]


def _lt_verdict(verdict: vd.LongTermMainVerdict, w: Words) -> str:
    if not verdict.aipw_clear:
        return ("The primary AIPW interval includes zero: these data do not show a clear average effect of a "
                f"high-watch-exposure day on plays over {w.span}.")
    more = verdict.aipw_positive
    return (f"The primary AIPW interval lies entirely {'above' if more else 'below'} zero: after adjustment, a "
            f"high-watch-exposure day is followed by {'more' if more else 'fewer'} plays over {w.span}.")


def _lt_agreement(verdict: vd.LongTermMainVerdict) -> str:
    if verdict.agreement is Agreement.ALL_INCLUDE_ZERO:
        text = "Every adjusted estimator's interval includes zero, so the conclusion does not hinge on the estimator."
    elif verdict.agreement in (Agreement.ALL_ABOVE, Agreement.ALL_BELOW):
        side = "above" if verdict.agreement is Agreement.ALL_ABOVE else "below"
        text = (f"Every adjusted estimator's interval lies {side} zero, so the direction does not hinge on the "
                "estimator.")
    elif verdict.agreement is Agreement.SIDES_DIFFER:
        text = ("Every adjusted interval excludes zero, but on different sides: the estimators disagree on the "
                "direction.")
    else:
        text = (f"The adjusted estimators disagree: the intervals of "
                f"{join_words([short_name(e) for e in verdict.excluding])} exclude zero, while those of "
                f"{join_words([short_name(e) for e in verdict.including])} include it.")
    return text + (" Their point estimates share one sign." if verdict.one_sign
                   else " Their point estimates differ in sign.")


_NAIVE_WORDS = {
    NaivePosition.LARGER_MOSTLY_HISTORY: "The unadjusted difference is larger than every adjusted estimate: users who "
    "get high-watch days were already more active, and most of the raw gap reflects that history.",
    NaivePosition.LARGER_PARTLY_HISTORY: "The unadjusted difference is larger than every adjusted estimate: users who "
    "get high-watch days were already more active, and part of the raw gap reflects that history.",
    NaivePosition.SMALLER: "The unadjusted difference is smaller than every adjusted estimate: adjustment for history "
    "raises the estimate.",
    NaivePosition.WITHIN: "The unadjusted difference lies within the range of the adjusted estimates.",
}


def _lt_truth_sentence(cov: vd.Coverage, what: str, unit: str) -> str:
    if not cov.with_truth:
        return "The planted truth does not cover this estimand, so the estimates cannot be checked against it."
    text = f"**Against the planted truth:** the simulator planted an {what} of {cov.with_truth[0].truth} {unit}. "
    covered, missed = [short_name(e) for e in cov.covered], [short_name(e) for e in cov.missed]
    if covered and missed:
        text += f"The intervals of {join_words(covered)} contain it; those of {join_words(missed)} do not."
    elif covered:
        text += "Every interval shown contains it."
    elif missed:
        text += "No interval shown contains it."
    else:
        text += "No interval was computed, so coverage cannot be checked."
    return text


def long_term_sensitivity(f: Findings, v: Verdicts, w: Words, writer: Writer) -> list[str]:
    lt = f.long_term
    lines = ["### Long-term study", ""]
    lines += writer.part(lt.readiness, lambda r: _readiness(r, v))
    lines += writer.part(lt.weight_sensitivity, lambda s: _weight_sensitivity(s, v))
    lines += writer.part(lt.secondary, lambda s: _secondary(s, f, v, w))
    lines += writer.part(lt.segments, lambda s: _segments(s, v, w))
    lines += writer.part(lt.moderators, lambda m: [
        "- **Effect moderators.** The model that smooths the AIPW scores leans most on "
        + join_words([f"`{x.feature}` ({x.share})" for x in m])
        + " of its importance; these histories are the natural strata for a follow-up experiment."])
    lines += writer.part(lt.evalue, lambda e: [
        f"- **Unmeasured confounding (E-value).** An unmeasured confounder would need a risk ratio of {e.estimate} "
        "with both exposure and outcome to explain away the AIPW estimate; "
        + ("the interval already includes no effect, so no unmeasured confounding is needed to reach it."
           if v.long_term.evalue_includes_null else
           f"a confounder with risk ratio {e.interval} with both exposure and outcome would move the interval to "
           "include no effect.")])
    return lines + [""]


def _readiness(r: Readiness, v: Verdicts) -> list[str]:
    verdict = v.long_term.readiness
    assert verdict is not None
    mean, worst, overlap, ess = r.mean_abs_smd, r.max_abs_smd, r.overlap, r.effective_sample_size
    if verdict.balance_improved:
        parts = [f"Weighting improved observed balance: the mean absolute SMD fell from {mean.threshold} to "
                 f"{mean.value} and the largest from {worst.threshold} to {worst.value}."]
    else:
        parts = [f"Weighting did not improve every balance summary: mean absolute SMD {mean.threshold} before and "
                 f"{mean.value} after, largest {worst.threshold} before and {worst.value} after."]
    checks = [  # (passes, sentence when it passes, sentence when not): both state the same facts
        (verdict.overlap_ok,
         f"Overlap passes its check: {overlap.value} of user-days have an extreme propensity (limit "
         f"{overlap.threshold}).",
         f"Overlap is imperfect: {overlap.value} of user-days have an extreme propensity, above the limit of "
         f"{overlap.threshold}."),
        (verdict.ess_ok,
         f"The analysis weight keeps an effective sample size of {ess.value} of the rows (target {ess.threshold}).",
         f"The analysis weight keeps an effective sample size of only {ess.value} of the rows (target "
         f"{ess.threshold}), so the weighted estimates are less precise than the row count suggests."),
    ]
    parts += [passing if passes else failing for passes, passing, failing in checks]
    return ["- **Weights and overlap.** " + " ".join(parts)]


def _weight_sensitivity(s, v: Verdicts) -> list[str]:
    verdict = v.long_term.weight_sensitivity
    assert verdict is not None
    text = (f"- **MSM weight sensitivity.** Across the {s.specifications} weighted specifications (logistic and "
            "LightGBM propensities, stabilized or not, clipped or not) the MSM estimate ranges from "
            f"{s.low} to {s.high}; ")
    if verdict.crossing is Crossing.ALL:
        text += "every interval includes zero."
    elif verdict.crossing is Crossing.NONE:
        text += "no interval includes zero."
    else:
        text += f"{s.crossing} of the intervals include zero, so the MSM verdict depends on the weight choice."
    text += (f" All point estimates are {verdict.sign}." if verdict.sign
             else " The point estimates change sign with the weight choice.")
    return [text]


def _secondary(estimates: dict[str, Estimate], f: Findings, v: Verdicts, w: Words) -> list[str]:
    verdict = v.long_term.secondary
    assert verdict is not None
    parts = []
    for outcome, e in estimates.items():
        planted = "" if e.truth is None else f" (planted {e.truth}, {truth_note(e)})"
        parts.append(f"{w.lt_outcome(outcome, f'`{outcome}`')}: {estimate_text(e)}, {verdict_text(e)}{planted}")

    def moved(outcome: str) -> str:
        return f"{w.lt_outcome(outcome)} ({'up' if verdict.up[outcome] else 'down'})"

    if not verdict.clear:
        main = v.long_term.main
        either = " either" if main is not None and not main.aipw_clear else ""
        tail = f"No secondary outcome shows a clear change{either}."
    elif not verdict.unclear:
        tail = "Every secondary outcome shows a clear change: " + join_words([moved(o) for o in verdict.clear]) + "."
    else:
        tail = (f"A clear change shows in {join_words([moved(o) for o in verdict.clear])}, but not in "
                f"{join_words([w.lt_outcome(o) for o in verdict.unclear])}: the outcome families do not move "
                "together.")
    return ["- **Secondary outcomes (AIPW).** " + "; ".join(parts) + ". " + tail]


def _segments(s: Segments, v: Verdicts, w: Words) -> list[str]:
    if s.top is None or s.bottom is None:
        return ["- **Segments (AIPW).** No segment passes the size filter, so no segment effect is reported."]
    verdict = v.long_term.segments
    assert verdict is not None

    def describe(e) -> str:
        return f"{w.segment(e.segment_type)} {e.label}: {e.estimate} (interval {interval(e.low, e.high)})"

    text = (f"- **Segments (AIPW).** Of the {s.reported} segments large enough to report, the largest estimate is for "
            f"{describe(s.top)} and the smallest for {describe(s.bottom)}. ")
    if verdict.clear == 0:
        return [text + "No reported segment's interval excludes zero, so segment differences are hypotheses for an "
                "experiment, not targeting rules."]
    counts = []
    for count, number, where in ((s.above_zero, verdict.n_above, "above"), (s.below_zero, verdict.n_below, "below")):
        counts.append(f"{count} {'has' if number == 1 else 'have'} an interval entirely {where} zero" if number
                      else f"none has an interval entirely {where} zero")
    text += f"Of these, {counts[0]} and {counts[1]}. "
    if not verdict.compared:
        return [text + "With this many segments some intervals exclude zero by chance: treat them as hypotheses."]
    if verdict.stand_out == 0:
        return [text + "Every reported interval contains the overall AIPW estimate, so no segment clearly departs "
                "from the average effect."]
    parts = []
    for rows, where in ((verdict.higher, "above"), (verdict.lower, "below")):
        if rows:
            names = [f"{w.segment(r.segment_type)} {r.label}" for r in rows[:3]]
            more = " and others" if len(rows) > 3 else ""
            parts.append(f"{join_words(names)}{more} {'lies' if len(rows) == 1 else 'lie'} {where} it")
    return [text + f"Segments that stand out from the overall AIPW estimate: {'; '.join(parts)}. With this many "
            "segments some differences arise by chance, so treat them as hypotheses for a stratified experiment."]


# ---------------------------------------------------------------------------------------------
# Mediation study


def mediation_results(f: Findings, v: Verdicts, w: Words, writer: Writer) -> list[str]:
    med = f.mediation
    lines = ["## Main results: mediation study", ""]
    lines += writer.part(med.main, lambda m: _med_main(m, f, v, w))
    lines += writer.part(med.alternates, lambda alternates: _med_alternates(alternates, w))
    lines += [""]
    lines += writer.part(med.crossfit, lambda c: _crossfit(c, v))
    lines += writer.part(med.path_model, lambda p: _path_model(p, v))
    return lines + [""]


def _med_main(main: MediationMain, f: Findings, v: Verdicts, w: Words) -> list[str]:
    verdict = v.mediation.main
    assert verdict is not None
    te, est = main.te, main.estimates
    lines = [f"- **Total effect (TE):** {estimate_text(te, 'plays')} on {w.adjective} plays; {verdict_text(te)}."]
    if "NDE" in est:
        lines.append(f"- **Natural direct effect (NDE):** {estimate_text(est['NDE'])}; {verdict_text(est['NDE'])}.")
    if "NIE" in est:
        lines.append(f"- **Natural indirect effect through satisfaction (NIE):** {estimate_text(est['NIE'])}; "
                     f"{verdict_text(est['NIE'])}.")
    for estimand, words in (("CDE_low", "low"), ("CDE_high", "high")):
        if estimand in est:
            value = main.cde_mediator_values.get(estimand)
            at = f" (satisfaction depth fixed at {value})" if value else ""
            lines.append(f"- **Controlled direct effect, {words} satisfaction{at}:** {estimate_text(est[estimand])}.")
    lines.append("")
    if not verdict.te_clear:
        paragraph = [f"The total-effect interval includes zero: the data do not show a clear effect of a "
                     f"high-discovery day on {w.adjective} plays."]
    else:
        paragraph = [f"A high-discovery day is followed by {'more' if verdict.te_positive else 'fewer'} {w.adjective} "
                     "plays, and the total-effect interval excludes zero."]
    nie = est.get("NIE")
    if nie is not None:
        paragraph.append(_pathway(verdict, nie, w))
        share = main.proportion_mediated
        if share is not None and verdict.te_clear and verdict.nie_small is not None:
            size = "small relative to the total (by the study's own cut-off)" if verdict.nie_small else (
                "not small relative to the total")
            paragraph.append(f"The indirect effect is {size}: NIE divided by TE is {share}.")
        elif share is not None and not verdict.te_clear:
            paragraph.append(f"With a total effect this uncertain, the ratio NIE / TE ({share}) is not a stable share "
                             "mediated.")
    shift = main.mediator_shift
    if shift is not None:
        if not verdict.shift_clear:
            paragraph.append(f"High discovery leaves satisfaction depth essentially unchanged ({shift.estimate}, "
                             f"interval {interval_text(shift)}).")
        else:
            paragraph.append(f"High discovery {'raises' if vd.positive(shift) else 'lowers'} satisfaction depth "
                             f"(mediator shift {shift.estimate}, interval {interval_text(shift)}).")
    if verdict.cde_larger_when_high is not None:
        larger = "high" if verdict.cde_larger_when_high else "low"
        paragraph.append(f"The direct effect is larger when satisfaction is {larger}"
                         + (" but the two controlled-direct intervals overlap." if verdict.cde_intervals_overlap
                            else ", and the two controlled-direct intervals do not overlap: the exposure and the "
                                 "mediator interact."))
    lines.append(" ".join(paragraph))
    if f.simulated:
        lines += ["", _med_truth(verdict.truth, w)]
    return lines


def _pathway(verdict: vd.MediationMainVerdict, nie: Estimate, w: Words) -> str:
    if verdict.pathway is Pathway.NOT_CLEAR:
        return "The indirect effect through satisfaction depth is not distinguishable from zero."
    if verdict.pathway is Pathway.CLEAR_WHILE_TOTAL_UNCLEAR:
        direction = "raises" if vd.positive(nie) else "lowers"
        return (f"The indirect effect is clearly {vd.sign(nie.estimate.number)} even though the total is not: the "
                f"pathway through satisfaction depth {direction} {w.adjective} plays, while the other pathways are too "
                "uncertain to sign.")
    if verdict.pathway is Pathway.SAME_SIGN:
        return "Part of the effect runs through satisfaction depth: the indirect effect has the same sign as the total."
    if verdict.te_positive:
        return (f"The indirect path works against the total effect: high discovery moves satisfaction depth in a "
                f"direction that lowers {w.adjective} plays, and the direct path carries the rest.")
    return "The indirect path has the opposite sign to the total effect."


def _med_truth(cov: vd.Coverage, w: Words) -> str:
    parts = [f"{e.label} {e.truth}" for e in cov.with_truth]
    if not parts:
        return "The planted truth does not cover these estimands."
    text = f"**Against the planted truth:** the simulator planted {join_words(parts)} {w.adjective} plays. "
    if cov.covered and cov.missed:
        text += (f"The intervals of {join_words(cov.covered)} contain the planted value; those of "
                 f"{join_words(cov.missed)} do not.")
    elif cov.covered:
        text += "Every interval contains its planted value."
    elif cov.missed:
        text += "No interval contains its planted value."
    else:
        text += "No interval was computed, so coverage cannot be checked."
    return text


def _med_alternates(alternates, w: Words) -> list[str]:
    lines = []
    for alt in alternates:
        text = (f"- **Alternate outcome, {w.med_outcome(alt.outcome)}:** TE {estimate_text(alt.te)}, "
                f"{verdict_text(alt.te)}")
        if alt.nie is not None:
            text += f"; NIE {estimate_text(alt.nie)}, {verdict_text(alt.nie)}"
        for name, e in (("TE", alt.te), ("NIE", alt.nie)):
            if e is not None and e.truth is not None:
                text += f"; planted {name} {e.truth} ({truth_note(e)})"
        lines.append(text + ".")
    return ([""] + lines) if lines else []


def _crossfit(families: list[CrossFitFamily], v: Verdicts) -> list[str]:
    verdict = v.mediation.crossfit
    assert verdict is not None
    parts = [f"{n.FAMILY_WORDS.get(x.family, x.family)} TE {x.total}, NIE {x.indirect}" for x in families]
    names = join_words([n.FAMILY_WORDS.get(x.family, x.family) for x in families])
    text = f"- **Cross-fitted models** (folds grouped by user): {'; '.join(parts)}. "
    total, indirect = verdict.total_signs, verdict.indirect_signs
    if len(total) == 1:
        text += f"The {names} models agree on a {total[0]} total effect"
        text += (f" and a {indirect[0]} indirect effect." if len(indirect) == 1
                 else ", but the indirect effect changes sign between them.")
    else:
        text += f"The {names} models disagree on the sign of the total effect"
        text += (f" but agree on a {indirect[0]} indirect effect." if len(indirect) == 1
                 else " and of the indirect effect.")
    return [text + " Their intervals hold the nuisance models fixed and so understate the uncertainty."]


def _path_model(p, v: Verdicts) -> list[str]:
    text = (f"- **Weighted SEM-style path model:** direct path {p.direct}, indirect path (alpha times beta) "
            f"{estimate_text(p.indirect)}. ")
    agrees = v.mediation.path_agrees_with_gformula
    if agrees is not None:
        text += ("The path product points the same way as the g-formula indirect effect." if agrees else
                 "The path product points the other way from the g-formula indirect effect, so the indirect effect's "
                 "sign depends on the model.")
    return [text]


def mediation_sensitivity(f: Findings, v: Verdicts, w: Words, writer: Writer) -> list[str]:
    med = f.mediation
    lines = ["### Mediation study", ""]
    lines += writer.part(med.overlap, _overlap)
    lines += writer.part(med.robustness, lambda r: _robustness(v))
    lines += writer.part(med.outcome_confounding, lambda c: _outcome_confounding(c, w))
    lines += writer.part(med.heterogeneity, lambda h: _heterogeneity(h, v))
    return lines + [""]


def _overlap(o) -> list[str]:
    words = n.OVERLAP_WORDS.get(o.finding, f"the overlap check reads '{o.finding}'")
    text = (f"- **Overlap and balance.** The overlap check finds that {words}: {o.share_extreme} of user-days have a "
            "propensity outside the central band, and the capped weights keep a Kish effective sample size of "
            f"{o.effective_sample_size}. Weighting cut the largest absolute SMD from {o.max_smd_before} to "
            f"{o.max_smd_after}")
    if o.above_flag_after.number == 0:
        return [text + ", with no covariate left above the usual imbalance flag."]
    return [text + f"; {o.above_flag_after} encoded covariate(s) stay above the usual imbalance flag, so regression "
            "adjustment does part of the work."]


def _robustness(v: Verdicts) -> list[str]:
    verdict = v.mediation.robustness
    assert verdict is not None
    total = [f"{n.ROBUSTNESS_WORDS.get(x.family, x.family)} ({x.share_positive} of specifications positive)"
             for x in verdict.unstable_total]
    indirect = [n.ROBUSTNESS_WORDS.get(x.family, x.family) for x in verdict.unstable_indirect]
    text = "- **Robustness specifications.** "
    if total:
        text += (f"The sign of the total effect changes within the {join_words(total)} "
                 f"{'family' if len(total) == 1 else 'families'}")
    else:
        text += "The total effect keeps its sign in every specification of every family"
    if indirect:
        text += (f"; the indirect effect changes sign within the {join_words(indirect)} "
                 f"{'family' if len(indirect) == 1 else 'families'}.")
    else:
        text += "; the indirect effect keeps its sign throughout."
    return [text]


_CONFOUNDER_STRENGTH = {"fragile": "fragile: a weak", "moderately_robust": "moderately robust: a moderate",
                        "robust": "robust: only a strong"}


def _outcome_confounding(c, w: Words) -> list[str]:
    words = _CONFOUNDER_STRENGTH.get(c.label, f"'{c.label}': a")
    return [f"- **Unmeasured mediator-outcome confounding.** The indirect effect reaches zero at an error correlation "
            f"of {c.rho_at_zero}, so it is {words} unmeasured confounder of satisfaction and {w.adjective} plays would "
            "be enough to explain it away."]


def _heterogeneity(h, v: Verdicts) -> list[str]:
    def describe(row) -> str:
        return f"{row.value} ({n.MED_SEGMENT_WORDS.get(row.segment, row.segment)}, TE {row.total})"

    text = (f"- **Heterogeneity (cross-fitted LightGBM).** The total effect is largest for {describe(h.top)} and "
            f"smallest for {describe(h.bottom)}. ")
    text += ("It has the same sign in every segment." if v.mediation.heterogeneity_one_sign
             else "Its sign differs between segments.")
    return [text + " These are descriptive summaries of model predictions, not separately identified subgroup "
            "effects."]


# ---------------------------------------------------------------------------------------------
# Takeaway, limitations, recommendations


def _aipw(f: Findings) -> Estimate | None:
    main = f.long_term.main
    return main.aipw if isinstance(main, LongTermMain) else None


def _mediation_estimates(f: Findings) -> dict[str, Estimate]:
    main = f.mediation.main
    return main.estimates if isinstance(main, MediationMain) else {}


def takeaway(f: Findings, v: Verdicts, w: Words) -> list[str]:
    lines = ["## Product takeaway", ""]
    aipw = _aipw(f)
    if aipw is None:
        lines.append("- Long-term: not available (the estimator comparison is missing).")
    elif vd.crosses_zero(aipw):
        lines.append("- **Long-term:** do not treat high-watch exposure as a lever for "
                     f"{w.adjective} engagement; the offline evidence shows no clear average effect. Keep it as a "
                     "short-term satisfaction signal and validate it against long-term metrics in an online test.")
    elif vd.positive(aipw):
        lines.append(f"- **Long-term:** high-watch-exposure days are followed by more {w.adjective} plays after "
                     "adjustment; this makes high-watch exposure a candidate lever worth an online experiment, not yet "
                     "a proven one.")
    else:
        lines.append(f"- **Long-term:** high-watch-exposure days are followed by fewer {w.adjective} plays after "
                     "adjustment; optimising for them could cost long-term engagement and should be tested before any "
                     "rollout.")
    estimates = _mediation_estimates(f)
    te, nie = estimates.get("TE"), estimates.get("NIE")
    if te is None:
        lines.append("- Mediation: not available (the effect decomposition is missing).")
    else:
        clear_nie = nie is not None and not vd.crosses_zero(nie)
        if vd.crosses_zero(te):
            text = f"- **Discovery:** no clear total effect of high-discovery days on {w.adjective} plays"
            if not clear_nie:
                text += ", and no clear pathway through satisfaction depth."
            elif not vd.positive(nie):  # type: ignore[arg-type]
                text += (f"; but the pathway through satisfaction depth clearly lowers {w.adjective} plays, so watch "
                         "satisfaction as a guardrail whenever discovery is pushed.")
            else:
                text += (f"; the pathway through satisfaction depth clearly raises {w.adjective} plays, so discovery "
                         "that keeps satisfaction high is the variant worth testing.")
        else:
            more = vd.positive(te)
            small = v.mediation.main.nie_small if v.mediation.main else None
            text = f"- **Discovery:** high-discovery days go with {'more' if more else 'fewer'} {w.adjective} plays; "
            if not clear_nie:
                text += ("satisfaction depth does not carry a measurable part of it, so it is a weak proxy for the "
                         "value of discovery.")
            elif vd.positive(nie) == more and small is False:  # type: ignore[arg-type]
                text += ("a real part of it runs through satisfaction depth, which makes satisfaction a reasonable "
                         "guide for discovery.")
            elif vd.positive(nie) == more and small:  # type: ignore[arg-type]
                text += ("only a small part runs through satisfaction depth, so most of the value comes from other "
                         "routes.")
            elif vd.positive(nie) == more:  # type: ignore[arg-type]
                text += "part of it runs through satisfaction depth."
            else:
                text += ("the pathway through satisfaction depth pulls the other way, so track satisfaction as a "
                         "guardrail on discovery rather than as the reason discovery works.")
        lines.append(text)
    if f.simulated:
        lines.append("- These statements describe the synthetic stand-in; rerun on the real archive before drawing "
                     "product conclusions.")
    return lines + [""]


def limitations(f: Findings, v: Verdicts, w: Words) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def add(limitation: str, why_it_matters: str, mitigation: str, evidence: str) -> None:
        rows.append({"limitation": limitation, "why_it_matters": why_it_matters, "mitigation_in_project": mitigation,
                     "evidence_in_this_run": evidence})

    lt, med = f.long_term, f.mediation
    main = lt.main if isinstance(lt.main, LongTermMain) else None
    naive, aipw = (main.estimates.get("naive"), main.aipw) if main is not None else (None, None)
    evidence = "not available"
    if naive is not None and aipw is not None:
        evidence = (f"The unadjusted difference ({naive.estimate}) and the AIPW estimate ({aipw.estimate}) "
                    + ("differ, showing how much history drives the raw comparison." if v.long_term.naive_differs
                       else "are close, so confounding by observed history is mild here."))
    add("Observational logs", "Neither high-watch nor high-discovery days were randomised; validity rests on adjusting "
        "for what was observed.", "History, calendar and profile adjustment; weighting, outcome models and doubly "
        "robust estimation compared side by side.", evidence)
    evidence = "not available"
    if not isinstance(lt.evalue, Missing):
        evidence = (f"E-value of the AIPW interval: {lt.evalue.interval}"
                    + (" (the interval already includes no effect)." if v.long_term.evalue_includes_null else "."))
    add("Sequential ignorability", "Unrecorded intent or recommender state could drive both exposure and future use.",
        "E-values for the long-term estimates; a correlation-based sensitivity analysis for the indirect effect.",
        evidence)
    readiness, rv = lt.readiness, v.long_term.readiness
    overlap_why = "Extreme propensities make weighted estimates rest on few comparable days."
    overlap_how = "Propensity diagnostics, clipped and stabilized weights, weight sensitivity."
    if rv is None or not isinstance(readiness, Readiness):
        add("Overlap", overlap_why, overlap_how, "not available")
    else:
        title = ("Imperfect overlap" if not rv.overlap_ok else "Reduced effective sample size" if not rv.ess_ok
                 else "Overlap (adequate in this run)")
        add(title, overlap_why, overlap_how,
            f"Share of user-days with an extreme propensity {readiness.overlap.value} "
            f"({'passes' if rv.overlap_ok else 'caution'}); effective sample size "
            f"{readiness.effective_sample_size.value} of rows ({'passes' if rv.ess_ok else 'caution'}).")
    panel = f.panel
    definitions = "not available"
    if panel.watch_threshold is not None and panel.discovery_threshold is not None:
        definitions = (f"High-watch day: high-watch share at least {panel.watch_threshold}; high-discovery day: "
                       f"discovery share at least {panel.discovery_threshold}.")
    add("Constructed treatments", "High-watch and high-discovery days are thresholds on observed behaviour, not "
        "product interventions the platform assigned.", "Explicit estimand definitions; threshold and mediator "
        "robustness specifications.", definitions)
    if f.simulated:
        add("Synthetic data", "The numbers describe a simulator built to resemble KuaiRec, not real users.",
            "Estimates are checked against the planted truth, which tests the pipeline, not the product.",
            "The warehouse holds a simulated release with planted effects.")
    else:
        add("One platform slice", "KuaiRec covers one app and a few weeks; effects elsewhere or later may differ.",
            "The pipeline runs unchanged on a larger matrix or a new export.", "Real KuaiRec logs.")
    secondary = v.long_term.secondary
    if secondary is not None:
        clear = join_words([w.lt_outcome(o) for o in secondary.clear])
        evidence = (f"Secondary outcomes with a clear AIPW change: {clear}." if secondary.clear
                    else "No secondary outcome shows a clear AIPW change.")
    else:
        evidence = "not available"
    add("Outcome choice", "Plays, active days and watch time measure different long-term goals.",
        "Primary and secondary outcomes reported separately.", evidence)
    label = None if isinstance(med.outcome_confounding, Missing) else med.outcome_confounding.label
    add("Mediator-outcome confounding", "The indirect effect assumes nothing unobserved drives both same-day "
        f"satisfaction and {w.adjective} use.", "Sensitivity of the indirect effect to an error correlation between "
        "the mediator and outcome models.",
        f"The indirect effect's sensitivity verdict is {n.MO_WORDS.get(label, label)}." if label else "not available")
    interval_type = med.crossfit_interval_type
    add("Interval width of cross-fitted models", "Cross-fitted mediation intervals keep the nuisance models fixed and "
        "understate uncertainty.", "Refitting bootstrap for the linear decomposition and the path model.",
        f"Cross-fitted intervals: {interval_type}." if interval_type else "not available")
    if panel.users_below_minimum is not None:
        add("Few users", "With few users the user-cluster bootstrap has few clusters and intervals are wide and rough.",
            "Every interval resamples users.", f"Only {panel.users_below_minimum} panel users, below the readiness "
            "minimum.")
    return rows


def recommendations(f: Findings, v: Verdicts, w: Words) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def add(area: str, recommendation: str, evidence: str) -> None:
        rows.append({"decision_area": area, "recommendation": recommendation, "evidence": evidence})

    aipw = _aipw(f)
    if aipw is not None:
        if vd.crosses_zero(aipw):
            rec = f"Do not claim a clear positive average effect of high-watch-exposure days on {w.adjective} plays."
        elif vd.positive(aipw):
            rec = (f"Report a positive average effect of high-watch-exposure days on {w.adjective} plays, with the "
                   "caveats that it is observational and rests on the overlap and confounding checks.")
        else:
            rec = (f"Report that high-watch-exposure days are followed by fewer {w.adjective} plays and do not "
                   "optimise for them without an experiment.")
        add("Average long-term effect", rec, f"AIPW estimate {estimate_text(aipw)}.")
    secondary = v.long_term.secondary
    if secondary is not None:
        signs = {secondary.up[o] for o in secondary.clear}
        if aipw is not None and not vd.crosses_zero(aipw):
            signs.add(vd.positive(aipw))
        clear = join_words([w.lt_outcome(o) for o in secondary.clear])
        if not secondary.clear:
            add("Metric strategy", "Keep validating short-term signals against several long-term outcomes before "
                "optimising them.", "No secondary outcome shows a clear AIPW change.")
        elif secondary.unclear or len(signs) > 1:
            add("Metric strategy", "Validate each long-term metric separately: the outcome families do not respond "
                "alike.", f"Clear AIPW change in {clear}"
                + (f"; none in {join_words([w.lt_outcome(o) for o in secondary.unclear])}." if secondary.unclear
                   else "; the directions differ."))
        else:
            add("Metric strategy", "The change shows across the outcome families; keep tracking them separately, since "
                "they measure different long-term goals.", f"Clear AIPW change, in one direction, in {clear}.")
    moderators = f.long_term.moderators
    if not isinstance(moderators, Missing) and moderators:
        segments = v.long_term.segments
        evidence = "Top moderators: " + join_words([f"`{m.feature}`" for m in moderators]) + "."
        if segments is not None and segments.compared and segments.stand_out:
            evidence += " Some segments' intervals exclude the overall AIPW estimate."
        elif segments is not None and segments.clear == 0:
            evidence += " No segment interval excludes zero."
        elif segments is not None and segments.compared:
            evidence += " No segment clearly departs from the overall estimate."
        add("Experiment design", "Stratify a follow-up online test by the strongest effect moderators.", evidence)
    rv = v.long_term.readiness
    posture = "Observational design"
    if rv is not None:
        posture += "; overlap " + ("passes its check" if rv.overlap_ok else "is imperfect")
        posture += "; effective sample size " + ("passes its check." if rv.ess_ok else "is below its target.")
    else:
        posture += "."
    add("Deployment posture", "Use this as offline evidence to prioritise experiments, not as deployment proof.",
        posture)
    estimates = _mediation_estimates(f)
    te, nie = estimates.get("TE"), estimates.get("NIE")
    if te is not None:
        if vd.crosses_zero(te):
            rec = f"Do not claim that high-discovery days raise {w.adjective} engagement."
        elif vd.positive(te):
            rec = f"Treat discovery as a candidate driver of {w.adjective} engagement and test it online."
        else:
            rec = (f"Investigate why high-discovery days go with lower {w.adjective} engagement before increasing "
                   "discovery.")
        add("Discovery exposure", rec, f"Total effect {estimate_text(te)}.")
    if nie is not None:
        if vd.crosses_zero(nie):
            rec = "Do not rely on satisfaction depth as the channel through which discovery works."
        elif vd.positive(nie):
            rec = (f"Use satisfaction depth as a leading indicator when tuning discovery: the pathway through it "
                   f"raises {w.adjective} plays.")
        else:
            helps = te is not None and not vd.crosses_zero(te) and vd.positive(te)
            rec = ("Monitor satisfaction depth as a guardrail on discovery: the pathway through it lowers "
                   f"{w.adjective} plays" + (", even though discovery helps overall." if helps else "."))
        add("Satisfaction pathway", rec, f"Indirect effect {estimate_text(nie)}.")
    if f.simulated:
        add("Data", "Rerun the pipeline on the real KuaiRec archive before acting on any result.",
            "This run uses the synthetic stand-in.")
    return rows
