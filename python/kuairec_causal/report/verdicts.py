"""Then verdicts: what the findings mean, decided once from their numbers.

Every sentence of the report whose truth depends on a result (an interval that does or does not
cross zero, the sign of an effect, estimators that agree or not, a readiness check that passes,
the size of the indirect effect relative to the total, which segments stand out, whether an
interval covers the planted truth) is chosen by a verdict of this module; the sections only
word them. Verdicts read raw numbers (``Rendered.number``), never format them, so deciding never
records a fact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from kuairec_causal import registry
from kuairec_causal.report.findings import (
    CrossFitFamily,
    Estimate,
    Findings,
    Heterogeneity,
    LongTermMain,
    MediationMain,
    Missing,
    Readiness,
    RobustnessFamily,
    SegmentRow,
    Segments,
    WeightSensitivity,
)

# ---------------------------------------------------------------------------------------------
# One estimate


def crosses_zero(e: Estimate) -> bool:
    """Whether the interval includes zero (True without an interval: zero cannot be excluded)."""
    return not e.has_interval or e.low.number <= 0 <= e.high.number  # type: ignore[union-attr]


def covers_truth(e: Estimate) -> bool | None:
    """Whether the interval contains the planted value (None without truth or interval)."""
    if e.truth is None or not e.has_interval:
        return None
    return e.low.number <= e.truth.number <= e.high.number  # type: ignore[union-attr]


def positive(e: Estimate) -> bool:
    return e.estimate.number > 0


def sign(value: float) -> str:
    return "positive" if value > 0 else "negative" if value < 0 else "zero"


def interval_above_zero(e: Estimate) -> bool:
    """For an interval that excludes zero: whether it lies above it."""
    return e.has_interval and e.low.number > 0  # type: ignore[union-attr]


@dataclass(frozen=True)
class Coverage:
    """Which estimates' intervals contain the planted value (labels in the order given)."""

    with_truth: list[Estimate]
    covered: list[str]
    missed: list[str]


def coverage(estimates: Sequence[Estimate]) -> Coverage:
    with_truth = [e for e in estimates if e.truth is not None]
    return Coverage(with_truth, [e.label for e in with_truth if covers_truth(e) is True],
                    [e.label for e in with_truth if covers_truth(e) is False])


# ---------------------------------------------------------------------------------------------
# Long-term study


class Agreement(Enum):
    ALL_INCLUDE_ZERO = "all_include_zero"
    ALL_ABOVE = "all_above"
    ALL_BELOW = "all_below"
    SIDES_DIFFER = "sides_differ"
    MIXED = "mixed"


class NaivePosition(Enum):
    LARGER_MOSTLY_HISTORY = "larger_mostly_history"
    LARGER_PARTLY_HISTORY = "larger_partly_history"
    SMALLER = "smaller"
    WITHIN = "within"


@dataclass(frozen=True)
class LongTermMainVerdict:
    aipw_clear: bool
    aipw_positive: bool
    adjusted: list[Estimate]  # adjusted estimators present, in registry order
    agreement: Agreement
    excluding: list[str]  # ids of adjusted estimators whose interval excludes zero
    including: list[str]
    one_sign: bool  # the adjusted point estimates share one sign
    naive: NaivePosition | None
    truth: Coverage


def long_term_main(main: LongTermMain) -> LongTermMainVerdict:
    adjusted = [main.estimates[e.id] for e in registry.estimators().values() if e.adjusted and e.id in main.estimates]
    including = [e.label for e in adjusted if crosses_zero(e)]
    excluding = [e.label for e in adjusted if not crosses_zero(e)]
    if not excluding:
        agreement = Agreement.ALL_INCLUDE_ZERO
    elif not including:
        sides = {interval_above_zero(e) for e in adjusted}
        agreement = (Agreement.SIDES_DIFFER if len(sides) > 1
                     else Agreement.ALL_ABOVE if sides.pop() else Agreement.ALL_BELOW)
    else:
        agreement = Agreement.MIXED
    naive = main.estimates.get("naive")
    position = None
    if naive is not None and adjusted:
        value = naive.estimate.number
        high = max(e.estimate.number for e in adjusted)
        low = min(e.estimate.number for e in adjusted)
        if value > high:
            most = value > 0 and (value - max(high, 0.0)) > value / 2
            position = NaivePosition.LARGER_MOSTLY_HISTORY if most else NaivePosition.LARGER_PARTLY_HISTORY
        elif value < low:
            position = NaivePosition.SMALLER
        else:
            position = NaivePosition.WITHIN
    return LongTermMainVerdict(
        aipw_clear=not crosses_zero(main.aipw), aipw_positive=positive(main.aipw), adjusted=adjusted,
        agreement=agreement, excluding=excluding, including=including,
        one_sign=len({sign(e.estimate.number) for e in adjusted}) == 1, naive=position,
        truth=coverage(adjusted + ([naive] if naive is not None else [])))


