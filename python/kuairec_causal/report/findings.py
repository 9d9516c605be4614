"""Numbers first: the findings of one warehouse, fetched once from the loaded tables.

:func:`gather` turns :class:`~kuairec_causal.report.tables.ReportTables` into a typed
:class:`Findings` tree. Every number is a :class:`~kuairec_causal.report.facts.Rendered` fact of
the :class:`~kuairec_causal.report.facts.FactBook` (recorded only if a section formats it into
the text), and every part that a missing table, column or row makes unavailable is a
:class:`Missing` holding the reason. Nothing here decides what a result means
(:mod:`~kuairec_causal.report.verdicts`) or how to say it (:mod:`~kuairec_causal.report.sections`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from kuairec_causal import registry
from kuairec_causal.report import names as n
from kuairec_causal.report.facts import FactBook, Rendered
from kuairec_causal.report.tables import MissingData, ReportTables
from kuairec_causal.windows import MART as WINDOWS_MART
from kuairec_causal.windows import PanelWindows

T = TypeVar("T")


@dataclass(frozen=True)
class Missing:
    """A part of the findings that could not be fetched, and why."""

    error: MissingData


def fetch(build: Callable[[], T]) -> T | Missing:
    try:
        return build()
    except MissingData as error:
        return Missing(error)


def optional(build: Callable[..., T], *args: Any) -> T | None:
    """``build(*args)``, or None when what it needs is missing."""
    try:
        return build(*args)
    except MissingData:
        return None


@dataclass(frozen=True)
class Estimate:
    """An estimate with its interval (``low``/``high`` None when no interval was computed, e.g. a
    run without bootstrap replicates) and the planted value (None on real data)."""

    label: str  # estimator id, estimand symbol or outcome column
    estimate: Rendered
    low: Rendered | None
    high: Rendered | None
    truth: Rendered | None = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None


# ---------------------------------------------------------------------------------------------
# Parts


@dataclass(frozen=True)
class Windows:
    """The build's panel windows as facts of mart_panel_windows, in words."""

    panel: PanelWindows
    history: Rendered  # "three"
    min_history: Rendered
    horizon: Rendered  # "seven"
    horizon_adjective: Rendered  # "next-week"


@dataclass(frozen=True)
class PanelSize:
    """An analysis panel's size (and, for the mediation panel, its date range)."""

    rows: Rendered
    users: Rendered
    first_date: Rendered | None = None
    last_date: Rendered | None = None


@dataclass(frozen=True)
class LongTermSettings:
    n_boot: Rendered
    n_folds: Rendered
    aipw_splits: Rendered
    analysis_weight: Rendered
    # estimator id -> where its interval comes from (the effect table's `source`), read only for
    # a run without bootstrap replicates, whose intervals are not all bootstrap intervals
    interval_sources: dict[str, Rendered]


@dataclass(frozen=True)
class LongTermMain:
    aipw: Estimate  # the primary estimator's estimate
    estimates: dict[str, Estimate]  # estimator id -> primary-outcome estimate (AIPW included)
    relative_lift: Rendered | None  # AIPW, against the estimated control mean


@dataclass(frozen=True)
class Check:
    value: Rendered
    threshold: Rendered
    passes: bool  # the study's own verdict of the check


@dataclass(frozen=True)
class Readiness:
    overlap: Check
    effective_sample_size: Check
    mean_abs_smd: Check  # value: after weighting, threshold: before
    max_abs_smd: Check


@dataclass(frozen=True)
class WeightSensitivity:
    low: Rendered
    high: Rendered
    specifications: Rendered
    crossing: Rendered  # specifications whose interval includes zero


@dataclass(frozen=True)
class SegmentRow:
    segment_type: str
    label: Rendered  # the segment as named in the table
    estimate: float
    ci_lower: float
    ci_upper: float


@dataclass(frozen=True)
class SegmentEstimate:
    segment_type: str
    label: Rendered
    estimate: Rendered
    low: Rendered
    high: Rendered


@dataclass(frozen=True)
class Segments:
    rows: list[SegmentRow]  # segments that pass the size filter, with an estimate
    reported: Rendered | None  # their count (None when there are none)
    top: SegmentEstimate | None
    bottom: SegmentEstimate | None
    above_zero: Rendered | None  # count of reported segments whose interval lies above zero
    below_zero: Rendered | None


