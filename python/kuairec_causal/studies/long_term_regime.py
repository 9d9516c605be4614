"""The exposure-policy study: what do k days of a feed policy do to the week after them?

The long-term study answers a single-day contrast (one high-watch-exposure day versus none,
everything after left to its natural course). A recommender team acts on policies over time:
"keep a user on high-watch exposure on every day of the next k days they show up, versus never",
or "raise every day's odds of high-watch exposure by a factor delta". Today's exposure moves
tomorrow's history, which moves tomorrow's exposure (time-varying confounding), so these policies
need longitudinal g-methods (:mod:`kuairec_causal.estimators.longitudinal`).

Population: ``mart_long_term_regime_panel`` (one row per analysis user-day t: active, at least
``min_history_days`` of history, a complete follow-up after the regime window of k =
``regime_window_days`` days). Step s = 0 .. k-1 is day t+s: its activity (exposure is possible
only on active days), its high-watch-exposure flag and its history covariates (measured before
that day's exposure). Baseline: calendar and user profile of t. Outcome: plays over the
``max_lead_days`` days after the window (``followup_interactions``).

Estimands (truth in ``mart_planted_truth``, study ``long_term_regime``):

* ``always_vs_never``: E[Y(always)] - E[Y(never)], exposed on every active day of the window
  versus on none: ICE g-computation (OLS, user-cluster bootstrap), IPW with cumulative
  stabilised weights truncated at their 99th percentile (user-cluster bootstrap, propensities
  refitted in every replicate) and the cross-fitted sequentially doubly robust estimator (SDR,
  the headline; cluster-robust influence-function interval).
* ``incremental_vs_natural`` for every delta: E[Y(delta)] - E[Y], each day's odds of exposure
  multiplied by delta versus the natural course (Kennedy's cross-fitted influence-function
  estimator, cluster-robust interval).

Nuisance models are linear (OLS outcome regressions, standardised logistic propensities): the
whole stage must stay within two minutes at small scale on one core, and LightGBM nuisances took
200-360 s there. Learners are passed in (:func:`learners`), so a caller may swap them.

``run_study(context)`` returns ``long_term_regime_effects`` and ``long_term_regime_run_info``;
``models/effects/long_term_regime`` documents and tests every column.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

import pandas as pd
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kuairec_causal import registry
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.estimators import longitudinal as lg
from kuairec_causal.estimators.learners import describe_learner, resolve_learner
from kuairec_causal.progress import log, stage
from kuairec_causal.simulate.regime_truth import INCREMENTAL_DELTAS, regime_estimand
from kuairec_causal.studies.common import StudyContext
from kuairec_causal.studies.long_term_tables import covers

STUDY = "long_term_regime"
MART = "mart_long_term_regime_panel"
EFFECTS = "long_term_regime_effects"
RUN_INFO = "long_term_regime_run_info"
CLUSTER = "user_id"
OUTCOME = "followup_interactions"
TRUTH_OUTCOME = "interactions"  # the outcome's name in the planted truth
BASELINE = ["calendar_day_index", "day_of_week", "history_days", "register_days", "follow_user_num",
            "fans_user_num", "friend_user_num", "is_lowactive_period", "is_live_streamer", "is_video_author",
            *[f"onehot_feat{i}" for i in range(18)]]
CATEGORICAL = ["user_active_degree"]
STATIC = "always_vs_never"
INCREMENTAL = "incremental_vs_natural"
# IPW weights are truncated at this quantile of the regime followers' weights: a handful of
# users whose history made the regime unlikely otherwise carry the mean.
IPW_TRUNCATION_QUANTILE = 0.99
PROPENSITY_BOUNDS = (0.01, 0.99)
# Bootstrap replicates of ICE and IPW (each replicate refits the whole sequence, IPW its k
# propensity models): capped so that the stage stays within its two-minute budget at small scale.
# With this few replicates the interval is normal on the bootstrap SD (percentiles of 20
# replicates are too noisy); the doubly robust headline needs no bootstrap.
MAX_BOOT = 20
_STEP = re.compile(r"^step_(?P<s>\d+)_(?P<name>.+)$")


def learners(seed: int) -> dict[str, object]:
    """Nuisance learners: OLS outcome regressions and a standardised L2 logistic propensity (the
    library's default model, C = 1) solved by Newton-Cholesky: the same optimum as lbfgs, about
    three times faster on these ~70k x 90 designs, and the propensity fits dominate the stage."""
    propensity = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=100,
                                                                    random_state=seed))
    return {"outcome": resolve_learner("ols", "outcome_learner"), "propensity": propensity}


@dataclass
class RegimePanel:
    """The mart's rows with their longitudinal roles."""

    data: lg.LongitudinalData
    k_days: int
    rows: int
    users: int
    time_varying: list[str]  # per-step covariate names (without the step_<s>_ prefix)


def load_panel(context: StudyContext) -> RegimePanel:
    frame = context.reader.read(MART)
    if frame.empty:
        raise KuaiRecError(f"{MART} has no rows")
    steps: dict[int, list[str]] = {}
    for column in frame.columns:
        match = _STEP.match(column)
        if match:
            steps.setdefault(int(match["s"]), []).append(match["name"])
    k_days = len(steps)
    if not k_days or sorted(steps) != list(range(k_days)):
        raise KuaiRecError(f"{MART}: step columns step_0_* .. step_<k-1>_* missing or not consecutive")
    covariates = [name for name in steps[0] if name not in ("active_day", "treatment")]
    needed = [CLUSTER, OUTCOME, *BASELINE, *CATEGORICAL,
              *(f"step_{s}_{name}" for s in range(k_days) for name in ("active_day", "treatment", *covariates))]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise KuaiRecError(f"{MART}: missing columns {', '.join(missing)}")
    frame = frame.sort_values([CLUSTER, "event_date"]).reset_index(drop=True)
    data = lg.LongitudinalData(
        frame, treatments=[f"step_{s}_treatment" for s in range(k_days)], outcome=OUTCOME,
        time_varying=[[f"step_{s}_{name}" for name in covariates] for s in range(k_days)],
        possible=[f"step_{s}_active_day" for s in range(k_days)], baseline=BASELINE, categorical=CATEGORICAL,
        cluster=CLUSTER)
    return RegimePanel(data=data, k_days=k_days, rows=len(frame), users=int(frame[CLUSTER].nunique()),
                       time_varying=covariates)


def run_study(context: StudyContext) -> dict[str, pd.DataFrame]:
    settings = context.settings
    seed, n_folds, jobs = settings.seed, settings.n_folds, settings.jobs
    n_boot = min(settings.n_boot, MAX_BOOT)
    models = learners(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with stage("long_term_regime: load panel", timings):
        panel = load_panel(context)
    fits: dict[str, lg.PolicyEffects] = {}
    with stage("long_term_regime: ICE g-computation", timings):
        fits["ice_gcomp_linear"] = lg.ice_g_computation(panel.data, learner=models["outcome"], n_boot=n_boot,
                                                        seed=seed, n_jobs=jobs)
    with stage("long_term_regime: IPW", timings):
        fits["ipw_stabilised"] = lg.ipw_regimes(panel.data, propensity_learner=models["propensity"],
                                                propensity_bounds=PROPENSITY_BOUNDS,
                                                truncation_quantile=IPW_TRUNCATION_QUANTILE, n_boot=n_boot, seed=seed,
                                                n_jobs=jobs)
    with stage("long_term_regime: SDR (cross-fitted)", timings):
        fits["sdr"] = lg.sdr_regimes(panel.data, outcome_learner=models["outcome"],
                                     propensity_learner=models["propensity"], n_folds=n_folds,
                                     propensity_bounds=PROPENSITY_BOUNDS, seed=seed, n_jobs=jobs)
    with stage("long_term_regime: incremental effects", timings):
        fits["incremental"] = lg.incremental_effects(panel.data, deltas=INCREMENTAL_DELTAS,
                                                     outcome_learner=models["outcome"],
                                                     propensity_learner=models["propensity"], n_folds=n_folds,
                                                     seed=seed, n_jobs=jobs)
    table = effect_table(fits, panel.k_days, context, n_boot)
    timings["total"] = time.perf_counter() - started
    log(f"long_term_regime: done in {timings['total']:.1f}s")
    return {EFFECTS: table, RUN_INFO: run_info(context, panel, fits, models, n_boot, timings)}


def _interval(estimate: lg.PolicyEstimate, n_boot: int) -> tuple[float, float, str]:
    """(lower, upper, how): normal on the bootstrap SD for bootstrapped estimators, normal on the
    clustered influence-function SE for the cross-fitted ones."""
    z = float(stats.norm.ppf(0.975))  # 95% intervals, as every effect table of the project
    low, high = estimate.estimate - z * estimate.std_error, estimate.estimate + z * estimate.std_error
    if estimate.replicates is not None:
        return low, high, (f"normal interval on the SD of {n_boot} user-cluster bootstrap replicates "
                           "(nuisance models refitted in every replicate)")
    return low, high, "normal interval, cluster-robust (by user) influence-function SE"


def effect_table(fits: dict[str, lg.PolicyEffects], k_days: int, context: StudyContext, n_boot: int) -> pd.DataFrame:
    """One row per (regime, delta, estimator): the contrast, its interval and the planted truth."""
    rows = []
    for estimator in registry.regime_estimators().values():
        fit = fits[estimator.id]
        contrasts: list[tuple[float | None, lg.PolicyEstimate, str]]
        if estimator.regime == STATIC:
            contrasts = [(None, fit.contrast("always"), regime_estimand(STATIC, k_days))]
        else:
            contrasts = [(delta, fit.contrast(delta), regime_estimand(INCREMENTAL, k_days, delta))
                         for delta in INCREMENTAL_DELTAS]
        for delta, estimate, label in contrasts:
            true_value = context.true_value(STUDY, label, TRUTH_OUTCOME)
            low, high, source = _interval(estimate, n_boot)
            rows.append({
                "regime": estimator.regime, "k_days": k_days, "delta": delta, "estimand": label,
                "outcome": OUTCOME, "estimator_order": estimator.order, "estimator_id": estimator.id,
                "estimator": estimator.label, "method": fit.method, "is_primary": estimator.primary,
                "estimate": estimate.estimate, "std_error": estimate.std_error, "ci_lower": low, "ci_upper": high,
                "reference_mean": estimate.reference_mean, "interval_source": source,
                "n": estimate.n, "users": estimate.n_clusters, "true_value": true_value,
                "covers_truth": covers(low, high, true_value),
            })
    table = pd.DataFrame(rows)
    table["delta"] = table["delta"].astype(float)
    table["true_value"] = table["true_value"].astype(float)
    table["covers_truth"] = table["covers_truth"].astype("boolean")
    return table.sort_values(["regime", "delta", "estimator_order"], na_position="first").reset_index(drop=True)


def run_info(context: StudyContext, panel: RegimePanel, fits: dict[str, lg.PolicyEffects], models: dict,
             n_boot: int, timings: dict[str, float]) -> pd.DataFrame:
    settings = context.settings
    sdr = fits["sdr"].diagnostics
    ipw = fits["ipw_stabilised"].diagnostics.get("weights", {})
    info: list[tuple[str, object]] = [
        ("study", STUDY), ("mart", MART), ("interaction_matrix", context.interaction_matrix),
        ("simulated", context.truth is not None and not context.truth.empty),
        ("rows", panel.rows), ("users", panel.users), ("k_days", panel.k_days), ("outcome", OUTCOME),
        ("deltas", ", ".join(f"{d:g}" for d in INCREMENTAL_DELTAS)),
        ("seed", settings.seed), ("n_folds", settings.n_folds), ("n_boot", n_boot),
        ("time_varying_covariates", ", ".join(panel.time_varying)),
        ("baseline_covariates", ", ".join([*BASELINE, *CATEGORICAL])),
        ("outcome_learner", describe_learner(models["outcome"])),
        ("propensity_learner", describe_learner(models["propensity"])),
        ("propensity_bounds", f"{PROPENSITY_BOUNDS}"), ("ipw_truncation_quantile", IPW_TRUNCATION_QUANTILE),
        ("share_following_always", sdr.get("share_following_always", math.nan)),
        ("share_following_never", sdr.get("share_following_never", math.nan)),
        ("share_propensity_clipped", sdr.get("share_propensity_clipped", math.nan)),
        *((f"ipw_ess_{name}", info.get("ess", math.nan)) for name, info in ipw.items()),
    ]
    info += [(f"runtime_seconds_{_snake(step.removeprefix('long_term_regime: '))}", round(seconds, 2))
             for step, seconds in timings.items()]
    return pd.DataFrame({"key": [k for k, _ in info], "value": [str(v) for _, v in info]})


def _snake(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