@dataclass(frozen=True)
class ReadinessVerdict:
    balance_improved: bool
    overlap_ok: bool
    ess_ok: bool


def readiness(r: Readiness) -> ReadinessVerdict:
    return ReadinessVerdict(r.mean_abs_smd.passes and r.max_abs_smd.passes, r.overlap.passes,
                            r.effective_sample_size.passes)


class Crossing(Enum):
    ALL = "all"
    NONE = "none"
    SOME = "some"


@dataclass(frozen=True)
class WeightSensitivityVerdict:
    crossing: Crossing
    sign: str | None  # the one sign of every point estimate, None when it changes


def weight_sensitivity(w: WeightSensitivity) -> WeightSensitivityVerdict:
    crossing = (Crossing.ALL if w.crossing.number == w.specifications.number
                else Crossing.NONE if w.crossing.number == 0 else Crossing.SOME)
    low, high = w.low.number, w.high.number
    return WeightSensitivityVerdict(crossing, sign(low) if (low > 0) == (high > 0) and low != 0 else None)


@dataclass(frozen=True)
class SecondaryVerdict:
    clear: list[str]  # outcomes whose AIPW interval excludes zero
    unclear: list[str]
    up: dict[str, bool]  # outcome -> estimate above zero


def secondary(estimates: dict[str, Estimate]) -> SecondaryVerdict:
    return SecondaryVerdict([o for o, e in estimates.items() if not crosses_zero(e)],
                            [o for o, e in estimates.items() if crosses_zero(e)],
                            {o: e.estimate.number > 0 for o, e in estimates.items()})


@dataclass(frozen=True)
class SegmentsVerdict:
    n_above: int  # reported segments whose interval lies above zero
    n_below: int
    higher: list[SegmentRow] = field(default_factory=list)  # interval above the overall AIPW estimate
    lower: list[SegmentRow] = field(default_factory=list)
    compared: bool = False  # whether an overall AIPW estimate was there to compare with

    @property
    def clear(self) -> int:
        return self.n_above + self.n_below

    @property
    def stand_out(self) -> int:
        return len(self.higher) + len(self.lower)


def segments(s: Segments, overall: Estimate | None) -> SegmentsVerdict:
    n_above = int(s.above_zero.number) if s.above_zero is not None else 0
    n_below = int(s.below_zero.number) if s.below_zero is not None else 0
    if overall is None or n_above + n_below == 0:  # nothing clears zero: no segment is compared with the average
        return SegmentsVerdict(n_above, n_below)
    value = overall.estimate.number
    higher = sorted((r for r in s.rows if r.ci_lower > value), key=lambda r: -r.estimate)
    lower = sorted((r for r in s.rows if r.ci_upper < value), key=lambda r: r.estimate)
    return SegmentsVerdict(n_above, n_below, higher, lower, compared=True)


@dataclass(frozen=True)
class LongTermVerdicts:
    main: LongTermMainVerdict | None
    readiness: ReadinessVerdict | None
    weight_sensitivity: WeightSensitivityVerdict | None
    secondary: SecondaryVerdict | None
    segments: SegmentsVerdict | None
    evalue_includes_null: bool | None  # the AIPW interval's E-value is 1: the interval includes no effect
    naive_differs: bool | None  # the naive difference is far from the AIPW estimate (limitations)


# ---------------------------------------------------------------------------------------------
# Mediation study


class Pathway(Enum):
    NOT_CLEAR = "not_clear"  # the indirect effect is not distinguishable from zero
    CLEAR_WHILE_TOTAL_UNCLEAR = "clear_while_total_unclear"
    SAME_SIGN = "same_sign"  # part of the total runs through the mediator
    OPPOSITE_SIGN = "opposite_sign"  # the indirect path works against the total


@dataclass(frozen=True)
class MediationMainVerdict:
    te_clear: bool
    te_positive: bool
    pathway: Pathway | None  # None without an NIE
    nie_small: bool | None  # the study's verdict: |NIE| small relative to |TE| (None: not available)
    shift_clear: bool | None
    cde_larger_when_high: bool | None
    cde_intervals_overlap: bool | None
    truth: Coverage


