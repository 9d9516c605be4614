"""The report's section on exposure policies over several days (``long_term_regime_effects``).

The three steps of the written report, for this one section: :func:`gather_policy` fetches the
numbers (every one a fact of the FactBook, recorded when it is formatted into the text),
:func:`decide_policy` decides what they mean, :func:`policy_section` words them. The single-day
effect it is set beside is the long-term study's primary AIPW estimate (its findings).
"""

from __future__ import annotations

from dataclasses import dataclass

from kuairec_causal import registry
from kuairec_causal.report import names as n
from kuairec_causal.report import verdicts as vd
from kuairec_causal.report.facts import FactBook, Rendered
from kuairec_causal.report.findings import Estimate, Findings, Missing, fetch
from kuairec_causal.report.sections import Words, Writer

STUDY = "long_term_regime"
STATIC = "always_vs_never"
INCREMENTAL = "incremental_vs_natural"
TRUTH_OUTCOME = "interactions"


# ---------------------------------------------------------------------------------------------
# Findings


@dataclass(frozen=True)
class Incremental:
    delta: Rendered
    increases_odds: bool
    estimate: Estimate


@dataclass(frozen=True)
class PolicyFindings:
    window: Rendered  # the regime window in days, as a word
    static: dict[str, Estimate]  # estimator id -> always-vs-never estimate (registry order)
    incremental: list[Incremental]  # by delta
    single_day: Estimate | None  # the long-term study's AIPW estimate


def _estimate(book: FactBook, key: dict, prefix: str, estimator_id: str) -> Estimate:
    estimand = str(book.raw(n.LT_POLICY, key, "estimand"))
    truth = book.truth(f"truth_{prefix}", STUDY, estimand, TRUTH_OUTCOME)
    low = book.value(f"{prefix}_ci_lower", n.LT_POLICY, key, "ci_lower")
    high = book.value(f"{prefix}_ci_upper", n.LT_POLICY, key, "ci_upper")
    return Estimate(estimator_id, book.value(f"{prefix}_estimate", n.LT_POLICY, key, "estimate"), low, high, truth)


def _fetch(book: FactBook, findings: Findings) -> PolicyFindings:
    frame = book.tables.get(n.LT_POLICY, ["regime", "delta", "estimator", "estimand", "k_days"])
    estimators = registry.regime_estimators()
    static = {}
    for e in estimators.values():
        if e.regime == STATIC:
            static[e.id] = _estimate(book, {"regime": STATIC, "estimator": e.label}, f"policy_{e.id}", e.id)
    primary = next(e for e in estimators.values() if e.regime == INCREMENTAL and e.primary)
    incremental = []
    for delta in sorted(frame.loc[frame["regime"] == INCREMENTAL, "delta"].dropna().unique()):
        key = {"regime": INCREMENTAL, "delta": float(delta), "estimator": primary.label}
        slug = f"{float(delta):g}".replace(".", "_")
        incremental.append(Incremental(book.value(f"policy_delta_{slug}", n.LT_POLICY, key, "delta"), float(delta) > 1,
                                       _estimate(book, key, f"policy_incremental_{slug}", primary.id)))
    sdr = next(e for e in estimators.values() if e.regime == STATIC and e.primary)
    window = book.value("policy_window_days", n.LT_POLICY, {"regime": STATIC, "estimator": sdr.label}, "k_days",
                        "word")
    main = findings.long_term.main
    return PolicyFindings(window, static, incremental, None if isinstance(main, Missing) else main.aipw)


def gather_policy(findings: Findings) -> PolicyFindings | Missing:
    return fetch(lambda: _fetch(findings.book, findings))


# ---------------------------------------------------------------------------------------------
# Verdicts


@dataclass(frozen=True)
class PolicyVerdict:
    headline: Estimate  # SDR
    clear: bool  # the headline interval excludes zero
    positive: bool
    coverage: vd.Coverage  # always-vs-never estimators against the planted value
    larger_than_single_day: bool | None  # None without the single-day estimate