@dataclass(frozen=True)
class Moderator:
    feature: Rendered
    share: Rendered


@dataclass(frozen=True)
class EValue:
    estimate: Rendered
    interval: Rendered


@dataclass(frozen=True)
class LongTerm:
    primary_outcome: str | None
    main: LongTermMain | Missing
    readiness: Readiness | Missing
    weight_sensitivity: WeightSensitivity | Missing
    secondary: dict[str, Estimate] | Missing  # outcome column -> AIPW estimate
    segments: Segments | Missing
    moderators: list[Moderator] | Missing
    evalue: EValue | Missing


@dataclass(frozen=True)
class MediationMain:
    te: Estimate
    estimates: dict[str, Estimate]  # estimand symbol -> primary-outcome estimate (TE included)
    cde_mediator_values: dict[str, Rendered]
    proportion_mediated: Rendered | None
    mediator_shift: Estimate | None  # the effect of the exposure on the mediator
    indirect_small: bool | None  # the study's verdict (mediation_advanced_summary.indirect_effect_small)


@dataclass(frozen=True)
class Alternate:
    outcome: str
    te: Estimate
    nie: Estimate | None


@dataclass(frozen=True)
class CrossFitFamily:
    """The total and indirect effect of one cross-fitted model family (primary outcome)."""

    family: str
    total: Rendered
    indirect: Rendered


@dataclass(frozen=True)
class PathModel:
    indirect: Estimate  # alpha times beta, with its interval
    direct: Rendered


@dataclass(frozen=True)
class OverlapBalance:
    finding: str  # the study's overlap verdict: supported, limited or violated
    share_extreme: Rendered
    effective_sample_size: Rendered
    max_smd_before: Rendered
    max_smd_after: Rendered
    above_flag_after: Rendered


@dataclass(frozen=True)
class RobustnessFamily:
    family: str
    total_sign_stable: bool
    indirect_sign_stable: bool
    share_positive: Rendered | None  # share of specifications with a positive total (when unstable)


@dataclass(frozen=True)
class OutcomeConfounding:
    rho_at_zero: Rendered
    label: str  # fragile, moderately_robust or robust


@dataclass(frozen=True)
class HeterogeneityRow:
    """A segment's total effect in the cross-fitted LightGBM heterogeneity table."""

    segment: str
    value: Rendered  # the segment value as named in the table
    total: Rendered


@dataclass(frozen=True)
class Heterogeneity:
    top: HeterogeneityRow
    bottom: HeterogeneityRow
    total_effects: list[float]


@dataclass(frozen=True)
class Mediation:
    primary_outcome: str
    main: MediationMain | Missing
    alternates: list[Alternate] | Missing
    crossfit: list[CrossFitFamily] | Missing  # the primary outcome's cross-fitted models
    crossfit_interval_type: Rendered | None
    path_model: PathModel | Missing
    overlap: OverlapBalance | Missing
    robustness: list[RobustnessFamily] | Missing
    outcome_confounding: OutcomeConfounding | Missing
    heterogeneity: Heterogeneity | Missing


@dataclass(frozen=True)
class Panel:
    """Facts about the panel the limitations cite."""

    users_below_minimum: Rendered | None  # panel users, when the readiness check on users fails
    watch_threshold: Rendered | None
    discovery_threshold: Rendered | None


@dataclass
class Findings:
    book: FactBook
    simulated: bool
    interaction_matrix: str | None
    windows: Windows | Missing
    long_term_size: PanelSize | Missing
    mediation_size: PanelSize | Missing
    long_term_settings: LongTermSettings | Missing
    mediation_n_boot: Rendered | Missing
    long_term: LongTerm
    mediation: Mediation
    panel: Panel


# ---------------------------------------------------------------------------------------------
# Fetching