def mediation_main(main: MediationMain) -> MediationMainVerdict:
    te, nie = main.te, main.estimates.get("NIE")
    pathway = None
    if nie is not None:
        if crosses_zero(nie):
            pathway = Pathway.NOT_CLEAR
        elif crosses_zero(te):
            pathway = Pathway.CLEAR_WHILE_TOTAL_UNCLEAR
        else:
            pathway = Pathway.SAME_SIGN if positive(nie) == positive(te) else Pathway.OPPOSITE_SIGN
    shift_clear = None if main.mediator_shift is None else not crosses_zero(main.mediator_shift)
    low, high = main.estimates.get("CDE_low"), main.estimates.get("CDE_high")
    larger = overlap = None
    if low is not None and high is not None:
        larger = high.estimate.number > low.estimate.number
        overlap = (not (low.has_interval and high.has_interval)
                   or (low.low.number <= high.high.number and high.low.number <= low.high.number)  # type: ignore
                   )
    present = [main.estimates[s] for s in main.estimates]
    small = main.indirect_small if nie is not None else None
    return MediationMainVerdict(not crosses_zero(te), positive(te), pathway, small, shift_clear, larger, overlap,
                                coverage(present))


@dataclass(frozen=True)
class CrossFitVerdict:
    total_signs: list[str]  # distinct signs of the families' total effects, in order
    indirect_signs: list[str]


def crossfit(families: list[CrossFitFamily]) -> CrossFitVerdict:
    return CrossFitVerdict(list(dict.fromkeys(sign(f.total.number) for f in families)),
                           list(dict.fromkeys(sign(f.indirect.number) for f in families)))


@dataclass(frozen=True)
class RobustnessVerdict:
    unstable_total: list[RobustnessFamily]
    unstable_indirect: list[RobustnessFamily]


def robustness(families: list[RobustnessFamily]) -> RobustnessVerdict:
    return RobustnessVerdict([f for f in families if not f.total_sign_stable],
                             [f for f in families if not f.indirect_sign_stable])


@dataclass(frozen=True)
class MediationVerdicts:
    main: MediationMainVerdict | None
    crossfit: CrossFitVerdict | None
    path_agrees_with_gformula: bool | None  # the path product has the sign of the g-formula NIE
    robustness: RobustnessVerdict | None
    heterogeneity_one_sign: bool | None


def heterogeneity_one_sign(h: Heterogeneity) -> bool:
    return len({sign(v) for v in h.total_effects}) == 1


# ---------------------------------------------------------------------------------------------
# Both


@dataclass(frozen=True)
class Verdicts:
    long_term: LongTermVerdicts
    mediation: MediationVerdicts


def _present(part: object) -> bool:
    return part is not None and not isinstance(part, Missing)


def decide(f: Findings) -> Verdicts:
    lt, med = f.long_term, f.mediation
    main = lt.main if isinstance(lt.main, LongTermMain) else None
    aipw = main.aipw if main is not None else None
    naive = main.estimates.get("naive") if main is not None else None
    naive_differs = None
    if aipw is not None and naive is not None:
        naive_differs = (not aipw.has_interval or abs(naive.estimate.number - aipw.estimate.number)
                         > abs(aipw.high.number - aipw.low.number) / 2)  # type: ignore[union-attr]
    long_term = LongTermVerdicts(
        main=long_term_main(main) if main is not None else None,
        readiness=readiness(lt.readiness) if isinstance(lt.readiness, Readiness) else None,
        weight_sensitivity=(weight_sensitivity(lt.weight_sensitivity)
                            if isinstance(lt.weight_sensitivity, WeightSensitivity) else None),
        secondary=secondary(lt.secondary) if isinstance(lt.secondary, dict) else None,
        segments=(segments(lt.segments, aipw) if isinstance(lt.segments, Segments) and lt.segments.top is not None
                  else None),
        evalue_includes_null=None if isinstance(lt.evalue, Missing) else lt.evalue.interval.number <= 1.0,
        naive_differs=naive_differs)
    med_main = med.main if isinstance(med.main, MediationMain) else None
    nie = med_main.estimates.get("NIE") if med_main is not None else None
    path_agrees = None
    if _present(med.path_model) and nie is not None:
        path_agrees = positive(med.path_model.indirect) == positive(nie)  # type: ignore[union-attr]
    mediation = MediationVerdicts(
        main=mediation_main(med_main) if med_main is not None else None,
        crossfit=crossfit(med.crossfit) if isinstance(med.crossfit, list) else None,
        path_agrees_with_gformula=path_agrees,
        robustness=robustness(med.robustness) if isinstance(med.robustness, list) else None,
        heterogeneity_one_sign=(heterogeneity_one_sign(med.heterogeneity)
                                if isinstance(med.heterogeneity, Heterogeneity) else None))
    return Verdicts(long_term, mediation)