def decide_policy(p: PolicyFindings) -> PolicyVerdict:
    sdr = next(e for e in registry.regime_estimators().values() if e.regime == STATIC and e.primary)
    headline = p.static[sdr.id]
    single = None if p.single_day is None else abs(headline.estimate.number) > abs(p.single_day.estimate.number)
    return PolicyVerdict(headline, not vd.crosses_zero(headline), vd.positive(headline),
                         vd.coverage(list(p.static.values())), single)


# ---------------------------------------------------------------------------------------------
# Words


def _interval(e: Estimate) -> str:
    return f"[{e.low}, {e.high}]" if e.has_interval else "not computed"


def _zero(e: Estimate) -> str:
    if vd.crosses_zero(e):
        return "the interval includes zero"
    return f"the interval lies {'above' if vd.interval_above_zero(e) else 'below'} zero"


def _truth(e: Estimate) -> str:
    if e.truth is None:
        return ""
    covered = vd.covers_truth(e)
    return f" (planted: {e.truth}, {'inside' if covered else 'outside'} the interval)"


def _render(p: PolicyFindings, w: Words) -> list[str]:
    after = f"the {w.horizon} days after the window"
    v = decide_policy(p)
    names = registry.regime_estimators()
    h = v.headline
    lines = [
        "The long-term study contrasts one high-watch-exposure day with none and leaves every later day to its "
        "natural course. A feed acts as a policy over time, and today's exposure changes tomorrow's history and "
        "so tomorrow's exposure; these estimates come from longitudinal g-methods on "
        "`mart_long_term_regime_panel`, with plays counted over the days after the policy window.",
        "",
        f"- **Always versus never over a {p.window}-day window** ({names[h.label].label}, primary): "
        f"{h.estimate} plays over {after} (interval {_interval(h)}); {_zero(h)}{_truth(h)}.",
    ]
    for estimator_id, e in p.static.items():
        if estimator_id != h.label:
            lines.append(f"- **{names[estimator_id].label}:** {e.estimate} (interval {_interval(e)}){_truth(e)}.")
    for inc in p.incremental:
        e = inc.estimate
        change = "raising" if inc.increases_odds else "lowering"
        lines.append(f"- **Odds of exposure times {inc.delta}** ({change} each day's odds, versus the feed as it is; "
                     f"{names[e.label].label}): {e.estimate} plays (interval {_interval(e)}); {_zero(e)}{_truth(e)}.")
    lines.append("")
    if v.clear:
        more = "more" if v.positive else "fewer"
        text = (f"Keeping a user on high-watch exposure on every active day of the window, rather than never, is "
                f"followed by {more} plays over {after}.")
    else:
        text = "The doubly robust interval of the sustained policy includes zero: no clear effect on later plays."
    if p.single_day is not None and v.larger_than_single_day is not None:
        size = "larger" if v.larger_than_single_day else "smaller"
        text += (f" In size it is {size} than the single-day AIPW effect, {p.single_day.estimate} (interval "
                 f"{_interval(p.single_day)}), which changes one day's exposure only.")
    lines.append(text)
    cov = v.coverage
    if cov.with_truth:
        covered = [names[e].short_name for e in cov.covered]
        missed = [names[e].short_name for e in cov.missed]
        if covered and missed:
            lines += ["", f"Against the planted truth, the intervals of {', '.join(covered)} contain the sustained "
                          f"policy's value; those of {', '.join(missed)} do not."]
        elif covered:
            lines += ["", "Against the planted truth, every always-versus-never interval contains the planted value."]
        else:
            lines += ["", "Against the planted truth, no always-versus-never interval contains the planted value."]
    return lines


def policy_section(findings: Findings, words: Words, writer: Writer) -> list[str]:
    """The section's Markdown lines (a "Not available" note when the table is missing)."""
    return (["## Exposure policies over several days", ""]
            + writer.part(gather_policy(findings), lambda p: _render(p, words)) + [""])