class _Fetcher:
    def __init__(self, tables: ReportTables, book: FactBook) -> None:
        self.t, self.fb = tables, book
        self.panel_windows = tables.windows

    def interval(self, prefix: str, table: str, key: dict) -> tuple[Rendered | None, Rendered | None]:
        """The interval limits, or (None, None) when the table has no interval for the row."""
        if not (self.fb.has(table, key, "ci_lower") and self.fb.has(table, key, "ci_upper")):
            return None, None
        return (self.fb.value(f"{prefix}_ci_lower", table, key, "ci_lower"),
                self.fb.value(f"{prefix}_ci_upper", table, key, "ci_upper"))

    def windows(self) -> Windows:
        frame = self.t.get(WINDOWS_MART)
        if self.panel_windows is None:
            raise MissingData(f"not available: {self.t.qualified(WINDOWS_MART)} has no valid row ({len(frame)} rows)")

        def fact(fact_id: str, column: str, fmt: str) -> Rendered:
            return self.fb.value(fact_id, WINDOWS_MART, {}, column, fmt)

        return Windows(panel=self.panel_windows, history=fact("window_history_days", "history_window_days", "word"),
                       min_history=fact("window_min_history_days", "min_history_days", "word"),
                       horizon=fact("window_horizon_days", "max_lead_days", "word"),
                       horizon_adjective=fact("window_horizon_adjective", "max_lead_days", "horizon"))

    # -- sizes and settings ------------------------------------------------------------------

    def long_term_size(self) -> PanelSize:
        return PanelSize(self.fb.value("lt_rows", n.LT_INFO, {"key": "rows"}, "value", "int"),
                         self.fb.value("lt_users", n.LT_INFO, {"key": "users"}, "value", "int"))

    def mediation_size(self) -> PanelSize:
        return PanelSize(self.fb.value("med_rows", n.MED_DESIGN, {"item": "analysis_rows"}, "value", "int"),
                         self.fb.value("med_users", n.MED_DESIGN, {"item": "users"}, "value", "int"),
                         self.fb.text("med_first_date", n.MED_INFO, {"key": "first_date"}, "value"),
                         self.fb.text("med_last_date", n.MED_INFO, {"key": "last_date"}, "value"))

    def long_term_settings(self) -> LongTermSettings:
        n_boot = self.fb.value("lt_n_boot", n.LT_INFO, {"key": "n_boot"}, "value", "int")
        sources: dict[str, Rendered] = {}
        primary = self.lt_primary_outcome()
        if n_boot.number == 0 and primary is not None:
            for estimator in registry.estimators().values():
                if estimator.adjusted:
                    key = {"outcome": primary, "estimator": estimator.label}
                    sources[estimator.id] = self.fb.text(f"lt_interval_source_{estimator.id}", n.LT_COMPARISON,
                                                         key, "source")
        return LongTermSettings(
            n_boot,
            self.fb.value("lt_n_folds", n.LT_INFO, {"key": "n_folds"}, "value", "int"),
            self.fb.value("lt_aipw_splits", n.LT_INFO, {"key": "aipw_cross_fitting_splits"}, "value", "int"),
            self.fb.text("lt_analysis_weight", n.LT_INFO, {"key": "analysis_weight"}, "value"),
            sources)

    def mediation_n_boot(self) -> Rendered:
        return self.fb.value("med_n_boot", n.MED_INFO, {"key": "n_boot"}, "value", "int")

    # -- long-term study ---------------------------------------------------------------------

    def lt_primary_outcome(self) -> str | None:
        primary = self.t.run_info("long_term", "primary_outcome")
        if primary is None and self.panel_windows is not None:
            primary = self.panel_windows.horizon("interactions")
        return primary

    def lt_estimate(self, table: str, outcome: str, estimator: registry.Estimator, prefix: str) -> Estimate:
        key = {"outcome": outcome, "estimator": estimator.label}
        truth_name = n.lt_truth_names(self.panel_windows).get(outcome)
        truth = (self.fb.truth(f"truth_long_term_ate_{truth_name}", "long_term", "ATE", truth_name)
                 if truth_name else None)
        estimate = self.fb.value(f"{prefix}_estimate", table, key, "estimate")
        low, high = self.interval(prefix, table, key)
        return Estimate(estimator.id, estimate, low, high, truth)

    def lt_main(self, primary: str | None) -> LongTermMain:
        self.t.get(n.LT_COMPARISON)
        if primary is None:
            raise MissingData(f"not available: {self.t.qualified(n.LT_COMPARISON)}: primary outcome unknown "
                              f"({self.t.qualified(n.LT_INFO)} and {self.t.qualified(WINDOWS_MART)} missing)")
        estimates = {}
        for estimator in registry.estimators().values():
            found = optional(self.lt_estimate, n.LT_COMPARISON, primary, estimator, f"lt_{estimator.id}")
            if found is not None:
                estimates[estimator.id] = found
        aipw = registry.estimator("aipw")
        if aipw.id not in estimates:  # the headline estimator: without it the section is not available
            self.lt_estimate(n.LT_COMPARISON, primary, aipw, "lt_aipw")
        key = {"outcome": primary, "estimator": aipw.label}
        relative = optional(lambda: self.fb.value("lt_aipw_relative_lift", n.LT_COMPARISON, key, "relative_lift",
                                                  "pct"))
        return LongTermMain(estimates[aipw.id], estimates, relative)

    def lt_readiness(self) -> Readiness:
        def check(check_id: str, fmt: str) -> Check:
            key = {"check_id": check_id}
            return Check(self.fb.value(f"lt_readiness_{check_id}_value", n.LT_READINESS, key, "value", fmt),
                         self.fb.value(f"lt_readiness_{check_id}_threshold", n.LT_READINESS, key, "threshold", fmt),
                         self.fb.flag(n.LT_READINESS, key, "passes"))

        return Readiness(check("overlap", "pct"), check("effective_sample_size", "pct"), check("mean_abs_smd", "num"),
                         check("max_abs_smd", "num"))

    def lt_weight_sensitivity(self) -> WeightSensitivity:
        weighted = {"weight_column": ["!=", "unweighted"]}
        return WeightSensitivity(
            self.fb.aggregate("lt_msm_sensitivity_min", n.LT_SENSITIVITY, weighted, "estimate", "min"),
            self.fb.aggregate("lt_msm_sensitivity_max", n.LT_SENSITIVITY, weighted, "estimate", "max"),
            self.fb.aggregate("lt_msm_sensitivity_specs", n.LT_SENSITIVITY, weighted, "*", "count"),
            self.fb.aggregate("lt_msm_sensitivity_crossing", n.LT_SENSITIVITY,
                              {**weighted, "interval_crosses_zero": True}, "*", "count"))

    def lt_secondary(self) -> dict[str, Estimate]:
        aipw = registry.estimator("aipw")
        frame = self.t.get(n.LT_SECONDARY, ["outcome", "estimator"])
        outcomes = list(dict.fromkeys(frame.loc[frame["estimator"] == aipw.label, "outcome"]))
        if not outcomes:
            raise MissingData(f"not available: {self.t.qualified(n.LT_SECONDARY)} has no AIPW rows")
        return {o: self.lt_estimate(n.LT_SECONDARY, o, aipw, f"lt_secondary_aipw_{o}") for o in outcomes}

    def lt_segments(self) -> Segments:
        frame = self.t.get(n.LT_SEGMENTS, ["segment_type", "segment", "aipw_ate", "passes_size_filter", "ci_lower",
                                           "ci_upper"])
        eligible = frame[frame["passes_size_filter"].fillna(False).astype(bool) & frame["aipw_ate"].notna()]
        if eligible.empty:
            return Segments([], None, None, None, None, None)

        def key(row: pd.Series) -> dict:
            return {"segment_type": row["segment_type"], "segment": row["segment"]}

        def label(row: pd.Series, fact_id: str) -> Rendered:
            return self.fb.text(fact_id, n.LT_SEGMENTS, key(row), "segment")

        def estimate(row: pd.Series, tag: str) -> SegmentEstimate:
            return SegmentEstimate(row["segment_type"], label(row, f"lt_segment_{tag}_label"),
                                   self.fb.value(f"lt_segment_{tag}_estimate", n.LT_SEGMENTS, key(row), "aipw_ate"),
                                   self.fb.value(f"lt_segment_{tag}_ci_lower", n.LT_SEGMENTS, key(row), "ci_lower"),
                                   self.fb.value(f"lt_segment_{tag}_ci_upper", n.LT_SEGMENTS, key(row), "ci_upper"))

        rows = [SegmentRow(r["segment_type"], label(r, f"lt_segment_{_slug(r['segment_type'])}_{_slug(r['segment'])}"),
                           float(r["aipw_ate"]), float(r["ci_lower"]), float(r["ci_upper"]))
                for _, r in eligible.iterrows()]
        passes = {"passes_size_filter": True}
        clear = {**passes, "interval_crosses_zero": False}
        return Segments(
            rows=rows, reported=self.fb.aggregate("lt_segments_eligible", n.LT_SEGMENTS, passes, "*", "count"),
            top=estimate(_first_extreme(eligible, "aipw_ate", largest=True), "top"),
            bottom=estimate(_first_extreme(eligible, "aipw_ate", largest=False), "bottom"),
            above_zero=self.fb.aggregate("lt_segments_above_zero", n.LT_SEGMENTS, {**clear, "aipw_ate": [">", 0]},
                                         "*", "count"),
            below_zero=self.fb.aggregate("lt_segments_below_zero", n.LT_SEGMENTS, {**clear, "aipw_ate": ["<", 0]},
                                         "*", "count"))

    def lt_moderators(self) -> list[Moderator]:
        frame = self.t.get(n.LT_MODERATORS, ["rank", "feature", "importance_share"])
        moderators = []
        for rank in frame.sort_values("rank").head(3)["rank"].astype(int):
            key = {"rank": rank}
            moderators.append(Moderator(
                self.fb.text(f"lt_moderator_{rank}_feature", n.LT_MODERATORS, key, "feature"),
                self.fb.value(f"lt_moderator_{rank}_share", n.LT_MODERATORS, key, "importance_share", "pct")))
        return moderators

    def lt_evalue(self, primary: str | None) -> EValue:
        key = {"outcome": primary, "estimator": registry.estimator("aipw").label}
        return EValue(self.fb.value("lt_aipw_evalue", n.LT_EVALUES, key, "evalue_estimate"),
                      self.fb.value("lt_aipw_evalue_ci", n.LT_EVALUES, key, "evalue_ci"))

    def long_term(self) -> LongTerm:
        primary = self.lt_primary_outcome()
        return LongTerm(primary_outcome=primary, main=fetch(lambda: self.lt_main(primary)),
                        readiness=fetch(self.lt_readiness), weight_sensitivity=fetch(self.lt_weight_sensitivity),
                        secondary=fetch(self.lt_secondary), segments=fetch(self.lt_segments),
                        moderators=fetch(self.lt_moderators), evalue=fetch(lambda: self.lt_evalue(primary)))

    # -- mediation study ---------------------------------------------------------------------

    def med_estimate(self, outcome: str, estimand: str) -> Estimate:
        key = {"outcome": outcome, "estimand": estimand}
        prefix = f"med_{estimand.lower()}_{outcome.lower()}"
        truth_name = n.MED_TRUTH_NAMES.get(outcome)
        truth = (self.fb.truth(f"truth_mediation_{estimand.lower()}_{truth_name}", "mediation", estimand, truth_name)
                 if truth_name else None)
        estimate = self.fb.value(f"{prefix}_estimate", n.MED_DECOMPOSITION, key, "estimate")
        low, high = self.interval(prefix, n.MED_DECOMPOSITION, key)
        return Estimate(estimand, estimate, low, high, truth)

    def med_main(self, outcome: str) -> MediationMain:
        estimates = {}
        for estimand in n.MED_ESTIMANDS:
            found = optional(self.med_estimate, outcome, estimand)
            if found is not None:
                estimates[estimand] = found
        if "TE" not in estimates:
            self.med_estimate(outcome, "TE")
        cde_values = {}
        for estimand in ("CDE_low", "CDE_high"):
            value = optional(self.fb.value, f"med_{estimand.lower()}_mediator_value", n.MED_DECOMPOSITION,
                             {"outcome": outcome, "estimand": estimand}, "mediator_value")
            if value is not None:
                cde_values[estimand] = value
        share = optional(lambda: self.fb.value("med_proportion_mediated", n.MED_DECOMPOSITION,
                                               {"outcome": outcome, "estimand": "proportion_mediated"}, "estimate",
                                               "pct"))
        reference = {"outcome": outcome, "model_family": "linear_gformula_reference"}
        small = optional(lambda: self.fb.raw(n.MED_ADVANCED, reference, "indirect_effect_small"))
        return MediationMain(estimates["TE"], estimates, cde_values, share, optional(lambda: self.med_shift(outcome)),
                             None if small is None or pd.isna(small) else bool(small))

    def med_shift(self, outcome: str) -> Estimate:
        key = {"outcome": outcome, "estimand": "mediator_shift"}
        return Estimate("mediator_shift",
                        self.fb.value("med_mediator_shift_estimate", n.MED_DECOMPOSITION, key, "estimate"),
                        self.fb.value("med_mediator_shift_ci_lower", n.MED_DECOMPOSITION, key, "ci_lower"),
                        self.fb.value("med_mediator_shift_ci_upper", n.MED_DECOMPOSITION, key, "ci_upper"))

    def med_alternates(self, primary: str) -> list[Alternate]:
        frame = self.t.get(n.MED_DECOMPOSITION, ["outcome", "estimand"])
        alternates = []
        for outcome in [o for o in dict.fromkeys(frame["outcome"]) if o != primary]:
            te = optional(self.med_estimate, outcome, "TE")
            if te is not None:
                alternates.append(Alternate(outcome, te, optional(self.med_estimate, outcome, "NIE")))
        return alternates

    def med_crossfit(self, primary: str) -> list[CrossFitFamily]:
        frame = self.t.get(n.MED_CROSSFIT, ["outcome", "model_family", "total_effect", "indirect_effect"])
        rows = frame[frame["outcome"] == primary]
        families = list(dict.fromkeys(rows["model_family"]))
        if not families:
            raise MissingData(f"not available: {self.t.qualified(n.MED_CROSSFIT)} has no rows for {primary}")
        parts = []
        for family in families:
            key = {"outcome": primary, "model_family": family}
            parts.append(CrossFitFamily(
                family, self.fb.value(f"med_crossfit_{family}_te", n.MED_CROSSFIT, key, "total_effect"),
                self.fb.value(f"med_crossfit_{family}_nie", n.MED_CROSSFIT, key, "indirect_effect")))
        return parts

    def med_path_model(self, primary: str) -> PathModel:
        key = {"outcome": primary, "path_quantity": "indirect_alpha_beta"}
        indirect = Estimate("indirect_alpha_beta", self.fb.value("med_sem_indirect", n.MED_SEM, key, "estimate"),
                            self.fb.value("med_sem_indirect_ci_lower", n.MED_SEM, key, "ci_lower"),
                            self.fb.value("med_sem_indirect_ci_upper", n.MED_SEM, key, "ci_upper"))
        direct = {"outcome": primary, "path_quantity": "c_prime_A_to_Y"}
        return PathModel(indirect, self.fb.value("med_sem_direct", n.MED_SEM, direct, "estimate"))

    def med_overlap(self) -> OverlapBalance:
        return OverlapBalance(
            str(self.fb.raw(n.MED_CHECKS, {"assumption": "positivity_overlap"}, "finding")),
            self.fb.value("med_overlap_share_extreme", n.MED_OVERLAP,
                          {"diagnostic": "share_propensity_outside_0_05_0_95"}, "value", "pct"),
            self.fb.value("med_overlap_ess", n.MED_OVERLAP, {"diagnostic": "effective_sample_size"}, "value", "int"),
            self.fb.value("med_balance_max_before", n.MED_BALANCE, {"diagnostic": "max_abs_smd_before"}, "value"),
            self.fb.value("med_balance_max_after", n.MED_BALANCE, {"diagnostic": "max_abs_smd_after"}, "value"),
            self.fb.value("med_balance_above_after", n.MED_BALANCE, {"diagnostic": "n_above_0_1_after"}, "value",
                          "int"))

    def med_robustness(self) -> list[RobustnessFamily]:
        frame = self.t.get(n.MED_ROBUSTNESS, ["family", "total_effect_sign_stable", "indirect_effect_sign_stable"])
        families = []
        for family in frame["family"]:
            key = {"family": family}
            total_stable = self.fb.flag(n.MED_ROBUSTNESS, key, "total_effect_sign_stable")
            share = None if total_stable else self.fb.value(f"med_robustness_{family}_share_positive",
                                                            n.MED_ROBUSTNESS, key, "total_effect_share_positive",
                                                            "pct")
            families.append(RobustnessFamily(family, total_stable,
                                             self.fb.flag(n.MED_ROBUSTNESS, key, "indirect_effect_sign_stable"),
                                             share))
        return families

    def med_outcome_confounding(self, primary: str) -> OutcomeConfounding:
        key = {"outcome": primary}
        return OutcomeConfounding(self.fb.value("med_mo_rho_at_zero", n.MED_MO, key, "rho_at_nie_zero"),
                                  str(self.fb.raw(n.MED_MO, key, "robustness")))

    def med_heterogeneity(self, primary: str) -> Heterogeneity:
        frame = self.t.get(n.MED_HETEROGENEITY, ["outcome", "model_family", "segment", "segment_value",
                                                 "total_effect"])
        rows = frame[(frame["outcome"] == primary) & (frame["model_family"] == "lightgbm")]
        rows = rows[rows["total_effect"].notna()]
        if rows.empty:
            raise MissingData(f"not available: {self.t.qualified(n.MED_HETEROGENEITY)} has no LightGBM rows")

        def row(which: pd.Series, tag: str) -> HeterogeneityRow:
            key = {"outcome": primary, "model_family": "lightgbm", "segment": which["segment"],
                   "segment_value": which["segment_value"]}
            return HeterogeneityRow(
                str(which["segment"]),
                self.fb.text(f"med_heterogeneity_{tag}_segment", n.MED_HETEROGENEITY, key, "segment_value"),
                self.fb.value(f"med_heterogeneity_{tag}_te", n.MED_HETEROGENEITY, key, "total_effect"))

        return Heterogeneity(row(_first_extreme(rows, "total_effect", largest=True), "top"),
                             row(_first_extreme(rows, "total_effect", largest=False), "bottom"),
                             [float(v) for v in rows["total_effect"]])

    def mediation(self) -> Mediation:
        primary = self.t.run_info("mediation", "primary_outcome") or n.MED_PRIMARY
        interval_type = optional(lambda: self.fb.text(
            "med_crossfit_interval_type", n.MED_CROSSFIT, {"outcome": primary, "model_family": "lightgbm"},
            "interval_type"))
        return Mediation(
            primary_outcome=primary, main=fetch(lambda: self.med_main(primary)),
            alternates=fetch(lambda: self.med_alternates(primary)), crossfit=fetch(lambda: self.med_crossfit(primary)),
            crossfit_interval_type=interval_type, path_model=fetch(lambda: self.med_path_model(primary)),
            overlap=fetch(self.med_overlap), robustness=fetch(self.med_robustness),
            outcome_confounding=fetch(lambda: self.med_outcome_confounding(primary)),
            heterogeneity=fetch(lambda: self.med_heterogeneity(primary)))

    # -- panel -------------------------------------------------------------------------------

    def panel(self) -> Panel:
        checks, users = "mart_panel_readiness_checks", {"check_name": "panel_users"}
        users_ok = optional(lambda: self.fb.flag(checks, users, "passes"))
        below = (optional(lambda: self.fb.value("panel_users", checks, users, "check_value", "int"))
                 if users_ok is False else None)
        definitions = "mart_treatment_definitions"
        return Panel(below,
                     optional(lambda: self.fb.value("threshold_high_watch", definitions,
                                                    {"treatment": "high_watch_exposure"}, "threshold")),
                     optional(lambda: self.fb.value("threshold_high_discovery", definitions,
                                                    {"treatment": "high_discovery"}, "threshold")))


def _first_extreme(frame: pd.DataFrame, column: str, largest: bool) -> pd.Series:
    """The first row with the largest (smallest) value of ``column``."""
    values = frame[column].to_numpy(dtype=float)
    return frame.iloc[int(values.argmax() if largest else values.argmin())]


def _slug(text: object) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")


def gather(tables: ReportTables, book: FactBook | None = None) -> Findings:
    """Every finding of ``tables``, fetched once (nothing is recorded as a fact until stated)."""
    book = book or FactBook(tables)
    fetcher = _Fetcher(tables, book)
    return Findings(
        book=book, simulated=tables.simulated, interaction_matrix=tables.interaction_matrix,
        windows=fetch(fetcher.windows), long_term_size=fetch(fetcher.long_term_size),
        mediation_size=fetch(fetcher.mediation_size), long_term_settings=fetch(fetcher.long_term_settings),
        mediation_n_boot=fetch(fetcher.mediation_n_boot), long_term=fetcher.long_term(),
        mediation=fetcher.mediation(), panel=fetcher.panel())
