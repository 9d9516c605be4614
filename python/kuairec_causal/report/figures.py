"""The report's figures, drawn with matplotlib's object API (no pyplot, no global backend switch).

Each figure is a function of the loaded tables returning a :class:`matplotlib.figure.Figure`; the
registry :data:`FIGURES` gives its file name, report section, title and caption. A figure whose
table (or column) is missing raises :class:`~kuairec_causal.report.tables.MissingData` and the
report shows a note in its place. On simulated data the planted truth is marked on every effect
figure (black diamonds or a dashed black line labelled "planted truth").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.ticker import PercentFormatter

from kuairec_causal import registry
from kuairec_causal.report.facts import horizon_adjective
from kuairec_causal.report.names import (
    FAMILY_WORDS,
    LT_COMPARISON,
    LT_MODERATORS,
    LT_SECONDARY,
    LT_SEGMENTS,
    LT_SENSITIVITY,
    MED_CROSSFIT,
    MED_DECOMPOSITION,
    MED_ESTIMANDS,
    MED_HETEROGENEITY,
    MED_PRIMARY,
    MED_SEGMENT_WORDS,
    MED_SEM,
    MED_TRUTH_NAMES,
    ROBUSTNESS_WORDS,
    lt_outcome_words,
    lt_truth_names,
    segment_words,
)
from kuairec_causal.report.tables import PANEL, MissingData, ReportTables

DPI = 150
STYLE = {
    "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6, "axes.spines.top": False,
    "axes.spines.right": False, "font.size": 9.5, "axes.titlesize": 11, "axes.titleweight": "bold",
    "axes.labelsize": 9.5, "legend.fontsize": 8.5, "legend.frameon": False, "figure.titlesize": 12.5,
    "figure.titleweight": "bold", "savefig.facecolor": "white", "figure.facecolor": "white",
}
BLUE, LIGHT_BLUE, TEAL, RED, GREY, GREEN, ORANGE = ("#2A6F97", "#61A5C2", "#2C7873", "#C8553D", "#8D99AE",
                                                    "#5C946E", "#E09F3E")
ESTIMATOR_COLORS = {"msm": BLUE, "gcomp_linear": LIGHT_BLUE, "gcomp_lightgbm": TEAL, "aipw": RED, "naive": GREY}
EFFECT_COLORS = {"Total": BLUE, "Direct": GREEN, "Indirect": ORANGE}
TRUTH_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.2}
TRUTH_LABEL = "planted truth"


def estimator_color(label: str) -> str:
    estimator = registry.by_label(label)
    return ESTIMATOR_COLORS.get(estimator.id, BLUE) if estimator else BLUE


def estimator_tick(label: str) -> str:
    """The registry's tick label on two lines (first word on the first)."""
    estimator = registry.by_label(label)
    return estimator.tick_label.replace(" ", "\n", 1) if estimator else short(label, 14)


def is_naive(row: pd.Series) -> bool:
    return flag(row, "unadjusted") or row["estimator"] == registry.estimator("naive").label


@dataclass(frozen=True)
class Windows:
    """The build's windows in figure text (digits), neutral words when they are unknown."""

    history: str  # "3-day" / "prior-window"
    previous: str  # "the previous 3 days"
    span: str  # "the next 7 days"
    adjective: str  # "next-week"

    @classmethod
    def of(cls, tables: ReportTables) -> Windows:
        w = tables.windows
        if w is None:
            return cls("history-window", "the history window", "the follow-up window", "follow-up")
        return cls(f"{w.history_days}-day", f"the previous {w.history_days} days", f"the next {w.horizon_days} days",
                   horizon_adjective(w.horizon_days))


@dataclass(frozen=True)
class FigureSpec:
    file: str
    section: str  # "data", "long_term" or "mediation"
    title: str
    caption: str  # may name {span}, {previous} or {adjective} (Windows of the build)
    draw: Callable[[ReportTables], Figure]

    def caption_for(self, tables: ReportTables) -> str:
        w = Windows.of(tables)
        return self.caption.format(span=w.span, previous=w.previous, adjective=w.adjective)


@contextmanager
def style():
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: float, height: float, nrows: int = 1, ncols: int = 1, **kwargs) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def need(tables: ReportTables, name: str, columns: Sequence[str] = ()) -> pd.DataFrame:
    return tables.get(name, columns)


