"""The written report: ``final_summary.md``, the limitations and the recommendations.

Everything here is a function of the loaded tables. Numbers enter the text only as
:class:`~kuairec_causal.report.facts.Rendered` strings from the :class:`FactBook`, and every
sentence whose truth depends on a result (an interval that does or does not cross zero, the sign
of an effect, a readiness check that passes or not, the size of the indirect effect relative to
the total, which segments stand out, whether an interval covers the planted truth) is chosen by
that result. Digits appear nowhere else: design constants are spelled out in words, and column
names are written as inline code.

A section whose table is missing becomes a one-line "Not available" note (also collected in
:attr:`Narrative.notes`); the rest of the report is still written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from kuairec_causal.report.facts import FactBook, Rendered, select_rows
from kuairec_causal.report.tables import MissingData, ReportTables

# ---------------------------------------------------------------------------------------------
# Names used by the studies' tables

LT_PRIMARY = "future_7day_interactions"
LT_COMPARISON = "long_term_estimator_comparison"
LT_SECONDARY = "long_term_secondary_outcomes"
LT_READINESS = "long_term_weight_readiness"
LT_SENSITIVITY = "long_term_msm_weight_sensitivity"
LT_SEGMENTS = "long_term_segment_effects"
LT_MODERATORS = "long_term_effect_moderator_importance"
LT_EVALUES = "long_term_sensitivity"
LT_INFO = "long_term_run_info"
MSM, GLIN, GLGBM, AIPW, NAIVE = ("MSM, weighted", "G-computation, linear", "G-computation, LightGBM",
                                 "AIPW, doubly robust", "Naive difference in means")
LT_ADJUSTED = (MSM, GLIN, GLGBM, AIPW)
LT_SHORT = {MSM: "weighted MSM", GLIN: "linear g-computation", GLGBM: "LightGBM g-computation", AIPW: "AIPW",
            NAIVE: "the naive difference"}
LT_ESTIMATORS = (*LT_ADJUSTED, NAIVE)
LT_TRUTH_NAMES = {  # mart column -> outcome name of the planted truth
    "future_7day_interactions": "interactions", "future_7day_active_days": "active_days",
    "future_7day_avg_daily_interactions": "avg_daily_interactions", "future_7day_play_hours": "play_hours",
    "outcome_log1p": "log1p_interactions",
}
LT_OUTCOME_WORDS = {
    "future_7day_interactions": "plays over the next seven days",
    "future_7day_active_days": "active days over the next seven days",
    "future_7day_avg_daily_interactions": "average daily plays over the next seven days",
    "future_7day_play_hours": "play hours over the next seven days",
    "outcome_log1p": "log of one plus next-week plays",
}
SEGMENT_WORDS = {
    "prior_interactions_bucket": "plays over the previous three days",
    "lag_interactions_bucket": "plays on the previous day",
    "prior_watch_ratio_bucket": "average watch ratio over the previous three days",
    "prior_high_watch_bucket": "high-watch share over the previous three days",
    "day_of_week": "day of the week",
}

MED_PRIMARY = "Y_future_interactions"
MED_DECOMPOSITION = "mediation_effect_decomposition"
MED_CROSSFIT = "mediation_crossfit_effects"
MED_SEM = "mediation_sem_paths"
MED_ROBUSTNESS = "mediation_robustness_summary"
MED_MO = "mediation_mo_sensitivity_summary"
MED_CHECKS = "mediation_assumption_checks"
MED_OVERLAP = "mediation_overlap_summary"
MED_BALANCE = "mediation_balance_summary"
MED_DESIGN = "mediation_design_summary"
MED_HETEROGENEITY = "mediation_heterogeneity"
MED_INFO = "mediation_run_info"
MED_TRUTH_NAMES = {"Y_future_interactions": "interactions", "Y_future_active_days": "active_days",
                   "Y_future_play_hours": "play_hours"}
MED_OUTCOME_WORDS = {"Y_future_interactions": "next-week plays", "Y_future_active_days": "next-week active days",
                     "Y_future_play_hours": "next-week play hours"}
FAMILY_WORDS = {"linear": "linear", "lightgbm": "LightGBM", "xgboost": "XGBoost"}
ROBUSTNESS_WORDS = {"threshold_sensitivity": "exposure threshold", "mediator_sensitivity": "mediator definition",
                    "model_sensitivity": "model specification", "outcome_sensitivity": "outcome"}
MED_SEGMENT_WORDS = {"prior_activity_group": "prior activity", "prior_satisfaction_group": "prior satisfaction",
                     "prior_discovery_group": "prior discovery", "user_active_degree": "user activity degree"}
MO_WORDS = {"fragile": "fragile", "moderately_robust": "moderately robust", "robust": "robust"}
SMALL_INDIRECT_SHARE = 0.10  # "small": |NIE| below a tenth of |TE| (the studies' own cut-off)


# ---------------------------------------------------------------------------------------------
# Small helpers


def crosses(low: Rendered, high: Rendered) -> bool:
    return low.number <= 0 <= high.number


def sign_word(value: float, positive: str = "positive", negative: str = "negative", zero: str = "zero") -> str:
    return positive if value > 0 else negative if value < 0 else zero


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def interval(low: str, high: str) -> str:
    return f"[{low}, {high}]"


def note_line(error: MissingData) -> str:
    return f"> Not available: `{str(error).removeprefix('not available: ')}`"


@dataclass
class Estimate:
    """An estimate with its interval (``low``/``high`` are None when no interval was computed, e.g. a
    run without bootstrap replicates), all rendered facts."""

    label: str
    estimate: Rendered
    low: Rendered | None
    high: Rendered | None
    truth: Rendered | None = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def crosses_zero(self) -> bool:
        """Whether the interval includes zero (True without an interval: zero cannot be excluded)."""
        return not self.has_interval or crosses(self.low, self.high)

    @property
    def covers_truth(self) -> bool | None:
        if self.truth is None or not self.has_interval:
            return None
        return self.low.number <= self.truth.number <= self.high.number

    def interval_text(self) -> str:
        return interval(self.low, self.high) if self.has_interval else "not computed"

    def text(self, unit: str = "") -> str:
        unit = f" {unit}" if unit else ""
        return f"{self.estimate}{unit} (interval {self.interval_text()})"

    def verdict(self) -> str:
        if not self.has_interval:
            return "no interval was computed, so zero cannot be excluded"
        if self.crosses_zero:
            return "the interval includes zero"
        return f"the interval lies {'above' if self.low.number > 0 else 'below'} zero"

    def truth_note(self) -> str:
        """'inside' / 'outside' the interval, or 'no interval'."""
        covered = self.covers_truth
        return "no interval" if covered is None else "inside the interval" if covered else "outside the interval"


@dataclass
class Narrative:
    markdown: str
    facts: pd.DataFrame
    limitations: pd.DataFrame
    recommendations: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    # Key results, for the headline and the HTML front matter.
    key: dict[str, object] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# The builder


class _Builder:
    def __init__(self, tables: ReportTables) -> None:
        self.t = tables
        self.fb = FactBook(tables)
        self.notes: list[str] = []
        self.key: dict[str, object] = {}
        self.simulated = tables.simulated
        self.lt_primary = tables.run_info("long_term", "primary_outcome") or LT_PRIMARY
        self.med_primary = tables.run_info("mediation", "primary_outcome") or MED_PRIMARY
        # Results gathered by the result sections, used by takeaway, limitations and recommendations.
        self.lt: dict[str, Estimate] = {}
        self.lt_secondary: dict[str, Estimate] = {}
        self.med: dict[str, Estimate] = {}
        self.facts_used: dict[str, Rendered] = {}

    # -- plumbing ----------------------------------------------------------------------------

    def guarded(self, build: Callable[[], list[str]]) -> list[str]:
        try:
            return build()
        except MissingData as error:
            self.notes.append(str(error))
            return [note_line(error)]

    def optional(self, build: Callable[[], object]) -> object | None:
        try:
            return build()
        except MissingData:
            return None

    # -- long-term estimates -----------------------------------------------------------------

    def lt_estimate(self, table: str, outcome: str, estimator: str, prefix: str) -> Estimate:
        key = {"outcome": outcome, "estimator": estimator}
        truth_name = LT_TRUTH_NAMES.get(outcome)
        truth = (self.fb.truth(f"truth_long_term_ate_{truth_name}", "long_term", "ATE", truth_name)
                 if truth_name else None)
        estimate = self.fb.value(f"{prefix}_estimate", table, key, "estimate")
        low, high = self.interval_facts(prefix, table, key)
        return Estimate(estimator, estimate, low, high, truth)

    def interval_facts(self, prefix: str, table: str, key: dict) -> tuple[Rendered | None, Rendered | None]:
        """The interval limits, or (None, None) when the table has no interval for the row."""
        if not (self.fb.has(table, key, "ci_lower") and self.fb.has(table, key, "ci_upper")):
            return None, None
        return (self.fb.value(f"{prefix}_ci_lower", table, key, "ci_lower"),
                self.fb.value(f"{prefix}_ci_upper", table, key, "ci_upper"))

    def med_estimate(self, outcome: str, estimand: str) -> Estimate:
        key = {"outcome": outcome, "estimand": estimand}
        prefix = f"med_{estimand.lower()}_{outcome.lower()}"
        truth_name = MED_TRUTH_NAMES.get(outcome)
        truth = (self.fb.truth(f"truth_mediation_{estimand.lower()}_{truth_name}", "mediation", estimand, truth_name)
                 if truth_name else None)
        estimate = self.fb.value(f"{prefix}_estimate", MED_DECOMPOSITION, key, "estimate")
        low, high = self.interval_facts(prefix, MED_DECOMPOSITION, key)
        return Estimate(estimand, estimate, low, high, truth)

    # -- sections ----------------------------------------------------------------------------

    def data_line(self) -> list[str]:
        lines = []
        matrix = self.t.interaction_matrix
        where = f" (interaction matrix `{matrix}`)" if matrix else ""
        if self.simulated:
            lines.append(f"**Data: the synthetic stand-in.** This run analyses a simulated KuaiRec release{where}, "
                         "not the real logs. Its causal effects were planted by the simulator, so every estimate below "
                         "is also compared with the planted truth; none of the numbers describe real KuaiRec users.")
        else:
            lines.append(f"**Data: the real KuaiRec logs**{where}. No planted truth exists for real data; the "
                         "estimates "
                         "rest on the identification assumptions listed under Limitations.")

        def sizes() -> list[str]:
            rows = self.fb.value("lt_rows", LT_INFO, {"key": "rows"}, "value", "int")
            users = self.fb.value("lt_users", LT_INFO, {"key": "users"}, "value", "int")
            return [f"The long-term panel holds {rows} active user-days from {users} users."]

        def med_sizes() -> list[str]:
            rows = self.fb.value("med_rows", MED_DESIGN, {"item": "analysis_rows"}, "value", "int")
            users = self.fb.value("med_users", MED_DESIGN, {"item": "users"}, "value", "int")
            first = self.fb.text("med_first_date", MED_INFO, {"key": "first_date"}, "value")
            last = self.fb.text("med_last_date", MED_INFO, {"key": "last_date"}, "value")
            return [f"The mediation panel holds {rows} user-days from {users} users, dated {first} to {last}."]

        sentences = self.guarded(sizes) + self.guarded(med_sizes)
        return lines + ["", " ".join(s for s in sentences if not s.startswith(">"))] + [
            s for s in sentences if s.startswith(">")]

    def question(self) -> list[str]:
        return [
            "## Question", "",
            "- **Long-term effects.** Among active user-days with at least three days of history and a complete "
            "next-week follow-up, does a high-watch-exposure day (a day whose high-watch share reaches the "
            "treatment threshold) change how many videos the user plays over the following seven days?",
            "- **Discovery-quality mediation.** Does a high-discovery day (many long-tail or new-category plays) "
            "change next-week engagement, and how much of that change runs through the same day's satisfaction "
            "depth?", "",
        ]

    def why(self) -> list[str]:
        return [
            "## Why it matters", "",
            "Short-term signals such as watch ratio or completion are easy to optimise and easy to over-read: a "
            "recommender can push them up without improving whether people come back. The long-term study asks "
            "whether a day of highly watched videos changes next-week engagement once the user's history is "
            "accounted for, since engaged users both receive such days and return anyway. The mediation study "
            "asks whether discovery pays off, and whether it does so by making the day more satisfying or "
            "through other routes, which decides whether satisfaction is the right metric to guard discovery with.",
            "",
        ]

    def methods(self) -> list[str]:
        lines = ["## Methods", ""]

        def boot() -> list[str]:
            n_boot = self.fb.value("lt_n_boot", LT_INFO, {"key": "n_boot"}, "value", "int")
            folds = self.fb.value("lt_n_folds", LT_INFO, {"key": "n_folds"}, "value", "int")
            splits = self.fb.value("lt_aipw_splits", LT_INFO, {"key": "aipw_cross_fitting_splits"}, "value", "int")
            weight = self.fb.text("lt_analysis_weight", LT_INFO, {"key": "analysis_weight"}, "value")
            lines = [
                "- **Long-term study** (exposure: high-watch-exposure day; outcome: plays over the next seven days; "
                "adjustment: the previous day's and previous three days' activity and watch quality, the calendar "
                "and the user profile):",
                f"  - marginal structural model with inverse-probability weights ({weight});",
                "  - g-computation with a linear (ridge) and a LightGBM outcome model, one model per arm;",
                f"  - cross-fitted doubly robust AIPW ({folds} folds grouped by user, on {splits} independent fold "
                "splits averaged), the primary estimator, whose scores also give the segment effects and the "
                "effect-moderator model;",
                "  - the naive difference in means, for reference.",
                f"- Every interval comes from a user-cluster bootstrap ({n_boot} replicates, users resampled because "
                "each contributes many days): the central ninety-five percent of the replicates, except for AIPW, "
                "whose interval is the normal approximation around its estimate with the bootstrap standard "
                "deviation as standard error, the replicates taking the fold splits in turn so that the "
                "split-to-split spread is in the interval.",
            ]
            if int(self.t.run_info("long_term", "n_boot") or 0) == 0:  # no replicates: say what was computed
                keys = {e: {"outcome": self.lt_primary, "estimator": e} for e in LT_ADJUSTED}
                methods = [f"{LT_SHORT[e]}: {self.fb.text(f'lt_interval_source_{e}', LT_COMPARISON, keys[e], 'source')}"
                           for e in LT_ADJUSTED]
                lines[-1] = f"- No bootstrap replicates were drawn (0 replicates), so the intervals are: {'; '.join(methods)}."
            return lines

        def med() -> list[str]:
            n_boot = self.fb.value("med_n_boot", MED_INFO, {"key": "n_boot"}, "value", "int")
            return [
                "- **Mediation study** (exposure A: high-discovery day; mediator M: same-day satisfaction depth; "
                "outcome Y: next-week plays, with next-week active days and play hours as alternates): linear "
                "g-formula decomposition into total (TE), natural direct (NDE) and indirect (NIE) effects and "
                "controlled direct effects at low and high satisfaction (CDE), a weighted SEM-style path model, "
                "cross-fitted linear, LightGBM and XGBoost mediation, robustness specifications and a sensitivity "
                f"analysis for unmeasured mediator-outcome confounding ({n_boot} user-cluster bootstrap replicates"
                + ("; without replicates no decomposition has an interval)." if int(str(n_boot)) == 0 else ")."),
            ]

        lines += self.guarded(boot) + self.guarded(med)
        return lines + [""]

    # -- long-term results -------------------------------------------------------------------

    def lt_results(self) -> list[str]:
        lines = ["## Main results: long-term study", ""]
        lines += self.guarded(self._lt_main)
        return lines + [""]

    def _lt_main(self) -> list[str]:
        outcome = self.lt_primary
        for label in LT_ESTIMATORS:
            slug = {MSM: "msm", GLIN: "gcomp_linear", GLGBM: "gcomp_lightgbm", AIPW: "aipw", NAIVE: "naive"}[label]
            found = self.optional(lambda label=label, slug=slug: self.lt_estimate(LT_COMPARISON, outcome, label,
                                                                                  f"lt_{slug}"))
            if found is not None:
                self.lt[label] = found
        if AIPW not in self.lt:  # the headline estimator: without it the section is not available
            self.lt_estimate(LT_COMPARISON, outcome, AIPW, "lt_aipw")
        aipw = self.lt[AIPW]
        key = {"outcome": outcome, "estimator": AIPW}
        relative = self.optional(lambda: self.fb.value("lt_aipw_relative_lift", LT_COMPARISON, key, "relative_lift",
                                                       "pct"))
        lines = []
        rel_text = f", a relative change of {relative} against the estimated control mean" if relative else ""
        lines.append(f"- **AIPW, doubly robust (primary):** {aipw.text('plays')} per high-watch-exposure day"
                     f"{rel_text}; {aipw.verdict()}.")
        for label in (MSM, GLIN, GLGBM):
            if label in self.lt:
                lines.append(f"- **{label}:** {self.lt[label].text()}; {self.lt[label].verdict()}.")
        if NAIVE in self.lt:
            lines.append(f"- **Naive difference in means (unadjusted):** {self.lt[NAIVE].text()}.")
        lines.append("")
        # The verdict, then agreement across estimators, then confounding, then truth.
        if aipw.crosses_zero:
            verdict = ("The primary AIPW interval includes zero: these data do not show a clear average effect of a "
                       "high-watch-exposure day on plays over the next seven days.")
        else:
            direction = "more" if aipw.estimate.number > 0 else "fewer"
            verdict = (f"The primary AIPW interval lies entirely {'above' if aipw.estimate.number > 0 else 'below'} "
                       f"zero: after adjustment, a high-watch-exposure day is followed by {direction} plays over the "
                       "next seven days.")
        adjusted = [self.lt[label] for label in LT_ADJUSTED if label in self.lt]
        crossing = [LT_SHORT.get(e.label, e.label) for e in adjusted if e.crosses_zero]
        excluding = [LT_SHORT.get(e.label, e.label) for e in adjusted if not e.crosses_zero]
        signs = {sign_word(e.estimate.number) for e in adjusted}
        if not excluding:
            agreement = ("Every adjusted estimator's interval includes zero, so the conclusion does not hinge on the "
                         "estimator.")
        elif not crossing:
            sides = {e.low.number > 0 for e in adjusted}
            if len(sides) == 1:
                agreement = (f"Every adjusted estimator's interval lies {'above' if sides.pop() else 'below'} zero, "
                             "so the direction does not hinge on the estimator.")
            else:
                agreement = ("Every adjusted interval excludes zero, but on different sides: the estimators disagree "
                             "on the direction.")
        else:
            agreement = (f"The adjusted estimators disagree: the intervals of {join_words(excluding)} exclude zero, "
                         f"while those of {join_words(crossing)} include it.")
        agreement += (" Their point estimates share one sign." if len(signs) == 1
                      else " Their point estimates differ in sign.")
        lines.append(verdict + " " + agreement)
        if NAIVE in self.lt and adjusted:
            naive = self.lt[NAIVE].estimate.number
            high = max(e.estimate.number for e in adjusted)
            low = min(e.estimate.number for e in adjusted)
            if naive > high:
                share = "most" if naive > 0 and (naive - max(high, 0.0)) > naive / 2 else "part"
                text = ("The unadjusted difference is larger than every adjusted estimate: users who get "
                        f"high-watch days were already more active, and {share} of the raw gap reflects that history.")
            elif naive < low:
                text = ("The unadjusted difference is smaller than every adjusted estimate: adjustment for history "
                        "raises the estimate.")
            else:
                text = "The unadjusted difference lies within the range of the adjusted estimates."
            lines += ["", text]
        if self.simulated:
            lines += ["", self._truth_sentence(adjusted + ([self.lt[NAIVE]] if NAIVE in self.lt else []),
                                               "average effect", "plays")]
        self.key["lt_aipw"] = aipw
        return lines

    def _truth_sentence(self, estimates: Sequence[Estimate], what: str, unit: str) -> str:
        with_truth = [e for e in estimates if e.truth is not None]
        if not with_truth:
            return "The planted truth does not cover this estimand, so the estimates cannot be checked against it."
        truth = with_truth[0].truth
        covered = [LT_SHORT.get(e.label, e.label) for e in with_truth if e.covers_truth is True]
        missed = [LT_SHORT.get(e.label, e.label) for e in with_truth if e.covers_truth is False]
        text = f"**Against the planted truth:** the simulator planted an {what} of {truth} {unit}. "
        if covered and missed:
            text += (f"The intervals of {join_words(covered)} contain it; those of {join_words(missed)} do not.")
        elif covered:
            text += "Every interval shown contains it."
        elif missed:
            text += "No interval shown contains it."
        else:
            text += "No interval was computed, so coverage cannot be checked."
        return text

    def lt_sensitivity(self) -> list[str]:
        lines = ["### Long-term study", ""]
        lines += self.guarded(self._lt_readiness)
        lines += self.guarded(self._lt_weight_sensitivity)
        lines += self.guarded(self._lt_secondary)
        lines += self.guarded(self._lt_segments)
        lines += self.guarded(self._lt_moderators)
        lines += self.guarded(self._lt_evalue)
        return lines + [""]

    def _lt_readiness(self) -> list[str]:
        def check(check_id: str, fmt: str) -> tuple[Rendered, Rendered, bool]:
            key = {"check_id": check_id}
            return (self.fb.value(f"lt_readiness_{check_id}_value", LT_READINESS, key, "value", fmt),
                    self.fb.value(f"lt_readiness_{check_id}_threshold", LT_READINESS, key, "threshold", fmt),
                    self.fb.flag(LT_READINESS, key, "passes"))

        overlap, overlap_limit, overlap_ok = check("overlap", "pct")
        ess, ess_target, ess_ok = check("effective_sample_size", "pct")
        mean_after, mean_before, mean_ok = check("mean_abs_smd", "num")
        max_after, max_before, max_ok = check("max_abs_smd", "num")
        self.key["lt_overlap_ok"], self.key["lt_ess_ok"] = overlap_ok, ess_ok
        self.key["lt_overlap"], self.key["lt_ess"] = overlap, ess
        parts = []
        if mean_ok and max_ok:
            parts.append(f"Weighting improved observed balance: the mean absolute SMD fell from {mean_before} to "
                         f"{mean_after} and the largest from {max_before} to {max_after}.")
        else:
            parts.append(f"Weighting did not improve every balance summary: mean absolute SMD {mean_before} before "
                         f"and {mean_after} after, largest {max_before} before and {max_after} after.")
        if overlap_ok:
            parts.append(f"Overlap passes its check: {overlap} of user-days have an extreme propensity "
                         f"(limit {overlap_limit}).")
        else:
            parts.append(f"Overlap is imperfect: {overlap} of user-days have an extreme propensity, above the limit of "
                         f"{overlap_limit}.")
        if ess_ok:
            parts.append(f"The analysis weight keeps an effective sample size of {ess} of the rows "
                         f"(target {ess_target}).")
        else:
            parts.append(f"The analysis weight keeps an effective sample size of only {ess} of the rows (target "
                         f"{ess_target}), so the weighted estimates are less precise than the row count suggests.")
        return ["- **Weights and overlap.** " + " ".join(parts)]

    def _lt_weight_sensitivity(self) -> list[str]:
        weighted = {"weight_column": ["!=", "unweighted"]}
        low = self.fb.aggregate("lt_msm_sensitivity_min", LT_SENSITIVITY, weighted, "estimate", "min")
        high = self.fb.aggregate("lt_msm_sensitivity_max", LT_SENSITIVITY, weighted, "estimate", "max")
        total = self.fb.aggregate("lt_msm_sensitivity_specs", LT_SENSITIVITY, weighted, "*", "count")
        crossing = self.fb.aggregate("lt_msm_sensitivity_crossing", LT_SENSITIVITY,
                                     {**weighted, "interval_crosses_zero": True}, "*", "count")
        text = (f"- **MSM weight sensitivity.** Across the {total} weighted specifications (logistic and LightGBM "
                f"propensities, stabilized or not, clipped or not) the MSM estimate ranges from {low} to {high}; ")
        if crossing.number == total.number:
            text += "every interval includes zero."
        elif crossing.number == 0:
            text += "no interval includes zero."
        else:
            text += f"{crossing} of the intervals include zero, so the MSM verdict depends on the weight choice."
        if (low.number > 0) == (high.number > 0) and low.number != 0:
            text += f" All point estimates are {sign_word(low.number)}."
        else:
            text += " The point estimates change sign with the weight choice."
        return [text]

    def _lt_secondary(self) -> list[str]:
        frame = self.t.get(LT_SECONDARY, ["outcome", "estimator"])
        outcomes = list(dict.fromkeys(frame.loc[frame["estimator"] == AIPW, "outcome"]))
        if not outcomes:
            raise MissingData(f"not available: {self.t.qualified(LT_SECONDARY)} has no AIPW rows")
        parts = []
        for outcome in outcomes:
            estimate = self.lt_estimate(LT_SECONDARY, outcome, AIPW, f"lt_secondary_aipw_{outcome}")
            self.lt_secondary[outcome] = estimate
            words = LT_OUTCOME_WORDS.get(outcome, f"`{outcome}`")
            planted = ("" if estimate.truth is None else
                       f" (planted {estimate.truth}, {estimate.truth_note()})")
            parts.append(f"{words}: {estimate.text()}, {estimate.verdict()}{planted}")
        def moved(outcome: str) -> str:
            direction = sign_word(self.lt_secondary[outcome].estimate.number, "up", "down")
            return f"{LT_OUTCOME_WORDS.get(outcome, outcome)} ({direction})"

        clear = [o for o, e in self.lt_secondary.items() if not e.crosses_zero]
        unclear = [o for o, e in self.lt_secondary.items() if e.crosses_zero]
        primary = self.lt.get(AIPW)
        if not clear:
            either = " either" if primary is not None and primary.crosses_zero else ""
            tail = f"No secondary outcome shows a clear change{either}."
        elif not unclear:
            tail = "Every secondary outcome shows a clear change: " + join_words([moved(o) for o in clear]) + "."
        else:
            tail = (f"A clear change shows in {join_words([moved(o) for o in clear])}, but not in "
                    f"{join_words([LT_OUTCOME_WORDS.get(o, o) for o in unclear])}: the outcome families do not move "
                    "together.")
        return ["- **Secondary outcomes (AIPW).** " + "; ".join(parts) + ". " + tail]

    def _lt_segments(self) -> list[str]:
        frame = self.t.get(LT_SEGMENTS, ["segment_type", "segment", "aipw_ate", "passes_size_filter", "ci_lower",
                                         "ci_upper"])
        eligible = frame[frame["passes_size_filter"].fillna(False).astype(bool) & frame["aipw_ate"].notna()]
        if eligible.empty:
            return ["- **Segments (AIPW).** No segment passes the size filter, so no segment effect is reported."]
        passes = {"passes_size_filter": True}
        total = self.fb.aggregate("lt_segments_eligible", LT_SEGMENTS, passes, "*", "count")
        clear = {**passes, "interval_crosses_zero": False}
        above_key, below_key = {**clear, "aipw_ate": [">", 0]}, {**clear, "aipw_ate": ["<", 0]}
        n_above, n_below = len(select_rows(frame, above_key)), len(select_rows(frame, below_key))

        def name(row: pd.Series, fact_id: str) -> str:
            key = {"segment_type": row["segment_type"], "segment": row["segment"]}
            label = self.fb.text(fact_id, LT_SEGMENTS, key, "segment")
            return f"{SEGMENT_WORDS.get(row['segment_type'], row['segment_type'])} {label}"

        def describe(row: pd.Series, tag: str) -> str:
            key = {"segment_type": row["segment_type"], "segment": row["segment"]}
            est = self.fb.value(f"lt_segment_{tag}_estimate", LT_SEGMENTS, key, "aipw_ate")
            lo = self.fb.value(f"lt_segment_{tag}_ci_lower", LT_SEGMENTS, key, "ci_lower")
            hi = self.fb.value(f"lt_segment_{tag}_ci_upper", LT_SEGMENTS, key, "ci_upper")
            return f"{name(row, f'lt_segment_{tag}_label')}: {est} (interval {interval(lo, hi)})"

        top = eligible.loc[eligible["aipw_ate"].idxmax()]
        bottom = eligible.loc[eligible["aipw_ate"].idxmin()]
        text = (f"- **Segments (AIPW).** Of the {total} segments large enough to report, the largest estimate is for "
                f"{describe(top, 'top')} and the smallest for {describe(bottom, 'bottom')}. ")
        self.key["lt_segments_clear"] = n_above + n_below
        if n_above + n_below == 0:
            text += ("No reported segment's interval excludes zero, so segment differences are hypotheses for an "
                     "experiment, not targeting rules.")
            return [text]
        counts = []
        for n, key, fact_id, where in ((n_above, above_key, "lt_segments_above_zero", "above"),
                                       (n_below, below_key, "lt_segments_below_zero", "below")):
            if n:
                counts.append(f"{self.fb.aggregate(fact_id, LT_SEGMENTS, key, '*', 'count')} "
                              f"{'has' if n == 1 else 'have'} an interval entirely {where} zero")
            else:
                counts.append(f"none has an interval entirely {where} zero")
        text += f"Of these, {counts[0]} and {counts[1]}. "
        aipw = self.lt.get(AIPW)
        if aipw is None:
            return [text + "With this many segments some intervals exclude zero by chance: treat them as hypotheses."]
        overall = aipw.estimate.number
        higher = eligible[eligible["ci_lower"] > overall].sort_values("aipw_ate", ascending=False)
        lower = eligible[eligible["ci_upper"] < overall].sort_values("aipw_ate")
        self.key["lt_segments_stand_out"] = len(higher) + len(lower)
        if higher.empty and lower.empty:
            text += ("Every reported interval contains the overall AIPW estimate, so no segment clearly departs from "
                     "the average effect.")
            return [text]
        parts = []
        for rows, where, tag in ((higher, "above", "high"), (lower, "below", "low")):
            if not rows.empty:
                names = [name(row, f"lt_segment_{tag}_{i}_label")
                         for i, (_, row) in enumerate(rows.head(3).iterrows(), 1)]
                more = " and others" if len(rows) > 3 else ""
                verb = "lies" if len(rows) == 1 else "lie"
                parts.append(f"{join_words(names)}{more} {verb} {where} it")
        text += (f"Segments that stand out from the overall AIPW estimate: {'; '.join(parts)}. With this many segments "
                 "some differences arise by chance, so treat them as hypotheses for a stratified experiment.")
        return [text]

    def _lt_moderators(self) -> list[str]:
        frame = self.t.get(LT_MODERATORS, ["rank", "feature", "importance_share"])
        top = frame.sort_values("rank").head(3)
        parts = []
        for _, row in top.iterrows():
            key = {"rank": int(row["rank"])}
            name = self.fb.text(f"lt_moderator_{int(row['rank'])}_feature", LT_MODERATORS, key, "feature")
            share = self.fb.value(f"lt_moderator_{int(row['rank'])}_share", LT_MODERATORS, key, "importance_share",
                                  "pct")
            parts.append(f"`{name}` ({share})")
        self.key["lt_top_moderators"] = [str(f) for f in top["feature"]]
        return [f"- **Effect moderators.** The model that smooths the AIPW scores leans most on {join_words(parts)} "
                "of its importance; these histories are the natural strata for a follow-up experiment."]

    def _lt_evalue(self) -> list[str]:
        key = {"outcome": self.lt_primary, "estimator": AIPW}
        evalue = self.fb.value("lt_aipw_evalue", LT_EVALUES, key, "evalue_estimate")
        evalue_ci = self.fb.value("lt_aipw_evalue_ci", LT_EVALUES, key, "evalue_ci")
        if evalue_ci.number <= 1.0:
            tail = "the interval already includes no effect, so no unmeasured confounding is needed to reach it."
        else:
            tail = (f"a confounder with risk ratio {evalue_ci} with both exposure and outcome would move the interval "
                    "to include no effect.")
        self.key["lt_evalue_ci"] = evalue_ci
        return [f"- **Unmeasured confounding (E-value).** An unmeasured confounder would need a risk ratio of {evalue} "
                f"with both exposure and outcome to explain away the AIPW estimate; {tail}"]

    # -- mediation results -------------------------------------------------------------------

    def med_results(self) -> list[str]:
        lines = ["## Main results: mediation study", ""]
        lines += self.guarded(self._med_main)
        lines += self.guarded(self._med_alternates)
        lines += self.guarded(self._med_models)
        return lines + [""]

    def _med_main(self) -> list[str]:
        outcome = self.med_primary
        for estimand in ("TE", "NDE", "NIE", "CDE_low", "CDE_high"):
            found = self.optional(lambda e=estimand: self.med_estimate(outcome, e))
            if found is not None:
                self.med[estimand] = found
        if "TE" not in self.med:
            self.med_estimate(outcome, "TE")
        te = self.med["TE"]
        lines = [f"- **Total effect (TE):** {te.text('plays')} on next-week plays; {te.verdict()}."]
        if "NDE" in self.med:
            lines.append(f"- **Natural direct effect (NDE):** {self.med['NDE'].text()}; {self.med['NDE'].verdict()}.")
        if "NIE" in self.med:
            lines.append(f"- **Natural indirect effect through satisfaction (NIE):** {self.med['NIE'].text()}; "
                         f"{self.med['NIE'].verdict()}.")
        for estimand, words in (("CDE_low", "low"), ("CDE_high", "high")):
            if estimand in self.med:
                m = self.optional(lambda e=estimand: self.fb.value(
                    f"med_{e.lower()}_mediator_value", MED_DECOMPOSITION, {"outcome": outcome, "estimand": e},
                    "mediator_value"))
                at = f" (satisfaction depth fixed at {m})" if m else ""
                lines.append(f"- **Controlled direct effect, {words} satisfaction{at}:** {self.med[estimand].text()}.")
        lines.append("")
        paragraph = []
        if te.crosses_zero:
            paragraph.append("The total-effect interval includes zero: the data do not show a clear effect of a "
                             "high-discovery day on next-week plays.")
        else:
            paragraph.append(f"A high-discovery day is followed by {'more' if te.estimate.number > 0 else 'fewer'} "
                             "next-week plays, and the total-effect interval excludes zero.")
        if "NIE" in self.med:
            nie = self.med["NIE"]
            share = self.optional(lambda: self.fb.value("med_proportion_mediated", MED_DECOMPOSITION,
                                                        {"outcome": outcome, "estimand": "proportion_mediated"},
                                                        "estimate", "pct"))
            small = abs(nie.estimate.number) < SMALL_INDIRECT_SHARE * abs(te.estimate.number)
            self.key["med_nie_small"] = small
            if nie.crosses_zero:
                paragraph.append("The indirect effect through satisfaction depth is not distinguishable from zero.")
            elif te.crosses_zero:
                direction = "raises" if nie.estimate.number > 0 else "lowers"
                paragraph.append(f"The indirect effect is clearly {sign_word(nie.estimate.number)} even though the "
                                 f"total is not: the pathway through satisfaction depth {direction} next-week plays, "
                                 "while the other pathways are too uncertain to sign.")
            elif (nie.estimate.number > 0) == (te.estimate.number > 0):
                paragraph.append("Part of the effect runs through satisfaction depth: the indirect effect has the "
                                 "same sign as the total.")
            else:
                paragraph.append("The indirect path works against the total effect: high discovery moves satisfaction "
                                 "depth in a direction that lowers next-week plays, and the direct path carries the "
                                 "rest." if te.estimate.number > 0 else
                                 "The indirect path has the opposite sign to the total effect.")
            if share is not None and not te.crosses_zero:
                size = ("small relative to the total (under a tenth of it)" if small
                        else "not small relative to the total")
                paragraph.append(f"The indirect effect is {size}: NIE divided by TE is {share}.")
            elif share is not None:
                paragraph.append(f"With a total effect this uncertain, the ratio NIE / TE ({share}) is not a stable "
                                 "share mediated.")
        shift = self.optional(lambda: self.med_shift(outcome))
        if shift is not None:
            paragraph.append(shift)
        if "CDE_low" in self.med and "CDE_high" in self.med:
            low, high = self.med["CDE_low"], self.med["CDE_high"]
            overlap = (not (low.has_interval and high.has_interval)
                       or (low.low.number <= high.high.number and high.low.number <= low.high.number))
            larger = "high" if high.estimate.number > low.estimate.number else "low"
            paragraph.append(f"The direct effect is larger when satisfaction is {larger}"
                             + (" but the two controlled-direct intervals overlap." if overlap
                                else ", and the two controlled-direct intervals do not overlap: the exposure and the "
                                     "mediator interact."))
        lines.append(" ".join(paragraph))
        if self.simulated:
            lines += ["", self._med_truth()]
        self.key["med"] = dict(self.med)
        return lines

    def med_shift(self, outcome: str) -> str:
        key = {"outcome": outcome, "estimand": "mediator_shift"}
        est = self.fb.value("med_mediator_shift_estimate", MED_DECOMPOSITION, key, "estimate")
        lo = self.fb.value("med_mediator_shift_ci_lower", MED_DECOMPOSITION, key, "ci_lower")
        hi = self.fb.value("med_mediator_shift_ci_upper", MED_DECOMPOSITION, key, "ci_upper")
        if crosses(lo, hi):
            return (f"High discovery leaves satisfaction depth essentially unchanged ({est}, interval "
                    f"{interval(lo, hi)}).")
        return (f"High discovery {'raises' if est.number > 0 else 'lowers'} satisfaction depth (mediator shift {est}, "
                f"interval {interval(lo, hi)}).")

    def _med_truth(self) -> str:
        parts, covered, missed = [], [], []
        for estimand in ("TE", "NDE", "NIE", "CDE_low", "CDE_high"):
            e = self.med.get(estimand)
            if e is None or e.truth is None:
                continue
            parts.append(f"{estimand} {e.truth}")
            if e.covers_truth is not None:
                (covered if e.covers_truth else missed).append(estimand)
        if not parts:
            return "The planted truth does not cover these estimands."
        text = f"**Against the planted truth:** the simulator planted {join_words(parts)} next-week plays. "
        if covered and missed:
            text += (f"The intervals of {join_words(covered)} contain the planted value; those of "
                     f"{join_words(missed)} do not.")
        elif covered:
            text += "Every interval contains its planted value."
        elif missed:
            text += "No interval contains its planted value."
        else:
            text += "No interval was computed, so coverage cannot be checked."
        return text

    def _med_alternates(self) -> list[str]:
        frame = self.t.get(MED_DECOMPOSITION, ["outcome", "estimand"])
        outcomes = [o for o in dict.fromkeys(frame["outcome"]) if o != self.med_primary]
        lines = []
        for outcome in outcomes:
            te = self.optional(lambda o=outcome: self.med_estimate(o, "TE"))
            nie = self.optional(lambda o=outcome: self.med_estimate(o, "NIE"))
            if te is None:
                continue
            words = MED_OUTCOME_WORDS.get(outcome, f"`{outcome}`")
            text = f"- **Alternate outcome, {words}:** TE {te.text()}, {te.verdict()}"
            if nie is not None:
                text += f"; NIE {nie.text()}, {nie.verdict()}"
            for name, e in (("TE", te), ("NIE", nie)):
                if e is not None and e.truth is not None:
                    text += f"; planted {name} {e.truth} ({e.truth_note()})"
            lines.append(text + ".")
        return ([""] + lines) if lines else []

    def _med_models(self) -> list[str]:
        lines = [""]
        lines += self.guarded(self._med_crossfit)
        lines += self.guarded(self._med_sem)
        return lines

    def _med_crossfit(self) -> list[str]:
        frame = self.t.get(MED_CROSSFIT, ["outcome", "model_family", "total_effect", "indirect_effect"])
        families = [f for f in dict.fromkeys(frame.loc[frame["outcome"] == self.med_primary, "model_family"])]
        if not families:
            raise MissingData(f"not available: {self.t.qualified(MED_CROSSFIT)} has no rows for {self.med_primary}")
        parts, te_signs, nie_signs = [], set(), set()
        for family in families:
            key = {"outcome": self.med_primary, "model_family": family}
            te = self.fb.value(f"med_crossfit_{family}_te", MED_CROSSFIT, key, "total_effect")
            nie = self.fb.value(f"med_crossfit_{family}_nie", MED_CROSSFIT, key, "indirect_effect")
            te_signs.add(sign_word(te.number))
            nie_signs.add(sign_word(nie.number))
            parts.append(f"{FAMILY_WORDS.get(family, family)} TE {te}, NIE {nie}")
        names = join_words([FAMILY_WORDS.get(f, f) for f in families])
        text = f"- **Cross-fitted models** (folds grouped by user): {'; '.join(parts)}. "
        if len(te_signs) == 1:
            text += f"The {names} models agree on a {te_signs.pop()} total effect"
            text += (f" and a {nie_signs.pop()} indirect effect." if len(nie_signs) == 1
                     else ", but the indirect effect changes sign between them.")
        else:
            text += f"The {names} models disagree on the sign of the total effect"
            text += (f" but agree on a {nie_signs.pop()} indirect effect." if len(nie_signs) == 1
                     else " and of the indirect effect.")
        text += (" Their intervals hold the nuisance models fixed and so understate the uncertainty.")
        self.key["med_crossfit_te_agree"] = len({sign_word(float(v)) for v in frame.loc[
            frame["outcome"] == self.med_primary, "total_effect"]}) == 1
        return [text]

    def _med_sem(self) -> list[str]:
        key = {"outcome": self.med_primary, "path_quantity": "indirect_alpha_beta"}
        ab = self.fb.value("med_sem_indirect", MED_SEM, key, "estimate")
        lo = self.fb.value("med_sem_indirect_ci_lower", MED_SEM, key, "ci_lower")
        hi = self.fb.value("med_sem_indirect_ci_upper", MED_SEM, key, "ci_upper")
        direct_key = {"outcome": self.med_primary, "path_quantity": "c_prime_A_to_Y"}
        direct = self.fb.value("med_sem_direct", MED_SEM, direct_key, "estimate")
        text = (f"- **Weighted SEM-style path model:** direct path {direct}, indirect path (alpha times beta) {ab} "
                f"(interval {interval(lo, hi)}). ")
        if "NIE" in self.med:
            same = (ab.number > 0) == (self.med["NIE"].estimate.number > 0)
            text += ("The path product points the same way as the g-formula indirect effect." if same else
                     "The path product points the other way from the g-formula indirect effect, so the indirect "
                     "effect's sign depends on the model.")
        return [text]

    def med_sensitivity(self) -> list[str]:
        lines = ["### Mediation study", ""]
        lines += self.guarded(self._med_overlap)
        lines += self.guarded(self._med_robustness)
        lines += self.guarded(self._med_mo)
        lines += self.guarded(self._med_heterogeneity)
        return lines + [""]

    def _med_overlap(self) -> list[str]:
        finding = self.fb.raw(MED_CHECKS, {"assumption": "positivity_overlap"}, "finding")
        share = self.fb.value("med_overlap_share_extreme", MED_OVERLAP,
                              {"diagnostic": "share_propensity_outside_0_05_0_95"}, "value", "pct")
        ess = self.fb.value("med_overlap_ess", MED_OVERLAP, {"diagnostic": "effective_sample_size"}, "value", "int")
        before = self.fb.value("med_balance_max_before", MED_BALANCE, {"diagnostic": "max_abs_smd_before"}, "value")
        after = self.fb.value("med_balance_max_after", MED_BALANCE, {"diagnostic": "max_abs_smd_after"}, "value")
        above = self.fb.value("med_balance_above_after", MED_BALANCE, {"diagnostic": "n_above_0_1_after"}, "value",
                              "int")
        self.key["med_overlap_finding"] = str(finding)
        words = {"supported": "overlap is adequate", "limited": "overlap is limited",
                 "violated": "overlap fails"}.get(str(finding), f"the overlap check reads '{finding}'")
        text = (f"- **Overlap and balance.** The overlap check finds that {words}: {share} of user-days have a "
                f"propensity outside the central band, and the capped weights keep a Kish effective sample size of "
                f"{ess}. Weighting cut the largest absolute SMD from {before} to {after}")
        if above.number == 0:
            text += ", with no covariate left above the usual imbalance flag."
        else:
            text += (f"; {above} encoded covariate(s) stay above the usual imbalance flag, so regression adjustment "
                     "does part of the work.")
        return [text]

    def _med_robustness(self) -> list[str]:
        frame = self.t.get(MED_ROBUSTNESS, ["family", "total_effect_sign_stable", "indirect_effect_sign_stable"])
        unstable_te, unstable_nie = [], []
        for family in frame["family"]:
            key = {"family": family}
            words = ROBUSTNESS_WORDS.get(family, family)
            if not self.fb.flag(MED_ROBUSTNESS, key, "total_effect_sign_stable"):
                share = self.fb.value(f"med_robustness_{family}_share_positive", MED_ROBUSTNESS, key,
                                      "total_effect_share_positive", "pct")
                unstable_te.append(f"{words} ({share} of specifications positive)")
            if not self.fb.flag(MED_ROBUSTNESS, key, "indirect_effect_sign_stable"):
                unstable_nie.append(words)
        text = "- **Robustness specifications.** "
        if unstable_te:
            family = "family" if len(unstable_te) == 1 else "families"
            text += f"The sign of the total effect changes within the {join_words(unstable_te)} {family}"
        else:
            text += "The total effect keeps its sign in every specification of every family"
        if unstable_nie:
            family = "family" if len(unstable_nie) == 1 else "families"
            text += f"; the indirect effect changes sign within the {join_words(unstable_nie)} {family}."
        else:
            text += "; the indirect effect keeps its sign throughout."
        self.key["med_robust_te"] = not unstable_te
        return [text]

    def _med_mo(self) -> list[str]:
        key = {"outcome": self.med_primary}
        rho = self.fb.value("med_mo_rho_at_zero", MED_MO, key, "rho_at_nie_zero")
        label = self.fb.raw(MED_MO, key, "robustness")
        self.key["med_mo_label"] = str(label)
        words = {"fragile": "fragile: a weak", "moderately_robust": "moderately robust: a moderate",
                 "robust": "robust: only a strong"}.get(str(label), f"'{label}': a")
        return [f"- **Unmeasured mediator-outcome confounding.** The indirect effect reaches zero at an error "
                f"correlation of {rho}, so it is {words} unmeasured confounder of satisfaction and next-week plays "
                "would be enough to explain it away."]

    def _med_heterogeneity(self) -> list[str]:
        frame = self.t.get(MED_HETEROGENEITY, ["outcome", "model_family", "segment", "segment_value", "total_effect"])
        rows = frame[(frame["outcome"] == self.med_primary) & (frame["model_family"] == "lightgbm")]
        rows = rows[rows["total_effect"].notna()]
        if rows.empty:
            raise MissingData(f"not available: {self.t.qualified(MED_HETEROGENEITY)} has no LightGBM rows")

        def describe(row: pd.Series, tag: str) -> str:
            key = {"outcome": self.med_primary, "model_family": "lightgbm", "segment": row["segment"],
                   "segment_value": row["segment_value"]}
            value = self.fb.text(f"med_heterogeneity_{tag}_segment", MED_HETEROGENEITY, key, "segment_value")
            te = self.fb.value(f"med_heterogeneity_{tag}_te", MED_HETEROGENEITY, key, "total_effect")
            return f"{value} ({MED_SEGMENT_WORDS.get(row['segment'], row['segment'])}, TE {te})"

        top = rows.loc[rows["total_effect"].idxmax()]
        bottom = rows.loc[rows["total_effect"].idxmin()]
        signs = {sign_word(float(v)) for v in rows["total_effect"]}
        text = (f"- **Heterogeneity (cross-fitted LightGBM).** The total effect is largest for {describe(top, 'top')} "
                f"and smallest for {describe(bottom, 'bottom')}. ")
        text += ("It has the same sign in every segment." if len(signs) == 1
                 else "Its sign differs between segments.")
        return [text + " These are descriptive summaries of model predictions, not separately identified subgroup "
                "effects."]

    # -- takeaway, limitations, recommendations -----------------------------------------------

    def takeaway(self) -> list[str]:
        lines = ["## Product takeaway", ""]
        aipw = self.lt.get(AIPW)
        if aipw is None:
            lines.append("- Long-term: not available (the estimator comparison is missing).")
        elif aipw.crosses_zero:
            lines.append("- **Long-term:** do not treat high-watch exposure as a lever for next-week engagement; the "
                         "offline evidence shows no clear average effect. Keep it as a short-term satisfaction signal "
                         "and validate it against long-term metrics in an online test.")
        elif aipw.estimate.number > 0:
            lines.append("- **Long-term:** high-watch-exposure days are followed by more next-week plays after "
                         "adjustment; this makes high-watch exposure a candidate lever worth an online experiment, "
                         "not yet a proven one.")
        else:
            lines.append("- **Long-term:** high-watch-exposure days are followed by fewer next-week plays after "
                         "adjustment; optimising for them could cost long-term engagement and should be tested before "
                         "any rollout.")
        te = self.med.get("TE")
        nie = self.med.get("NIE")
        if te is None:
            lines.append("- Mediation: not available (the effect decomposition is missing).")
        else:
            clear_nie = nie is not None and not nie.crosses_zero
            if te.crosses_zero:
                text = "- **Discovery:** no clear total effect of high-discovery days on next-week plays"
                if not clear_nie:
                    text += ", and no clear pathway through satisfaction depth."
                elif nie.estimate.number < 0:
                    text += ("; but the pathway through satisfaction depth clearly lowers next-week plays, so watch "
                             "satisfaction as a guardrail whenever discovery is pushed.")
                else:
                    text += ("; the pathway through satisfaction depth clearly raises next-week plays, so discovery that "
                             "keeps satisfaction high is the variant worth testing.")
            else:
                more = te.estimate.number > 0
                text = f"- **Discovery:** high-discovery days go with {'more' if more else 'fewer'} next-week plays; "
                if not clear_nie:
                    text += ("satisfaction depth does not carry a measurable part of it, so it is a weak proxy for the "
                             "value of discovery.")
                elif (nie.estimate.number > 0) == more and not self.key.get("med_nie_small", True):
                    text += ("a real part of it runs through satisfaction depth, which makes satisfaction a reasonable "
                             "guide for discovery.")
                elif (nie.estimate.number > 0) == more:
                    text += ("only a small part runs through satisfaction depth, so most of the value comes from other "
                             "routes.")
                else:
                    text += ("the pathway through satisfaction depth pulls the other way, so track satisfaction as a "
                             "guardrail on discovery rather than as the reason discovery works.")
            lines.append(text)
        if self.simulated:
            lines.append("- These statements describe the synthetic stand-in; rerun on the real archive before drawing "
                         "product conclusions.")
        return lines + [""]

    def limitations(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []

        def add(limitation: str, why: str, mitigation: str, evidence: str) -> None:
            rows.append({"limitation": limitation, "why_it_matters": why, "mitigation_in_project": mitigation,
                         "evidence_in_this_run": evidence})

        naive, aipw = self.lt.get(NAIVE), self.lt.get(AIPW)
        evidence = "not available"
        if naive is not None and aipw is not None:
            evidence = (f"The unadjusted difference ({naive.estimate}) and the AIPW estimate ({aipw.estimate}) "
                        + ("differ, showing how much history drives the raw comparison."
                           if not aipw.has_interval or abs(naive.estimate.number - aipw.estimate.number)
                           > abs(aipw.high.number - aipw.low.number) / 2
                           else "are close, so confounding by observed history is mild here."))
        add("Observational logs", "Neither high-watch nor high-discovery days were randomised; validity rests on "
            "adjusting for what was observed.", "History, calendar and profile adjustment; weighting, outcome models "
            "and doubly robust estimation compared side by side.", evidence)
        evidence = "not available"
        evalue = self.key.get("lt_evalue_ci")
        if evalue is not None:
            evidence = (f"E-value of the AIPW interval: {evalue}"
                        + (" (the interval already includes no effect)." if evalue.number <= 1 else "."))
        add("Sequential ignorability", "Unrecorded intent or recommender state could drive both exposure and "
            "future use.", "E-values for the long-term estimates; a correlation-based sensitivity analysis for the "
            "indirect effect.", evidence)
        overlap_ok, ess_ok = self.key.get("lt_overlap_ok"), self.key.get("lt_ess_ok")
        if overlap_ok is None:
            add("Overlap", "Extreme propensities make weighted estimates rest on few comparable days.",
                "Propensity diagnostics, clipped and stabilized weights, weight sensitivity.", "not available")
        else:
            title = ("Imperfect overlap" if not overlap_ok else "Reduced effective sample size" if not ess_ok
                     else "Overlap (adequate in this run)")
            add(title, "Extreme propensities make weighted estimates rest on few comparable days.",
                "Propensity diagnostics, clipped and stabilized weights, weight sensitivity.",
                f"Share of user-days with an extreme propensity {self.key['lt_overlap']} "
                f"({'passes' if overlap_ok else 'caution'}); effective sample size {self.key['lt_ess']} of rows "
                f"({'passes' if ess_ok else 'caution'}).")
        add("Constructed treatments", "High-watch and high-discovery days are thresholds on observed behaviour, not "
            "product interventions the platform assigned.", "Explicit estimand definitions; threshold and mediator "
            "robustness specifications.", self._definitions_evidence())
        if self.simulated:
            add("Synthetic data", "The numbers describe a simulator built to resemble KuaiRec, not real users.",
                "Estimates are checked against the planted truth, which tests the pipeline, not the product.",
                "The warehouse holds a simulated release with planted effects.")
        else:
            add("One platform slice", "KuaiRec covers one app and a few weeks; effects elsewhere or later may differ.",
                "The pipeline runs unchanged on a larger matrix or a new export.", "Real KuaiRec logs.")
        secondary = self.lt_secondary
        if secondary:
            clear = [LT_OUTCOME_WORDS.get(o, o) for o, e in secondary.items() if not e.crosses_zero]
            evidence = ("Secondary outcomes with a clear AIPW change: " + join_words(clear) + "." if clear
                        else "No secondary outcome shows a clear AIPW change.")
        else:
            evidence = "not available"
        add("Outcome choice", "Plays, active days and watch time measure different long-term goals.",
            "Primary and secondary outcomes reported separately.", evidence)
        label = self.key.get("med_mo_label")
        add("Mediator-outcome confounding", "The indirect effect assumes nothing unobserved drives both same-day "
            "satisfaction and next-week use.", "Sensitivity of the indirect effect to an error correlation between "
            "the mediator and outcome models.",
            f"The indirect effect's sensitivity verdict is {MO_WORDS.get(label, label)}." if label else "not available")
        interval_type = self.optional(lambda: self.fb.text(
            "med_crossfit_interval_type", MED_CROSSFIT, {"outcome": self.med_primary, "model_family": "lightgbm"},
            "interval_type"))
        add("Interval width of cross-fitted models", "Cross-fitted mediation intervals keep the nuisance models fixed "
            "and understate uncertainty.", "Refitting bootstrap for the linear decomposition and the path model.",
            f"Cross-fitted intervals: {interval_type}." if interval_type else "not available")
        users_ok = self.optional(lambda: self.fb.flag("mart_panel_readiness_checks", {"check_name": "panel_users"},
                                                      "passes"))
        if users_ok is False:
            users = self.fb.value("panel_users", "mart_panel_readiness_checks", {"check_name": "panel_users"},
                                  "check_value", "int")
            add("Few users", "With few users the user-cluster bootstrap has few clusters and intervals are wide and "
                "rough.", "Every interval resamples users.", f"Only {users} panel users, below the readiness minimum.")
        return rows

    def _definitions_evidence(self) -> str:
        def build() -> str:
            watch = self.fb.value("threshold_high_watch", "mart_treatment_definitions",
                                  {"treatment": "high_watch_exposure"}, "threshold")
            discovery = self.fb.value("threshold_high_discovery", "mart_treatment_definitions",
                                      {"treatment": "high_discovery"}, "threshold")
            return (f"High-watch day: high-watch share at least {watch}; high-discovery day: discovery share at "
                    f"least {discovery}.")
        return self.optional(build) or "not available"

    def recommendations(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []

        def add(area: str, recommendation: str, evidence: str) -> None:
            rows.append({"decision_area": area, "recommendation": recommendation, "evidence": evidence})

        aipw = self.lt.get(AIPW)
        if aipw is not None:
            if aipw.crosses_zero:
                rec = ("Do not claim a clear positive average effect of high-watch-exposure days on next-week plays.")
            elif aipw.estimate.number > 0:
                rec = ("Report a positive average effect of high-watch-exposure days on next-week plays, with the "
                       "caveats that it is observational and rests on the overlap and confounding checks.")
            else:
                rec = ("Report that high-watch-exposure days are followed by fewer next-week plays and do not "
                       "optimise for them without an experiment.")
            add("Average long-term effect", rec, f"AIPW estimate {aipw.text()}.")
        secondary = self.lt_secondary
        if secondary:
            words = {o: LT_OUTCOME_WORDS.get(o, o) for o in secondary}
            clear = [o for o, e in secondary.items() if not e.crosses_zero]
            unclear = [o for o, e in secondary.items() if e.crosses_zero]
            signs = {e.estimate.number > 0 for o, e in secondary.items() if o in clear}
            if aipw is not None and not aipw.crosses_zero:
                signs.add(aipw.estimate.number > 0)
            if not clear:
                rec = "Keep validating short-term signals against several long-term outcomes before optimising them."
                evidence = "No secondary outcome shows a clear AIPW change."
            elif unclear or len(signs) > 1:
                rec = ("Validate each long-term metric separately: the outcome families do not respond alike.")
                evidence = (f"Clear AIPW change in {join_words([words[o] for o in clear])}"
                            + (f"; none in {join_words([words[o] for o in unclear])}." if unclear else
                               "; the directions differ."))
            else:
                rec = ("The change shows across the outcome families; keep tracking them separately, since they "
                       "measure different long-term goals.")
                evidence = f"Clear AIPW change, in one direction, in {join_words([words[o] for o in clear])}."
            add("Metric strategy", rec, evidence)
        moderators = self.key.get("lt_top_moderators")
        if moderators:
            stand_out = self.key.get("lt_segments_stand_out")
            clear_segments = self.key.get("lt_segments_clear")
            evidence = "Top moderators: " + join_words([f"`{m}`" for m in moderators]) + "."
            if stand_out:
                evidence += " Some segments' intervals exclude the overall AIPW estimate."
            elif clear_segments == 0:
                evidence += " No segment interval excludes zero."
            elif stand_out == 0:
                evidence += " No segment clearly departs from the overall estimate."
            add("Experiment design", "Stratify a follow-up online test by the strongest effect moderators.", evidence)
        overlap_ok, ess_ok = self.key.get("lt_overlap_ok"), self.key.get("lt_ess_ok")
        posture = "Observational design"
        if overlap_ok is not None:
            posture += "; overlap " + ("passes its check" if overlap_ok else "is imperfect")
            posture += "; effective sample size " + ("passes its check." if ess_ok else "is below its target.")
        else:
            posture += "."
        add("Deployment posture", "Use this as offline evidence to prioritise experiments, not as deployment proof.",
            posture)
        te, nie = self.med.get("TE"), self.med.get("NIE")
        if te is not None:
            if te.crosses_zero:
                rec = "Do not claim that high-discovery days raise next-week engagement."
            elif te.estimate.number > 0:
                rec = "Treat discovery as a candidate driver of next-week engagement and test it online."
            else:
                rec = ("Investigate why high-discovery days go with lower next-week engagement before increasing "
                       "discovery.")
            add("Discovery exposure", rec, f"Total effect {te.text()}.")
        if nie is not None:
            if nie.crosses_zero:
                rec = "Do not rely on satisfaction depth as the channel through which discovery works."
            elif nie.estimate.number > 0:
                rec = ("Use satisfaction depth as a leading indicator when tuning discovery: the pathway through it "
                       "raises next-week plays.")
            else:
                helps = te is not None and not te.crosses_zero and te.estimate.number > 0
                rec = ("Monitor satisfaction depth as a guardrail on discovery: the pathway through it lowers next-week "
                       "plays" + (", even though discovery helps overall." if helps else "."))
            add("Satisfaction pathway", rec, f"Indirect effect {nie.text()}.")
        if self.simulated:
            add("Data", "Rerun the pipeline on the real KuaiRec archive before acting on any result.",
                "This run uses the synthetic stand-in.")
        return rows

    # -- assembly ----------------------------------------------------------------------------

    def build(self, extra_notes: Sequence[str] = ()) -> Narrative:
        title = ["# Final summary: long-term effects and discovery-quality mediation in KuaiRec", ""]
        body = self.data_line() + [""] + self.question() + self.why() + self.methods()
        body += self.lt_results() + self.med_results()
        body += ["## Sensitivity and heterogeneity", ""] + self.lt_sensitivity() + self.med_sensitivity()
        body += self.takeaway()
        limitations = self.limitations()
        recommendations = self.recommendations()
        body += ["## Limitations", ""]
        body += [f"- **{r['limitation']}.** {r['why_it_matters']} In this run: {r['evidence_in_this_run']}"
                 for r in limitations] + [""]
        body += ["## Recommendations", ""]
        body += [f"- **{r['decision_area']}.** {r['recommendation']} ({r['evidence']})" for r in recommendations] + [""]
        unavailable = list(dict.fromkeys([*self.notes, *extra_notes]))
        if unavailable:
            body += ["## Not available in this run", ""]
            body += [f"- `{n}`" for n in unavailable] + [""]
        body += ["---", "",
                 "Every number above is listed with its source table, row key and column in "
                 "`tables/summary_facts.csv`; the figures and tables of `report.html` show the full results.", ""]
        markdown = "\n".join(_tidy(title + body))
        return Narrative(markdown=markdown, facts=self.fb.frame(), limitations=pd.DataFrame(limitations),
                         recommendations=pd.DataFrame(recommendations), notes=self.notes, key=self.key)


def _tidy(lines: Iterable[str]) -> list[str]:
    """Collapse runs of blank lines."""
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return out


def build_narrative(tables: ReportTables, extra_notes: Sequence[str] = ()) -> Narrative:
    """The summary, limitations and recommendations of one set of tables (``extra_notes``: other
    parts of the report that are not available, listed at the end of the summary)."""
    return _Builder(tables).build(extra_notes)