def nonempty(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if frame.empty:
        raise MissingData(f"not available: no rows for {what}")
    return frame


def draw_intervals(ax, positions, estimates, lows, highs, color, horizontal=False, marker="o", label=None,
                   filled=True, size=42, zorder=3) -> None:
    """Point estimates with interval bars (robust to NaN intervals and to estimates outside them)."""
    positions, estimates = np.asarray(positions, float), np.asarray(estimates, float)
    lows, highs = np.asarray(lows, float), np.asarray(highs, float)
    ok = np.isfinite(lows) & np.isfinite(highs)
    if horizontal:
        ax.hlines(positions[ok], lows[ok], highs[ok], color=color, linewidth=1.6, zorder=zorder)
        ax.scatter(lows[ok], positions[ok], marker="|", color=color, s=60, zorder=zorder)
        ax.scatter(highs[ok], positions[ok], marker="|", color=color, s=60, zorder=zorder)
        ax.scatter(estimates, positions, marker=marker, s=size, zorder=zorder + 1, label=label,
                   facecolor=color if filled else "white", edgecolor=color, linewidth=1.4)
    else:
        ax.vlines(positions[ok], lows[ok], highs[ok], color=color, linewidth=1.6, zorder=zorder)
        ax.scatter(positions[ok], lows[ok], marker="_", color=color, s=80, zorder=zorder)
        ax.scatter(positions[ok], highs[ok], marker="_", color=color, s=80, zorder=zorder)
        ax.scatter(positions, estimates, marker=marker, s=size, zorder=zorder + 1, label=label,
                   facecolor=color if filled else "white", edgecolor=color, linewidth=1.4)


def zero_line(ax, horizontal=False) -> None:
    (ax.axvline if horizontal else ax.axhline)(0, color="#333333", linewidth=0.9, zorder=1)


def truth_line(ax, value: float | None, horizontal=False, label: str = TRUTH_LABEL) -> None:
    if value is None or not np.isfinite(value):
        return
    (ax.axvline if horizontal else ax.axhline)(value, label=label, zorder=2, **TRUTH_STYLE)


def truth_points(ax, positions, values, horizontal=False, label: str | None = TRUTH_LABEL, offset: float = 0.0) -> None:
    """Planted values as open black diamonds, drawn ``offset`` beside the estimates they belong to."""
    positions = np.asarray(positions, float) + offset
    values = np.asarray([np.nan if v is None else v for v in values], float)
    ok = np.isfinite(values)
    if not ok.any():
        return
    x, y = (values[ok], positions[ok]) if horizontal else (positions[ok], values[ok])
    ax.scatter(x, y, marker="D", s=38, facecolor="none", edgecolor="black", linewidth=1.4, zorder=6, label=label)


def flag(row: pd.Series, column: str, default: bool = False) -> bool:
    value = row.get(column, default)
    return default if value is None or pd.isna(value) else bool(value)


def short(text: str, width: int = 38) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Data overview


def daily_rates(tables: ReportTables) -> Figure:
    frame = need(tables, "mart_daily_panel_summary", ["event_date", "active_rate"]).sort_values("event_date")
    series = [("active_rate", "active (any play)", GREY), ("high_intensity_rate", "high-intensity day", ORANGE),
              ("high_watch_exposure_rate", "high-watch-exposure day (long-term A)", RED),
              ("high_discovery_rate", "high-discovery day (mediation A)", BLUE),
              ("next_day_active_rate", "active on the next day (outcome)", GREEN)]
    fig, axes = new_figure(11, 4.6)
    ax = axes[0, 0]
    dates = pd.to_datetime(frame["event_date"])
    for column, label, color in series:
        if column in frame.columns:
            ax.plot(dates, frame[column].astype(float), marker="o", markersize=2.8, linewidth=1.4, label=label,
                    color=color)
    ax.set_title("Daily treatment and outcome rates over the calendar (share of panel users)")
    ax.set_xlabel("Date")
    ax.set_ylabel("Share of panel users")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(-0.02, 1.05)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_ha("right")
    return fig


def smd_heatmap(tables: ReportTables) -> Figure:
    frame = need(tables, "mart_pretreatment_balance", ["treatment", "covariate", "smd"])
    nonempty(frame, "mart_pretreatment_balance")
    grid = frame.pivot_table(index="covariate", columns="treatment", values="smd", aggfunc="first")
    order = [c for c in ("high_intensity", "high_watch_exposure", "high_discovery") if c in grid.columns]
    grid = grid[order + [c for c in grid.columns if c not in order]]
    grid = grid.reindex(grid.abs().max(axis=1).sort_values(ascending=False).index)
    values = grid.to_numpy(float)
    limit = max(0.25, float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.25)
    fig, axes = new_figure(7.8, 0.42 * len(grid) + 1.8)
    ax = axes[0, 0]
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.grid(False)
    ax.set_xticks(range(grid.shape[1]), [c.replace("_", " ") for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), grid.index)
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = values[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8.5,
                        color="white" if abs(v) > 0.6 * limit else "black")
    fig.colorbar(image, ax=ax, label="standardized mean difference (treated - control)", shrink=0.85)
    ax.set_title("Pre-treatment balance of the candidate treatments (SMD)")
    ax.set_xlabel("Candidate treatment")
    ax.set_ylabel("Pre-treatment covariate")
    return fig


# ---------------------------------------------------------------------------------------------
# Long-term study


def _lt_primary(tables: ReportTables) -> str:
    primary = tables.run_info("long_term", "primary_outcome")
    if primary is None and tables.windows is not None:
        primary = tables.windows.horizon("interactions")
    if primary is None:
        raise MissingData(f"not available: primary outcome unknown ({tables.qualified('long_term_run_info')} and "
                          f"{tables.qualified('mart_panel_windows')} missing)")
    return primary


def _lt_truth(tables: ReportTables, outcome: str) -> float | None:
    name = lt_truth_names(tables.windows).get(outcome)
    return tables.truth_value("long_term", "ATE", name) if name else None


def lt_estimator_comparison(tables: ReportTables) -> Figure:
    frame = need(tables, LT_COMPARISON, ["outcome", "estimator", "estimate", "ci_lower", "ci_upper"])
    primary = _lt_primary(tables)
    frame = nonempty(frame[frame["outcome"] == primary], f"{LT_COMPARISON} ({primary})")
    if "estimator_order" in frame.columns:
        frame = frame.sort_values("estimator_order")
    fig, axes = new_figure(9.5, 5)
    ax = axes[0, 0]
    for i, (_, row) in enumerate(frame.iterrows()):
        draw_intervals(ax, [i], [row["estimate"]], [row["ci_lower"]], [row["ci_upper"]],
                       estimator_color(row["estimator"]), filled=not is_naive(row), size=60)
        ax.annotate(f"{row['estimate']:.3g}", (i, row["estimate"]), xytext=(9, 0), textcoords="offset points",
                    va="center", fontsize=8.5, zorder=7,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))
    zero_line(ax)
    truth_line(ax, _lt_truth(tables, primary))
    ax.set_xticks(range(len(frame)), [r.replace(", ", ",\n") for r in frame["estimator"]])
    ax.set_xlim(-0.6, len(frame) - 0.4)
    ax.set_title("Long-term effect of a high-watch-exposure day: estimator comparison")
    ax.set_ylabel(f"Effect on plays over {Windows.of(tables).span}")
    ax.set_xlabel("Estimator (open marker: unadjusted)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    return fig


def lt_balance(tables: ReportTables) -> Figure:
    frame = need(tables, "long_term_balance", ["covariate", "abs_smd_unweighted", "abs_smd_weighted"])
    frame = nonempty(frame, "long_term_balance").sort_values("abs_smd_unweighted", ascending=False).head(20)
    frame = frame.iloc[::-1]
    fig, axes = new_figure(9.5, 0.3 * len(frame) + 1.6)
    ax = axes[0, 0]
    y = np.arange(len(frame))
    ax.hlines(y, frame["abs_smd_weighted"], frame["abs_smd_unweighted"], color="#cccccc", linewidth=1.2)
    ax.scatter(frame["abs_smd_unweighted"], y, color=GREY, s=30, label="before weighting", zorder=3)
    ax.scatter(frame["abs_smd_weighted"], y, color=BLUE, s=30, label="after weighting (analysis weight)", zorder=3)
    ax.axvline(0.1, color=RED, linestyle="--", linewidth=1, label="0.1 imbalance flag")
    ax.set_yticks(y, frame["covariate"])
    ax.set_title("Long-term study: covariate balance before and after weighting")
    ax.set_xlabel("Absolute standardized mean difference (largest 20 before weighting)")
    ax.set_ylabel("Pre-treatment covariate")
    ax.legend(loc="lower right")
    return fig


def lt_weight_sensitivity(tables: ReportTables) -> Figure:
    frame = need(tables, LT_SENSITIVITY, ["weight_column", "estimate", "ci_lower", "ci_upper"])
    frame = nonempty(frame, LT_SENSITIVITY)
    if "weight_order" in frame.columns:
        frame = frame.sort_values("weight_order")
    fig, axes = new_figure(10, 5.2)
    ax = axes[0, 0]
    for i, (_, row) in enumerate(frame.iterrows()):
        analysis = flag(row, "is_analysis_weight")
        unweighted = row["weight_column"] == "unweighted"
        color = RED if analysis else GREY if unweighted else BLUE
        draw_intervals(ax, [i], [row["estimate"]], [row["ci_lower"]], [row["ci_upper"]], color,
                       filled=not unweighted, size=55)
    zero_line(ax)
    truth_line(ax, _lt_truth(tables, str(frame["outcome"].iloc[0])) if "outcome" in frame.columns else None)
    labels = []
    for _, row in frame.iterrows():
        ess = row.get("ess_share")
        labels.append(f"{row['weight_column']}\nESS {ess:.0%}" if ess is not None and np.isfinite(ess)
                      else str(row["weight_column"]))
    ax.set_xticks(range(len(frame)), labels, rotation=35, ha="right", fontsize=8)
    ax.set_title("MSM sensitivity to the weight specification (red: analysis weight)")
    ax.set_ylabel(f"Effect on plays over {Windows.of(tables).span}")
    ax.set_xlabel("Weight specification (ESS: effective sample size as a share of rows)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    return fig


def lt_secondary(tables: ReportTables) -> Figure:
    frame = need(tables, LT_SECONDARY, ["outcome", "estimator", "estimate", "ci_lower", "ci_upper"])
    frame = nonempty(frame, LT_SECONDARY)
    outcomes = list(dict.fromkeys(frame["outcome"]))
    windows = Windows.of(tables)
    words = lt_outcome_words(tables.windows, windows.span, windows.adjective)
    ncols = 2
    nrows = int(np.ceil(len(outcomes) / ncols))
    fig, axes = new_figure(11, 3.6 * nrows, nrows, ncols)
    for k, outcome in enumerate(outcomes):
        ax = axes.flat[k]
        rows = frame[frame["outcome"] == outcome]
        if "estimator_order" in rows.columns:
            rows = rows.sort_values("estimator_order")
        for i, (_, row) in enumerate(rows.iterrows()):
            draw_intervals(ax, [i], [row["estimate"]], [row["ci_lower"]], [row["ci_upper"]],
                           estimator_color(row["estimator"]), filled=not is_naive(row))
        zero_line(ax)
        truth_line(ax, _lt_truth(tables, outcome))
        ax.set_xticks(range(len(rows)), [estimator_tick(e) for e in rows["estimator"]], fontsize=8.5)
        ax.set_title(words.get(outcome, outcome), fontsize=10)
        ax.set_ylabel("Effect in outcome units")
        if k == 0 and ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best")
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    fig.suptitle("Effects on the secondary long-term outcomes, by estimator")
    return fig


def _segment_panel(ax, rows: pd.DataFrame, overall: float | None) -> None:
    rows = rows.sort_values("segment_order") if "segment_order" in rows.columns else rows
    for i, (_, row) in enumerate(rows.iterrows()):
        eligible = flag(row, "passes_size_filter", True)
        draw_intervals(ax, [i], [row["aipw_ate"]], [row["ci_lower"]], [row["ci_upper"]],
                       RED if eligible else GREY, filled=eligible, size=48)
    zero_line(ax)
    if overall is not None and np.isfinite(overall):
        ax.axhline(overall, color=RED, linestyle=":", linewidth=1.2, label="overall AIPW estimate")
    ax.set_xticks(range(len(rows)), [str(s) for s in rows["segment"]], rotation=20, ha="right", fontsize=8)


def _overall_aipw(tables: ReportTables) -> float | None:
    if not tables.has(LT_COMPARISON):
        return None
    frame = tables.get(LT_COMPARISON)
    try:
        primary = _lt_primary(tables)
    except MissingData:
        return None
    hit = frame[(frame.get("outcome") == primary) & (frame.get("estimator") == registry.estimator("aipw").label)]
    return None if hit.empty else float(hit["estimate"].iloc[0])


def lt_prior_interaction_segments(tables: ReportTables) -> Figure:
    frame = need(tables, LT_SEGMENTS, ["segment_type", "segment", "aipw_ate", "ci_lower", "ci_upper"])
    rows = nonempty(frame[frame["segment_type"] == "prior_interactions_bucket"], "prior_interactions_bucket segments")
    fig, axes = new_figure(8.5, 4.8)
    ax = axes[0, 0]
    _segment_panel(ax, rows, _overall_aipw(tables))
    windows = Windows.of(tables)
    ax.set_title(f"AIPW effects by prior {windows.history} plays (quartiles)")
    ax.set_xlabel(f"Plays over {windows.previous} (open grey: below the size filter)")
    ax.set_ylabel(f"Effect on plays over {windows.span}")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    return fig


def lt_all_segments(tables: ReportTables) -> Figure:
    frame = need(tables, LT_SEGMENTS, ["segment_type", "segment", "aipw_ate", "ci_lower", "ci_upper"])
    frame = nonempty(frame, LT_SEGMENTS)
    types = list(dict.fromkeys(frame["segment_type"]))
    ncols = 3 if len(types) > 4 else 2
    nrows = int(np.ceil(len(types) / ncols))
    fig, axes = new_figure(13, 3.7 * nrows, nrows, ncols)
    overall = _overall_aipw(tables)
    history = tables.windows.history_days if tables.windows else None
    words = segment_words(str(history) if history is not None else "several")
    for k, segment_type in enumerate(types):
        ax = axes.flat[k]
        _segment_panel(ax, frame[frame["segment_type"] == segment_type], overall)
        ax.set_title(words.get(segment_type, segment_type), fontsize=9.5)
        ax.set_ylabel("AIPW effect")
    for ax in list(axes.flat)[len(types):]:
        ax.set_visible(False)
    fig.suptitle("AIPW effects by pre-treatment segment (red: passes the size filter; dotted: overall estimate)")
    return fig


def lt_moderators(tables: ReportTables) -> Figure:
    frame = need(tables, LT_MODERATORS, ["feature", "importance_share"])
    frame = nonempty(frame, LT_MODERATORS).sort_values("importance_share", ascending=False).head(12).iloc[::-1]
    fig, axes = new_figure(9, 5)
    ax = axes[0, 0]
    ax.barh(frame["feature"], frame["importance_share"], color=BLUE)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Top moderators in the model of the AIPW effect scores")
    ax.set_xlabel("Share of LightGBM importance")
    ax.set_ylabel("Pre-treatment feature")
    return fig


def _overlap_panel(ax, scores: pd.Series, treated: pd.Series, labels: tuple[str, str], title: str) -> None:
    bins = np.linspace(0, 1, 41)
    for value, label, color in ((0, labels[0], GREY), (1, labels[1], RED)):
        part = scores[treated == value].dropna()
        if len(part):
            ax.hist(part, bins=bins, density=True, histtype="stepfilled", alpha=0.3, color=color, label=label)
            ax.hist(part, bins=bins, density=True, histtype="step", color=color, linewidth=1.3)
    for x in (0.05, 0.95):
        ax.axvline(x, color="black", linestyle="--", linewidth=1)
    ax.set_title(title, fontsize=10.5)
    ax.set_xlabel("Estimated propensity score")
    ax.set_ylabel("Density")
    ax.set_xlim(0, 1)
    ax.legend(loc="upper center")


def lt_overlap(tables: ReportTables) -> Figure:
    frame = need(tables, "long_term_propensity_scores", ["treatment", "propensity_logistic"])
    frame = nonempty(frame, "long_term_propensity_scores")
    panels = [("propensity_logistic", "logistic (analysis weight)")]
    if "propensity_lightgbm_oof" in frame.columns:
        panels.append(("propensity_lightgbm_oof", "LightGBM, out of fold"))
    fig, axes = new_figure(5.6 * len(panels), 4.4, 1, len(panels))
    for ax, (column, title) in zip(axes.flat, panels):
        _overlap_panel(ax, frame[column].astype(float), frame["treatment"].astype(int),
                       ("other active days", "high-watch-exposure days"), title)
    fig.suptitle("Long-term study: propensity overlap (dashed: 0.05 and 0.95)")
    return fig


# ---------------------------------------------------------------------------------------------
# Mediation study


def med_design(tables: ReportTables) -> Figure:
    nodes = need(tables, "mart_mediation_diagram_nodes", ["node", "label", "x", "y"])
    edges = need(tables, "mart_mediation_diagram_edges", ["from_node", "to_node", "style"])
    nonempty(nodes, "mart_mediation_diagram_nodes")
    fig, axes = new_figure(11, 5.6)
    ax = axes[0, 0]
    ax.set_axis_off()
    xs, ys = nodes["x"].astype(float), nodes["y"].astype(float)
    width, height = 0.95, 0.5
    ax.set_xlim(xs.min() - 0.7, xs.max() + 0.7)
    ax.set_ylim(ys.min() - 0.6, ys.max() + 0.55)
    ax.set_aspect("equal")
    fills = {"confounders": "#eef2ff", "exposure": "#e0f2fe", "mediator": "#ecfccb", "outcome": "#fef3c7",
             "unobserved": "#f3f4f6"}
    centres = {}
    for _, node in nodes.iterrows():
        x, y = float(node["x"]), float(node["y"])
        centres[node["node"]] = (x, y)
        observed = str(node.get("observed", True)).lower() not in ("false", "0")
        ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                    boxstyle="round,pad=0.02,rounding_size=0.06",
                                    facecolor=fills.get(str(node.get("role", "")), "#ffffff"),
                                    edgecolor="#374151" if observed else "#9ca3af",
                                    linestyle="-" if observed else "--", linewidth=1.3, zorder=3))
        words = str(node["label"]).split()
        label = " ".join(words[: (len(words) + 1) // 2]) + "\n" + " ".join(words[(len(words) + 1) // 2:])
        ax.text(x, y, f"{label}\n({node['node']})", ha="center", va="center", fontsize=9.5, zorder=4)

    def edge_point(source, target):
        (sx, sy), (tx, ty) = centres[source], centres[target]
        dx, dy = tx - sx, ty - sy
        scale = min((width / 2 + 0.04) / abs(dx) if dx else np.inf, (height / 2 + 0.04) / abs(dy) if dy else np.inf)
        return sx + dx * scale, sy + dy * scale

    for _, edge in edges.iterrows():
        if edge["from_node"] not in centres or edge["to_node"] not in centres:
            continue
        dashed = str(edge["style"]) == "dashed"
        start = edge_point(edge["from_node"], edge["to_node"])
        end = edge_point(edge["to_node"], edge["from_node"])
        ax.annotate("", xy=end, xytext=start, zorder=5,
                    arrowprops=dict(arrowstyle="-|>", mutation_scale=14, linewidth=1.4,
                                    color="#6b7280" if dashed else "#111827", linestyle="--" if dashed else "-",
                                    shrinkA=0, shrinkB=0))
    ax.text(0.5, 0.01, "Solid arrows: assumed causal paths. Dashed: unobserved confounding of mediator and outcome, "
            "which diagnostics cannot rule out.", transform=ax.transAxes, ha="center", fontsize=8.5, color="#4b5563")
    ax.set_title("Mediation design: discovery exposure (A), satisfaction depth (M), future value (Y)")
    return fig


def med_overlap(tables: ReportTables) -> Figure:
    frame = need(tables, "mediation_propensity_scores", ["A_high_discovery", "propensity"])
    frame = nonempty(frame, "mediation_propensity_scores")
    fig, axes = new_figure(8.5, 4.5)
    _overlap_panel(axes[0, 0], frame["propensity"].astype(float), frame["A_high_discovery"].astype(int),
                   ("lower-discovery days", "high-discovery days"),
                   "Mediation study: propensity overlap for high discovery (dashed: 0.05 and 0.95)")
    return fig


def med_balance(tables: ReportTables) -> Figure:
    frame = need(tables, "mediation_balance", ["covariate", "unweighted_smd", "weighted_smd", "abs_unweighted_smd"])
    frame = nonempty(frame, "mediation_balance").sort_values("abs_unweighted_smd", ascending=False).head(18).iloc[::-1]
    fig, axes = new_figure(9.5, 0.3 * len(frame) + 1.8)
    ax = axes[0, 0]
    y = np.arange(len(frame))
    ax.barh(y + 0.2, frame["unweighted_smd"], height=0.38, color=GREY, label="before weighting")
    ax.barh(y - 0.2, frame["weighted_smd"], height=0.38, color=BLUE, label="after capped stabilized weighting")
    zero_line(ax, horizontal=True)
    for x in (-0.1, 0.1):
        ax.axvline(x, color=RED, linestyle="--", linewidth=0.9)
    ax.set_yticks(y, [short(c, 40) for c in frame["covariate"]])
    ax.set_title("Mediation study: largest covariate imbalances, before and after weighting")
    ax.set_xlabel("Standardized mean difference (high minus lower discovery; dashed: +/-0.1)")
    ax.set_ylabel("Encoded covariate")
    ax.legend(loc="lower right")
    return fig


def med_pathway(tables: ReportTables) -> Figure:
    frame = need(tables, PANEL, ["A_high_discovery", "M_satisfaction_depth", "Y_future_interactions"])
    frame = nonempty(frame.dropna(subset=["A_high_discovery", "M_satisfaction_depth", "Y_future_interactions"]),
                     "mart_mediation_panel")
    groups = [(0, "lower discovery", GREY), (1, "high discovery", RED)]
    outcome_label = f"Plays over {Windows.of(tables).span} (Y)"
    fig, axes = new_figure(14, 4.6, 1, 3)
    for ax, column, label in ((axes[0, 0], "M_satisfaction_depth", "Satisfaction depth (M)"),
                              (axes[0, 1], "Y_future_interactions", outcome_label)):
        data = [frame.loc[frame["A_high_discovery"] == g, column].astype(float).to_numpy() for g, _, _ in groups]
        box = ax.boxplot(data, showfliers=False, patch_artist=True, widths=0.55)
        for patch, (_, _, color) in zip(box["boxes"], groups):
            patch.set_facecolor(color)
            patch.set_alpha(0.45)
        ax.set_xticks([1, 2], [g[1] for g in groups])
        ax.set_ylabel(label)
        ax.set_title(f"{label.split(' (')[0]} by exposure", fontsize=10.5)
    ax = axes[0, 2]
    sample = frame.sample(n=min(len(frame), 2500), random_state=7)
    for value, label, color in groups:
        part = sample[sample["A_high_discovery"] == value]
        ax.scatter(part["M_satisfaction_depth"], part["Y_future_interactions"], s=8, alpha=0.35, color=color,
                   label=label, linewidths=0)
    ax.set_xlabel("Satisfaction depth (M)")
    ax.set_ylabel(outcome_label)
    ax.set_title("Mediator and outcome (sample of user-days)", fontsize=10.5)
    ax.legend(loc="upper left", markerscale=2.5)
    fig.suptitle("Pathway ingredients: treatment, mediator and outcome (descriptive, confounded)")
    return fig


def _med_truth(tables: ReportTables, estimand: str, outcome: str) -> float | None:
    name = MED_TRUTH_NAMES.get(outcome)
    return tables.truth_value("mediation", estimand, name) if name else None


def med_decomposition(tables: ReportTables) -> Figure:
    frame = need(tables, MED_DECOMPOSITION, ["outcome", "estimand", "estimate", "ci_lower", "ci_upper"])
    estimands = list(MED_ESTIMANDS)
    frame = nonempty(frame[frame["estimand"].isin(estimands)], MED_DECOMPOSITION)
    outcomes = list(dict.fromkeys(frame["outcome"]))
    fig, axes = new_figure(5 * len(outcomes), 4.6, 1, len(outcomes))
    colors = {"TE": BLUE, "NDE": GREEN, "NIE": ORANGE, "CDE_low": LIGHT_BLUE, "CDE_high": TEAL}
    for ax, outcome in zip(axes.flat, outcomes):
        rows = frame[frame["outcome"] == outcome].set_index("estimand").reindex(estimands).dropna(subset=["estimate"])
        for i, (estimand, row) in enumerate(rows.iterrows()):
            draw_intervals(ax, [i], [row["estimate"]], [row["ci_lower"]], [row["ci_upper"]], colors[estimand], size=50)
        truth_points(ax, range(len(rows)), [_med_truth(tables, e, outcome) for e in rows.index], offset=0.22)
        ax.set_xlim(-0.5, len(rows) - 0.3)
        zero_line(ax)
        ax.set_xticks(range(len(rows)), [e.replace("_", "\n") for e in rows.index])
        label = rows["outcome_label"].iloc[0] if "outcome_label" in rows.columns and len(rows) else outcome
        ax.set_title(str(label), fontsize=10.5)
        ax.set_ylabel("Effect in outcome units")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best")
    fig.suptitle("Mediation decomposition (linear g-formula): TE, NDE, NIE and controlled direct effects")
    return fig


def med_sem(tables: ReportTables) -> Figure:
    frame = need(tables, MED_SEM, ["path_quantity", "estimate", "ci_lower", "ci_upper"])
    quantities = [("c_prime_A_to_Y", "Direct path (c')", "NDE"),
                  ("indirect_alpha_beta", "Indirect path (alpha x beta)", "NIE"),
                  ("total_path_c_prime_plus_indirect", "Direct + indirect", "TE"),
                  ("total_regression_coefficient", "Total regression coefficient", "TE")]
    rows = frame.set_index("path_quantity")
    present = [q for q in quantities if q[0] in rows.index]
    if not present:
        raise MissingData(f"not available: {tables.qualified(MED_SEM)} has no path rows")
    outcome = str(frame["outcome"].iloc[0]) if "outcome" in frame.columns else MED_PRIMARY
    fig, axes = new_figure(9.5, 4.4)
    ax = axes[0, 0]
    y = np.arange(len(present))[::-1]
    for pos, (key, _, _) in zip(y, present):
        row = rows.loc[key]
        draw_intervals(ax, [pos], [row["estimate"]], [row["ci_lower"]], [row["ci_upper"]], BLUE, horizontal=True,
                       size=55)
    truth_points(ax, y, [_med_truth(tables, estimand, outcome) for _, _, estimand in present], horizontal=True,
                 label="planted truth (g-formula TE / NDE / NIE)")
    zero_line(ax, horizontal=True)
    ax.set_yticks(y, [label for _, label, _ in present])
    text = []
    estimates = rows["estimate"].astype(float)
    for key, name in (("alpha_A_to_M", "alpha (A -> M)"), ("beta_M_to_Y", "beta (M -> Y)")):
        if key in estimates.index:
            text.append(f"{name} = {estimates[key]:.3g}")
    if text:
        ax.text(0.99, 0.02, "\n".join(text), transform=ax.transAxes, ha="right", va="bottom", fontsize=8.5,
                bbox=dict(boxstyle="round", facecolor="white", edgecolor="#cccccc"))
    ax.set_title("SEM-style path decomposition (weighted linear path model)")
    ax.set_xlabel(f"Effect on plays over {Windows.of(tables).span}")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2)
    return fig


def med_crossfit(tables: ReportTables) -> Figure:
    frame = need(tables, MED_CROSSFIT, ["outcome", "model_family", "total_effect", "direct_effect", "indirect_effect"])
    frame = nonempty(frame, MED_CROSSFIT)
    outcomes = list(dict.fromkeys(frame["outcome"]))
    effects = [("Total", "total_effect", "total_ci", "TE"), ("Direct", "direct_effect", "direct_ci", "NDE"),
               ("Indirect", "indirect_effect", "indirect_ci", "NIE")]
    fig, axes = new_figure(6 * len(outcomes), 4.6, 1, len(outcomes))
    for ax, outcome in zip(axes.flat, outcomes):
        rows = frame[frame["outcome"] == outcome]
        families = list(rows["model_family"])
        for k, (label, column, ci, estimand) in enumerate(effects):
            pos = np.arange(len(rows)) + (k - 1) * 0.22
            low = rows.get(f"{ci}_lower", pd.Series(np.nan, index=rows.index))
            high = rows.get(f"{ci}_upper", pd.Series(np.nan, index=rows.index))
            draw_intervals(ax, pos, rows[column], low, high, EFFECT_COLORS[label], label=label)
            truth_points(ax, pos, [_med_truth(tables, estimand, outcome)] * len(rows),
                         label=TRUTH_LABEL if k == 0 else None, offset=0.09)
        zero_line(ax)
        ax.set_xticks(range(len(rows)), [FAMILY_WORDS.get(f, f) for f in families])
        label = rows["outcome_label"].iloc[0] if "outcome_label" in rows.columns else outcome
        ax.set_title(str(label), fontsize=10.5)
        ax.set_ylabel("Effect in outcome units")
        ax.legend(loc="best")
    fig.suptitle("Cross-fitted mediation: total, direct and indirect effects by model family")
    return fig


def med_nuisance(tables: ReportTables) -> Figure:
    frame = need(tables, "mediation_crossfit_performance", ["outcome", "model_family", "target", "fold", "rmse", "r2"])
    primary = tables.run_info("mediation", "primary_outcome") or MED_PRIMARY
    rows = nonempty(frame[(frame["fold"].astype(str) == "overall") & (frame["outcome"] == primary)],
                    "overall nuisance performance")
    families = list(dict.fromkeys(rows["model_family"]))
    fig, axes = new_figure(14, 4.3, 1, 3)
    x = np.arange(len(families))
    ax = axes[0, 0]
    for k, (target, color) in enumerate((("mediator", GREEN), ("outcome", BLUE))):
        values = rows[rows["target"] == target].set_index("model_family").reindex(families)["r2"]
        ax.bar(x + (k - 0.5) * 0.38, values, width=0.38, color=color, label=f"{target} model")
    zero_line(ax)
    ax.set_xticks(x, [FAMILY_WORDS.get(f, f) for f in families])
    ax.set_title("Out-of-fold R^2", fontsize=10.5)
    ax.set_ylabel("R^2")
    ax.legend(loc="best")
    for ax, target, color in ((axes[0, 1], "mediator", GREEN), (axes[0, 2], "outcome", BLUE)):
        values = rows[rows["target"] == target].set_index("model_family").reindex(families)["rmse"]
        ax.bar(x, values, width=0.55, color=color)
        ax.set_xticks(x, [FAMILY_WORDS.get(f, f) for f in families])
        ax.set_title(f"Out-of-fold RMSE, {target} model", fontsize=10.5)
        ax.set_ylabel("RMSE" + (" (satisfaction depth)" if target == "mediator" else " (plays)"))
    fig.suptitle("Cross-fitted nuisance model performance (primary outcome, folds grouped by user)")
    return fig


def med_heterogeneity(tables: ReportTables) -> Figure:
    frame = need(tables, MED_HETEROGENEITY, ["outcome", "model_family", "segment", "segment_value", "total_effect"])
    primary = tables.run_info("mediation", "primary_outcome") or MED_PRIMARY
    rows = nonempty(frame[(frame["model_family"] == "lightgbm") & (frame["outcome"] == primary)],
                    "LightGBM heterogeneity rows")
    segments = list(dict.fromkeys(rows["segment"]))
    ncols = 2
    nrows = int(np.ceil(len(segments) / ncols))
    fig, axes = new_figure(12, 3.3 * nrows, nrows, ncols)
    overall = None
    if tables.has(MED_CROSSFIT):
        cf = tables.get(MED_CROSSFIT)
        hit = cf[(cf.get("outcome") == primary) & (cf.get("model_family") == "lightgbm")]
        overall = None if hit.empty else float(hit["total_effect"].iloc[0])
    for ax, segment in zip(axes.flat, segments):
        part = rows[rows["segment"] == segment]
        if "value_order" in part.columns:
            part = part.sort_values("value_order")
        y = np.arange(len(part))[::-1]
        ax.barh(y, part["total_effect"], color=LIGHT_BLUE, height=0.6)
        if {"total_ci_lower", "total_ci_upper"} <= set(part.columns):
            ax.hlines(y, part["total_ci_lower"], part["total_ci_upper"], color="#1f2937", linewidth=1.3)
        if overall is not None:
            ax.axvline(overall, color=RED, linestyle=":", linewidth=1.2, label="overall LightGBM TE")
        zero_line(ax, horizontal=True)
        ax.set_yticks(y, [f"{v} (n={n:,})" if "user_days" in part.columns else str(v)
                          for v, n in zip(part["segment_value"], part.get("user_days", part["segment_value"]))])
        ax.set_title(MED_SEGMENT_WORDS.get(segment, segment), fontsize=10.5)
        ax.set_xlabel(f"LightGBM total effect on {Windows.of(tables).adjective} plays")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower right")
    for ax in list(axes.flat)[len(segments):]:
        ax.set_visible(False)
    fig.suptitle("Heterogeneity of the cross-fitted total effect by pre-treatment segment")
    return fig


def med_feature_importance(tables: ReportTables) -> Figure:
    frame = need(tables, "mediation_feature_importance", ["model_family", "target", "feature", "importance_share"])
    rows = nonempty(frame[frame["model_family"] == "lightgbm"], "LightGBM feature importance")
    targets = [t for t in ("mediator", "outcome") if t in set(rows["target"])]
    fig, axes = new_figure(14, 5.2, 1, len(targets))
    for ax, target in zip(axes.flat, targets):
        part = rows[rows["target"] == target].sort_values("importance_share", ascending=False).head(12).iloc[::-1]
        colors = [ORANGE if bool(v) else BLUE for v in part.get("is_exposure_or_mediator", [False] * len(part))]
        ax.barh([short(f, 36) for f in part["feature"]], part["importance_share"], color=colors)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(f"LightGBM {target} model", fontsize=10.5)
        ax.set_xlabel("Share of total gain")
    fig.suptitle("Feature importance of the nuisance models (orange: exposure or mediator)")
    return fig


def med_advanced(tables: ReportTables) -> Figure:
    frame = need(tables, "mediation_advanced_summary", ["outcome", "model_family", "total_effect", "direct_effect",
                                                         "indirect_effect"])
    primary = tables.run_info("mediation", "primary_outcome") or MED_PRIMARY
    rows = nonempty(frame[frame["outcome"] == primary], "advanced summary rows")
    if "model_order" in rows.columns:
        rows = rows.sort_values("model_order")
    fig, axes = new_figure(10.5, 0.75 * len(rows) + 2)
    ax = axes[0, 0]
    y = np.arange(len(rows))[::-1]
    for k, (label, column) in enumerate((("Total", "total_effect"), ("Direct", "direct_effect"),
                                         ("Indirect", "indirect_effect"))):
        ax.barh(y + (1 - k) * 0.26, rows[column], height=0.26, color=EFFECT_COLORS[label], label=label)
    if {"total_ci_lower", "total_ci_upper"} <= set(rows.columns):
        ax.hlines(y + 0.26, rows["total_ci_lower"], rows["total_ci_upper"], color="#1f2937", linewidth=1.2)
    truth_line(ax, _med_truth(tables, "TE", primary), horizontal=True, label="planted truth (TE)")
    nie = _med_truth(tables, "NIE", primary)
    if nie is not None:
        ax.axvline(nie, color="black", linestyle=":", linewidth=1.2, label="planted truth (NIE)")
    zero_line(ax, horizontal=True)
    ax.set_yticks(y, [str(m).replace("_", " ") for m in rows["model_family"]])
    ax.set_title("Advanced model comparison for the discovery mediation (primary outcome)")
    ax.set_xlabel(f"Effect on plays over {Windows.of(tables).span} (bars: estimate; line: total-effect interval)")
    ax.legend(loc="best")
    return fig


def med_robustness(tables: ReportTables) -> Figure:
    frame = need(tables, "mediation_robustness_specifications", ["family", "specification", "outcome", "total_effect",
                                                                  "indirect_effect"])
    primary = tables.run_info("mediation", "primary_outcome") or MED_PRIMARY
    rows = nonempty(frame[frame["outcome"] == primary], "robustness specifications of the primary outcome")
    if "spec_order" in rows.columns:
        rows = rows.sort_values("spec_order")
    fig, axes = new_figure(10.5, 0.34 * len(rows) + 2)
    ax = axes[0, 0]
    y = np.arange(len(rows))[::-1]
    ax.scatter(rows["total_effect"], y, color=BLUE, s=36, label="total effect", zorder=3)
    ax.scatter(rows["indirect_effect"], y, color=ORANGE, s=36, marker="s", label="indirect effect", zorder=3)
    truth_line(ax, _med_truth(tables, "TE", primary), horizontal=True, label="planted truth (TE)")
    zero_line(ax, horizontal=True)
    labels = [f"{ROBUSTNESS_WORDS.get(f, f)}: {short(s, 30)}" for f, s in zip(rows["family"], rows["specification"])]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_title("Robustness of the decomposition across specifications (primary outcome)")
    ax.set_xlabel(f"Effect on plays over {Windows.of(tables).span} (point estimates)")
    ax.legend(loc="best")
    return fig


def med_mo_sensitivity(tables: ReportTables) -> Figure:
    frame = need(tables, "mediation_mo_sensitivity", ["outcome", "rho", "nie", "nde"])
    primary = tables.run_info("mediation", "primary_outcome") or MED_PRIMARY
    rows = nonempty(frame[frame["outcome"] == primary], "sensitivity curve of the primary outcome").sort_values("rho")
    fig, axes = new_figure(8.5, 4.6)
    ax = axes[0, 0]
    ax.plot(rows["rho"], rows["nie"], color=ORANGE, linewidth=1.8, label="NIE(rho)")
    if {"nie_ci_lower", "nie_ci_upper"} <= set(rows.columns) and rows["nie_ci_lower"].notna().any():
        ax.fill_between(rows["rho"], rows["nie_ci_lower"], rows["nie_ci_upper"], color=ORANGE, alpha=0.2,
                        label="NIE interval")
    ax.plot(rows["rho"], rows["nde"], color=GREEN, linewidth=1.5, linestyle="-.", label="NDE(rho)")
    zero_line(ax)
    ax.axvline(0, color="#999999", linewidth=0.8)
    if tables.has("mediation_mo_sensitivity_summary"):
        summary = tables.get("mediation_mo_sensitivity_summary")
        hit = summary[summary.get("outcome") == primary]
        if not hit.empty and "rho_at_nie_zero" in hit.columns and np.isfinite(hit["rho_at_nie_zero"].iloc[0]):
            ax.axvline(float(hit["rho_at_nie_zero"].iloc[0]), color=RED, linestyle="--", linewidth=1.1,
                       label="rho where NIE = 0")
    ax.set_title("Sensitivity of the indirect effect to mediator-outcome confounding")
    ax.set_xlabel("rho: error correlation of the mediator and outcome models")
    ax.set_ylabel(f"Effect on plays over {Windows.of(tables).span}")
    ax.legend(loc="best")
    return fig


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("01_daily_treatment_outcome_rates.png", "data", "Daily treatment and outcome rates",
               "Share of panel users active, flagged by each candidate treatment, and active the next day, per date "
               "(mart_daily_panel_summary).", daily_rates),
    FigureSpec("02_pretreatment_smd_heatmap.png", "data", "Pre-treatment imbalance of the candidate treatments",
               "Standardized mean differences of pre-treatment histories between treated and control active days "
               "(mart_pretreatment_balance): the confounding every adjusted estimator must remove.", smd_heatmap),
    FigureSpec("03_lt_estimator_comparison.png", "long_term", "Estimator comparison",
               "Effect of a high-watch-exposure day on plays over {span}: MSM, g-computation (linear, "
               "LightGBM), AIPW and the naive difference, with user-cluster bootstrap intervals.",
               lt_estimator_comparison),
    FigureSpec("04_lt_covariate_balance.png", "long_term", "Covariate balance before and after weighting",
               "Absolute SMD of the most imbalanced covariates before and after the analysis weight.", lt_balance),
    FigureSpec("05_lt_msm_weight_sensitivity.png", "long_term", "MSM weight sensitivity",
               "MSM estimate across weight specifications, with the effective sample size share of each.",
               lt_weight_sensitivity),
    FigureSpec("06_lt_secondary_outcomes.png", "long_term", "Secondary outcomes",
               "Effects on active days, average daily plays, play hours and log plays, by estimator.", lt_secondary),
    FigureSpec("07_lt_prior_interaction_segments.png", "long_term", "AIPW effects by prior-interaction segment",
               "AIPW effect within quartiles of plays over {previous}.", lt_prior_interaction_segments),
    FigureSpec("08_lt_all_segments.png", "long_term", "AIPW effects by every segment",
               "AIPW effect within each pre-treatment segment; open grey markers fail the size filter.",
               lt_all_segments),
    FigureSpec("09_lt_effect_moderator_importance.png", "long_term", "Effect-moderator importance",
               "Which histories the model of the AIPW scores uses most (candidates for stratification).",
               lt_moderators),
    FigureSpec("10_lt_propensity_overlap.png", "long_term", "Propensity overlap (long-term)",
               "Propensity distributions of high-watch-exposure days and other active days.", lt_overlap),
    FigureSpec("11_med_design_diagram.png", "mediation", "Mediation design diagram",
               "The working causal diagram, drawn from mart_mediation_diagram_nodes and "
               "mart_mediation_diagram_edges.", med_design),
    FigureSpec("12_med_propensity_overlap.png", "mediation", "Propensity overlap (mediation)",
               "Propensity distributions of high-discovery and lower-discovery days.", med_overlap),
    FigureSpec("13_med_covariate_balance.png", "mediation", "Covariate balance (mediation)",
               "Signed SMD of the most imbalanced encoded covariates, before and after capped stabilized weights.",
               med_balance),
    FigureSpec("14_med_pathway_ingredients.png", "mediation", "Treatment, mediator and outcome ingredients",
               "Satisfaction depth and {adjective} plays by exposure group, and their joint distribution "
               "(mart_mediation_panel; descriptive).", med_pathway),
    FigureSpec("15_med_effect_decomposition.png", "mediation", "Effect decomposition",
               "TE, NDE, NIE and CDE at low and high satisfaction for each outcome, with bootstrap intervals.",
               med_decomposition),
    FigureSpec("16_med_sem_path_decomposition.png", "mediation", "SEM path decomposition",
               "Direct, indirect and total paths of the weighted linear path model with bootstrap intervals.", med_sem),
    FigureSpec("17_med_crossfit_model_comparison.png", "mediation", "Cross-fitted model comparison",
               "Total, direct and indirect effects of the cross-fitted linear, LightGBM and XGBoost mediation models "
               "(intervals hold nuisances fixed).", med_crossfit),
    FigureSpec("18_med_nuisance_performance.png", "mediation", "Nuisance model performance",
               "Out-of-fold R^2 and RMSE of the mediator and outcome models.", med_nuisance),
    FigureSpec("19_med_heterogeneity.png", "mediation", "Heterogeneity",
               "Cross-fitted LightGBM total effect by pre-treatment segment.", med_heterogeneity),
    FigureSpec("20_med_feature_importance.png", "mediation", "Feature importance",
               "Top features of the LightGBM mediator and outcome models (an audit, not an effect).",
               med_feature_importance),
    FigureSpec("21_med_advanced_summary.png", "mediation", "Advanced model summary",
               "Total, direct and indirect effects across the linear g-formula, the path model and the cross-fitted "
               "models.", med_advanced),
    FigureSpec("22_med_robustness.png", "mediation", "Robustness specifications",
               "Total and indirect effects across exposure thresholds, mediator definitions and model "
               "specifications.", med_robustness),
    FigureSpec("23_med_mo_sensitivity.png", "mediation", "Sensitivity to mediator-outcome confounding",
               "NIE and NDE as functions of the error correlation an unmeasured confounder would induce.",
               med_mo_sensitivity),
)
