"""Longitudinal g-methods: mean outcomes under treatment policies sustained over several steps.

Data are wide, one row per unit and start time (:class:`LongitudinalData`). For every step s = 0 .. T-1 a row holds the
time-varying covariates L_s (measured before the step's treatment), optionally an indicator R_s
that treatment is possible at all (where R_s = 0 the treatment is 0 with probability 1, e.g. a
day the user is not active), and the binary treatment A_s; plus baseline covariates W, one outcome
Y measured after the last step, and a cluster label (the unit of resampling, of cross-fitting
folds and of robust standard errors). The history before A_s is H_s = (W, L_0, R_0, A_0, ...,
L_s, R_s). Mean outcomes under a policy are identified under sequential ignorability (A_s
independent of the potential outcomes given H_s) and positivity.

Policies:

- static regimes, one 0/1 decision per step applied wherever treatment is possible: "always"
  (treat whenever possible) and "never" by default;
- incremental propensity score interventions (Kennedy 2019): every step's odds of treatment are
  multiplied by delta, q_s(1 | H_s) = delta pi_s / (delta pi_s + 1 - pi_s), pi_s = P(A_s = 1 | H_s);
  delta = 1 is the natural course, whose mean is simply E[Y].

Estimators (each returns a :class:`PolicyEffects`: the mean under every policy and the contrasts
with the reference policy, each a :class:`PolicyEstimate`):

- :func:`ice_g_computation` -- iterated conditional expectations (Bang & Robins 2005): regress
  Y on (H_{T-1}, A_{T-1}), predict under the regime, regress that on (H_{T-2}, A_{T-2}), and so
  on back to step 0; intervals from the cluster bootstrap (every replicate refits the sequence).
- :func:`ipw_regimes` -- Hajek inverse probability weighting with cumulative stabilised,
  truncated weights; intervals from the cluster bootstrap, which refits the propensity models and
  recomputes the truncation cap (an influence function treating the weights as known would ignore
  both and is not conservative for contrasts).
- :func:`sdr_regimes` -- the cross-fitted sequentially doubly robust estimator (Luedtke et al.
  2017; the structure of R's ``lmtp_sdr``): consistent when at every step either the outcome
  regression or the propensity model is right; cluster-robust influence-function intervals.
- :func:`incremental_effects` -- the cross-fitted influence-function estimator of incremental
  propensity score effects (Kennedy 2019, JASA; the structure of R's ``npcausal::ipsi``);
  cluster-robust influence-function intervals.

Contrasts take their standard errors from the per-row difference of the influence functions, or
from paired bootstrap replicates (same seed, same resamples).

Example::

    import numpy as np, pandas as pd
    from kuairec_causal.estimators import longitudinal as lg

    rng = np.random.default_rng(0)
    n = 4000
    df = pd.DataFrame({"user": rng.integers(0, 800, n), "l0": rng.normal(size=n)})
    df["a0"] = (rng.random(n) < 1 / (1 + np.exp(-df["l0"]))).astype(int)
    df["l1"] = 0.6 * df["l0"] + 0.7 * df["a0"] + rng.normal(size=n)
    df["a1"] = (rng.random(n) < 1 / (1 + np.exp(-df["l1"]))).astype(int)
    df["y"] = df["l0"] + df["a0"] + 0.8 * df["l1"] + 1.5 * df["a1"] + rng.normal(size=n)
    panel = lg.LongitudinalData(df, treatments=["a0", "a1"], time_varying=[["l0"], ["l1"]], outcome="y",
                                cluster="user")
    sdr = lg.sdr_regimes(panel, seed=1)           # truth: always - never = 1 + 0.56 + 1.5
    print(sdr.summary()[["estimand", "estimate", "std_error", "ci_lower", "ci_upper"]])
    print(sdr.contrast("always").confint(0.9))
    ipsi = lg.incremental_effects(panel, deltas=(0.5, 2.0), seed=1)
    print(ipsi.contrast(2.0).estimate, ipsi.mean(1.0).estimate)  # delta = 1: the natural course
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from kuairec_causal.errors import ParameterError
from kuairec_causal.parallel import parallel_map

from ._checks import (
    as_names,
    binary_column,
    check_alpha,
    check_bounds,
    check_int,
    check_n_boot,
    check_seed,
    cluster_codes,
    is_binary,
    no_overlap,
    numeric_column,
    require_frame,
)
from ._threads import single_threaded
from .aipw import clustered_mean
from .bootstrap import cluster_bootstrap
from .crossfit import grouped_folds
from .design import DesignSpec, build_design
from .learners import describe_learner, fit_learner, logistic_learner, predict_mean, require_classifier, resolve_learner
from .results import EffectEstimate, EffectSet, from_bootstrap, from_normal
from .weights import effective_sample_size

STATIC_REGIMES = {"always": 1, "never": 0}

# ---------------------------------------------------------------------------------------------
# Results: the interface every estimator of the library is moving to (estimate, std_error,
# confint(level), pvalue, summary(), replicates, to_record()), kept thin on EffectEstimate.


@dataclass(kw_only=True)
class PolicyEstimate(EffectEstimate):
    """One mean or contrast (the interface of :class:`EffectEstimate`: ``confint(level)`` forms
    its percentile or normal interval again at any level, ``pvalue``, ``summary()``).
    ``influence``: per-row influence-function values (normal intervals), whose cluster sums give
    the standard error; differences of two of them give the standard error of a contrast."""

    influence: np.ndarray | None = field(default=None, repr=False)


@dataclass(kw_only=True)
class PolicyEffects(EffectSet):
    """Means under each policy and contrasts with the reference policy, by name.

    Static regimes: means ``"always"``, ``"never"`` and contrast ``"always - never"``. Incremental
    interventions: means ``"delta=0.5"``, ``"delta=1"`` (the natural course), ``"delta=2"`` and
    contrasts ``"delta=0.5 - delta=1"``, ``"delta=2 - delta=1"``. :meth:`mean` and :meth:`contrast`
    look them up by policy (a regime name or a delta)."""

    reference: str

    @staticmethod
    def policy_name(policy: str | float) -> str:
        return policy if isinstance(policy, str) else f"delta={float(policy):g}"

    def mean(self, policy: str | float) -> PolicyEstimate:
        return cast(PolicyEstimate, self[self.policy_name(policy)])

    def contrast(self, policy: str | float) -> PolicyEstimate:
        return cast(PolicyEstimate, self[f"{self.policy_name(policy)} - {self.reference}"])

    def summary(self) -> pd.DataFrame:  # type: ignore[override]  # intervals at the fitted level only
        """One row per mean and contrast (estimate, std_error, interval, p-value, ...)."""
        return self.table()


def _estimate(name: str, method: str, value: float, n: int, n_clusters: int, alpha: float,
              influence: np.ndarray | None = None, codes: np.ndarray | None = None,
              replicates: np.ndarray | None = None, ci_method: str = "", diagnostics: dict[str, Any] | None = None,
              reference_mean: float = math.nan) -> PolicyEstimate:
    """A PolicyEstimate from influence-function values (normal interval) or replicates."""
    common: dict[str, Any] = dict(estimand=name, method=method, estimate=value, n=n, n_clusters=n_clusters, alpha=alpha,
                  reference_mean=reference_mean, diagnostics=diagnostics)
    if replicates is not None:
        base = from_bootstrap(replicates=replicates, **common)
        return PolicyEstimate(**vars(base))
    if influence is not None:
        _, se = clustered_mean(influence, codes)  # type: ignore[arg-type]  # codes come with influence
        base = from_normal(std_error=se, ci_method=ci_method or "normal, cluster-robust influence function", **common)
        return PolicyEstimate(**vars(base), influence=influence)
    base = from_normal(std_error=math.nan, ci_method="none (n_boot=0)", **common)
    return PolicyEstimate(**vars(base))


def _policy_effects(method: str, names: list[str], values: np.ndarray, panel: _Panel, alpha: float,
                    influence: np.ndarray | None = None, replicates: np.ndarray | None = None,
                    diagnostics: dict[str, Any] | None = None, ci_method: str = "") -> PolicyEffects:
    """Means for ``names`` and contrasts of every policy with the reference (the last name), from
    per-row influence values (n x k) or bootstrap replicates (B x k), or points only."""
    reference = len(names) - 1
    effects: dict[str, PolicyEstimate] = {}
    for j, name in enumerate(names):
        effects[name] = _estimate(
            f"E[Y({name})]", method, float(values[j]), panel.n, panel.n_clusters, alpha,
            influence=None if influence is None else influence[:, j], codes=panel.codes,
            replicates=None if replicates is None else replicates[:, j], ci_method=ci_method)
    for j, name in enumerate(names[:-1]):
        effects[f"{name} - {names[reference]}"] = _estimate(
            f"E[Y({name})] - E[Y({names[reference]})]", method, float(values[j] - values[reference]), panel.n,
            panel.n_clusters, alpha, reference_mean=float(values[reference]),
            influence=None if influence is None else influence[:, j] - influence[:, reference], codes=panel.codes,
            replicates=None if replicates is None else replicates[:, j] - replicates[:, reference],
            ci_method=ci_method)
    return PolicyEffects(method=method, effects=effects, reference=names[reference],
                         diagnostics=dict(diagnostics or {}))


# ---------------------------------------------------------------------------------------------
# Data: one feature matrix [W | L_0 R_0 | A_0 | L_1 R_1 | A_1 | ...]; H_s is a prefix of it.


@dataclass
class _Panel:
    y: np.ndarray
    a: np.ndarray  # (n, T) 0/1 floats
    possible: np.ndarray  # (n, T) booleans
    features: np.ndarray  # (n, p): baseline, then each step's covariates followed by its treatment
    treatment_column: list[int]  # column of A_s in features; H_s = features[:, :treatment_column[s]]
    codes: np.ndarray
    n_clusters: int
    design: DesignSpec
    treatments: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def n_steps(self) -> int:
        return cast(int, self.a.shape[1])

    def history(self, s: int, rows: np.ndarray) -> np.ndarray:
        return self.features[rows, : self.treatment_column[s]]

    def step_matrix(self, s: int, rows: np.ndarray, treatment: np.ndarray | None = None) -> np.ndarray:
        """(H_s, A_s) for ``rows`` (an index array, so the result is a copy), with A_s replaced by
        ``treatment`` when given."""
        matrix = self.features[rows, : self.treatment_column[s] + 1]
        if treatment is not None:
            matrix[:, -1] = treatment
        return matrix


def _per_step(value: Sequence[Sequence[str]] | Sequence[str] | None, n_steps: int, parameter: str,
              nested: bool) -> list[tuple[str, ...]] | tuple[str, ...]:
    if value is None:
        return [()] * n_steps if nested else ()
    items = list(value) if not isinstance(value, str) else [value]
    if len(items) != n_steps:
        raise ParameterError(f"{parameter} must have one entry per treatment step ({n_steps}); got {len(items)}")
    if nested:
        return [as_names(item, f"{parameter}[{s}]") for s, item in enumerate(items)]
    return as_names(cast("list[str]", items), parameter)


class LongitudinalData:
    """A wide DataFrame with its longitudinal roles, checked and encoded once (in the manner of
    DoubleML's ``DoubleMLData``); every estimator of this module takes one.

    ``treatments``: one binary column per step. ``time_varying``: per step, the covariates measured
    before that step's treatment. ``possible``: per step, an optional 0/1 column; where it is 0 the
    treatment must be 0 (it is not modelled there, and regimes leave it at 0). ``baseline`` /
    ``categorical``: covariates before step 0 (numeric / one-hot encoded). ``cluster``: the unit
    of folds, resampling and robust standard errors (each row its own cluster when omitted).
    """

    def __init__(self, data: pd.DataFrame, treatments: Sequence[str], outcome: str,
                 time_varying: Sequence[Sequence[str]] | None = None, baseline: Sequence[str] | str | None = (),
                 categorical: Sequence[str] | str | None = (), possible: Sequence[str] | None = None,
                 cluster: str | None = None) -> None:
        data = require_frame(data)
        treatments = as_names(treatments, "treatments")
        if not treatments:
            raise ParameterError("treatments must name at least one treatment column (one per step)")
        n_steps = len(treatments)
        steps = cast("list[tuple[str, ...]]", _per_step(time_varying, n_steps, "time_varying", nested=True))
        possible_names = cast("tuple[str, ...]", _per_step(possible, n_steps, "possible", nested=False))
        baseline, categorical = as_names(baseline, "baseline"), as_names(categorical, "categorical")
        no_overlap({"a treatment": treatments, "the outcome": [outcome], "a baseline covariate": baseline,
                    "a categorical covariate": categorical, "a time-varying covariate": [c for s in steps for c in s],
                    "a treatment-possible indicator": possible_names, "the cluster": [cluster] if cluster else []})
        a = np.column_stack([binary_column(data, name, f"treatment (step {s})") for s, name in enumerate(treatments)])
        step_of = {name: s for s, names in enumerate(steps) for name in (*names, *possible_names[s:s + 1])}
        spec, matrix = build_design(data, [*baseline, *step_of], categorical)
        features, treatment_column = _history_matrix(matrix, spec, step_of, a)
        codes, n_clusters = cluster_codes(data, cluster)
        self.panel = _Panel(y=numeric_column(data, outcome, "outcome"), a=a,
                            possible=_possible_mask(data, a, treatments, possible_names), features=features,
                            treatment_column=treatment_column, codes=codes, n_clusters=n_clusters, design=spec,
                            treatments=treatments)
        self.outcome = outcome

    @property
    def n_steps(self) -> int:
        return self.panel.n_steps

    @property
    def n_clusters(self) -> int:
        return self.panel.n_clusters

    def __len__(self) -> int:
        return self.panel.n

    def __repr__(self) -> str:
        return (f"LongitudinalData({self.panel.n} rows, {self.panel.n_clusters} clusters, {self.n_steps} steps, "
                f"outcome {self.outcome!r}, {self.panel.features.shape[1]} history columns)")


def _possible_mask(data: pd.DataFrame, a: np.ndarray, treatments: tuple[str, ...],
                   possible_names: tuple[str, ...]) -> np.ndarray:
    """(n, T) booleans: treatment possible (all True without indicators); refuses a treated row
    where treatment is not possible."""
    allowed = np.ones_like(a, dtype=bool)
    for s, name in enumerate(possible_names):
        values = numeric_column(data, name, "treatment-possible")
        if not is_binary(values):
            raise ParameterError(f"treatment-possible column '{name}' must be 0/1")
        allowed[:, s] = values == 1
        if np.any(a[:, s][~allowed[:, s]] == 1):
            raise ParameterError(f"treatment column '{treatments[s]}' is 1 on rows where '{name}' is 0")
    return allowed


def _history_matrix(matrix: np.ndarray, spec: DesignSpec, step_of: dict[str, int],
                    a: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """[baseline | step 0 covariates | A_0 | step 1 covariates | A_1 | ...] and the column of each A_s."""
    column_step = np.array([step_of.get(column.source, -1) for column in spec.columns], dtype=int)
    blocks, treatment_column, width = [matrix[:, column_step == -1]], [], int((column_step == -1).sum())
    for s in range(a.shape[1]):
        block = matrix[:, column_step == s]
        width += block.shape[1]
        treatment_column.append(width)
        blocks += [block, a[:, [s]]]
        width += 1
    return np.column_stack(blocks), treatment_column


def _panel_of(data: object) -> _Panel:
    if not isinstance(data, LongitudinalData):
        raise ParameterError(f"data must be a LongitudinalData (a DataFrame with its roles); got {type(data).__name__}")
    return data.panel


def _regimes(regimes: Mapping[str, Sequence[int] | int] | None, n_steps: int) -> dict[str, np.ndarray]:
    """Static regimes as (T,) 0/1 arrays; the first is contrasted with the last (the reference)."""
    regimes = STATIC_REGIMES if regimes is None else regimes
    if not isinstance(regimes, Mapping) or len(regimes) < 2:
        raise ParameterError("regimes must map at least two names to a 0/1 decision (or one per step)")
    out = {}
    for name, decision in regimes.items():
        values = np.broadcast_to(np.asarray(decision, dtype=float), (n_steps,)) if np.ndim(decision) == 0 \
            else np.asarray(decision, dtype=float)
        if values.shape != (n_steps,) or not is_binary(values):
            raise ParameterError(f"regime '{name}' must be 0, 1 or one 0/1 decision per step ({n_steps})")
        out[str(name)] = values
    return out


def _decisions(panel: _Panel, regime: np.ndarray, s: int, rows: np.ndarray) -> np.ndarray:
    """The regime's treatment at step s: its decision where treatment is possible, else 0."""
    return cast(np.ndarray, regime[s] * panel.possible[rows, s])


# ---------------------------------------------------------------------------------------------
# Nuisances


def _propensity(panel: _Panel, learner: Any, s: int, train: np.ndarray, predict: np.ndarray,
                weight: np.ndarray | None = None) -> np.ndarray:
    """P(A_s = 1 | H_s) for rows ``predict``, fitted on the rows of ``train`` where treatment is
    possible; 0 where it is not."""
    fit_rows = train[panel.possible[train, s]]
    target = panel.a[fit_rows, s]
    if target.min() == target.max():
        raise ParameterError(f"treatment column '{panel.treatments[s]}' does not vary where treatment is possible "
                             "(in the full data or a training fold)")
    fit_weight = None if weight is None else weight[panel.possible[train, s]]
    model = fit_learner(learner, panel.history(s, fit_rows), target.astype(int), fit_weight)
    out = np.zeros(len(predict))
    can = panel.possible[predict, s]
    if can.any():
        out[can] = predict_mean(model, panel.history(s, predict[can]))
    return out


def _cross_fitted_propensities(panel: _Panel, learner: Any, folds: np.ndarray, n_jobs: int | None) -> np.ndarray:
    """(n, T) out-of-fold propensities (clusters never straddle folds); folds on ``n_jobs``
    processes, each fold computed on its own (the result does not depend on ``n_jobs``)."""

    def fold(k: int) -> np.ndarray:
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        return np.column_stack([_propensity(panel, learner, s, train, test) for s in range(panel.n_steps)])

    pi = np.zeros((panel.n, panel.n_steps))
    n_folds = int(folds.max()) + 1
    for k, values in enumerate(parallel_map(fold, range(n_folds), n_jobs, "longitudinal propensities")):
        pi[folds == k] = values
    return pi


def _regime_ratios(panel: _Panel, pi: np.ndarray, regime: np.ndarray, rows: np.ndarray,
                   bounds: tuple[float, float] | None) -> np.ndarray:
    """(rows, T) I(A_s = d_s) / P(A_s = d_s | H_s); the propensity is clipped to ``bounds`` where
    treatment is possible (elsewhere d_s = A_s = 0 with probability 1, ratio 1)."""
    ratios = np.empty((len(rows), panel.n_steps))
    for s in range(panel.n_steps):
        d = _decisions(panel, regime, s, rows)
        p = pi[rows, s]
        if bounds is not None:
            p = np.where(panel.possible[rows, s], np.clip(p, *bounds), p)
        followed = panel.a[rows, s] == d
        with np.errstate(divide="ignore"):
            ratios[:, s] = np.where(followed, 1.0 / np.where(d == 1, p, 1.0 - p), 0.0)
    return ratios


def _fit_predict(learner: Any, X: np.ndarray, target: np.ndarray, weight: np.ndarray | None,
                 *frames: np.ndarray) -> list[np.ndarray]:
    model = fit_learner(learner, X, target, weight)
    return [predict_mean(model, frame) for frame in frames]


def _weighted_mean(values: np.ndarray, weight: np.ndarray | None) -> float:
    return float(values.mean()) if weight is None else float(weight @ values / weight.sum())


# ---------------------------------------------------------------------------------------------
# ICE g-computation


def _ice_means(panel: _Panel, learner: Any, regimes: dict[str, np.ndarray], rows: np.ndarray,
               weight: np.ndarray | None) -> np.ndarray:
    means = []
    for regime in regimes.values():
        target = panel.y[rows]
        for s in reversed(range(panel.n_steps)):
            (target,) = _fit_predict(learner, panel.step_matrix(s, rows), target, weight,
                                     panel.step_matrix(s, rows, _decisions(panel, regime, s, rows)))
        means.append(_weighted_mean(target, weight))
    return np.array(means)


@single_threaded
def ice_g_computation(
    data: LongitudinalData,
    learner: Any = "ols",
    regimes: Mapping[str, Sequence[int] | int] | None = None,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    n_jobs: int | None = 1,
) -> PolicyEffects:
    """Iterated conditional expectation g-computation of static regimes (Bang & Robins 2005).

    ``learner``: a regressor (or 'ols' / 'ridge'), refitted at every step, for every regime and in
    every bootstrap replicate (on multiplicity-weighted rows). ``regimes``: name -> 0/1 decision
    (or one per step), applied where treatment is possible; the first is contrasted with the
    last. Default ``{"always": 1, "never": 0}``. Percentile intervals from the cluster bootstrap,
    its replicates spread over ``n_jobs`` processes (the result does not depend on ``n_jobs``).
    """
    learner = resolve_learner(learner, "learner")
    alpha, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    panel = _panel_of(data)
    policies = _regimes(regimes, panel.n_steps)
    rows = np.arange(panel.n)
    values = _ice_means(panel, learner, policies, rows, None)
    replicates = None
    if n_boot:
        replicates = cluster_bootstrap(lambda r, w: _ice_means(panel, learner, policies, r, w), panel.codes,
                                       n_boot, seed, desc="ICE g-computation bootstrap", n_jobs=n_jobs)
    diagnostics = {"n_steps": panel.n_steps, "learner": describe_learner(learner), "design": panel.design.summary()}
    return _policy_effects("ICE g-computation", list(policies), values, panel, alpha, replicates=replicates,
                           diagnostics=diagnostics)


# ---------------------------------------------------------------------------------------------
# IPW


def _ipw_weights(panel: _Panel, pi: np.ndarray, regime: np.ndarray, rows: np.ndarray, weight: np.ndarray | None,
                 bounds: tuple[float, float] | None, truncation_quantile: float | None,
                 max_weight: float | None) -> tuple[np.ndarray, dict[str, Any]]:
    """Cumulative stabilised weights of ``rows`` for a regime, truncated; 0 for rows that left it.

    W = prod_s I(A_s = d_s) / P(A_s = d_s | H_s) has mean 1; stabilising by the share of rows that
    follow the regime throughout (a constant, so the Hajek mean is unchanged) makes the weights of
    the followers average about 1, the scale on which ``max_weight`` is read. A numerator that
    varied with post-baseline variables (e.g. how often treatment was possible) would bias a
    regime mean, so none is used. ``truncation_quantile`` caps weights at that quantile of the
    followers' weights."""
    raw = np.prod(_regime_ratios(panel, pi, regime, rows, bounds), axis=1)
    base = np.ones(len(rows)) if weight is None else weight
    followers = raw > 0
    share = float(base[followers].sum() / base.sum())
    stabilised = raw * share
    cap = np.inf
    if truncation_quantile is not None and followers.any():
        cap = float(np.quantile(stabilised[followers], truncation_quantile))
    if max_weight is not None:
        cap = min(cap, max_weight)
    truncated = np.minimum(stabilised, cap)
    diagnostics = {"share_following": share, "cap": cap, "share_truncated": float(np.mean(stabilised[followers] > cap))
                   if followers.any() else math.nan}
    return truncated, diagnostics


def _ipw_means(panel: _Panel, learner: Any, regimes: dict[str, np.ndarray], rows: np.ndarray,
               weight: np.ndarray | None, options: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
    pi = np.zeros((panel.n, panel.n_steps))
    for s in range(panel.n_steps):
        pi[rows, s] = _propensity(panel, learner, s, rows, rows, weight)
    means, diagnostics = [], {}
    base = np.ones(len(rows)) if weight is None else weight
    for name, regime in regimes.items():
        w, info = _ipw_weights(panel, pi, regime, rows, weight, **options)
        total = base @ w
        means.append(float((base * w) @ panel.y[rows] / total) if total > 0 else math.nan)
        followers = w > 0
        info["ess"] = effective_sample_size(w[followers]) if followers.any() else 0.0
        info["max_weight"] = float(w.max())
        diagnostics[name] = info
    return np.array(means), diagnostics


@single_threaded
def ipw_regimes(
    data: LongitudinalData,
    propensity_learner: Any = None,
    regimes: Mapping[str, Sequence[int] | int] | None = None,
    propensity_bounds: tuple[float, float] | None = (0.01, 0.99),
    truncation_quantile: float | None = None,
    max_weight: float | None = None,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    n_jobs: int | None = 1,
) -> PolicyEffects:
    """Hajek IPW estimate of static regimes with cumulative stabilised (optionally truncated) weights.

    Propensities P(A_s = 1 | H_s) are fitted per step on the rows where treatment is possible
    (default learner: standardised logistic regression). ``truncation_quantile`` caps the weights
    at that quantile of the followers' weights, ``max_weight`` at a fixed value; both trade bias
    for variance (a capped weight belongs to a row whose history made the regime unlikely, and
    such rows are rarely typical), so neither is applied by default: report them as a
    sensitivity analysis. Intervals: cluster-bootstrap percentiles; every replicate refits the
    propensity models and recomputes the cap (replicates on ``n_jobs`` processes; the result does
    not depend on ``n_jobs``).
    """
    propensity_learner = logistic_learner(seed=seed) if propensity_learner is None else propensity_learner
    require_classifier(propensity_learner, "propensity_learner")
    alpha, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    options = {"bounds": check_bounds(propensity_bounds, "propensity_bounds"),
               "truncation_quantile": _check_quantile(truncation_quantile), "max_weight": _check_cap(max_weight)}
    panel = _panel_of(data)
    policies = _regimes(regimes, panel.n_steps)
    rows = np.arange(panel.n)
    values, weight_info = _ipw_means(panel, propensity_learner, policies, rows, None, options)
    replicates = None
    if n_boot:
        replicates = cluster_bootstrap(lambda r, w: _ipw_means(panel, propensity_learner, policies, r, w, options)[0],
                                       panel.codes, n_boot, seed, desc="longitudinal IPW bootstrap", n_jobs=n_jobs)
    diagnostics = {"n_steps": panel.n_steps, "propensity_learner": describe_learner(propensity_learner),
                   "weights": weight_info, "design": panel.design.summary()}
    truncation = [f"truncated at the {truncation_quantile:g} quantile"] if truncation_quantile is not None else []
    truncation += [f"capped at {max_weight:g}"] if max_weight is not None else []
    method = f"IPW (stabilised weights{', ' if truncation else ''}{', '.join(truncation)}; Hajek)"
    return _policy_effects(method, list(policies), values, panel, alpha,
                           replicates=replicates, diagnostics=diagnostics)


def _check_quantile(value: float | None) -> float | None:
    if value is not None and not (isinstance(value, (int, float)) and 0.5 <= value <= 1):
        raise ParameterError(f"truncation_quantile must be in [0.5, 1] or None; got {value!r}")
    return value


def _check_cap(value: float | None) -> float | None:
    if value is not None and not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
        raise ParameterError(f"max_weight must be a positive number or None; got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------
# Cross-fitted sequential estimators (SDR for static regimes, Kennedy's for incremental ones).
# As in lmtp: propensities are cross-fitted once; then, fold by fold, the whole backward sequence
# of outcome regressions is fitted on the training rows (whose regression targets use their own
# cross-fitted propensities) and evaluated on the held-out rows.

PseudoOutcome = Callable[[int, np.ndarray, dict[str, Any]], np.ndarray]


def _backward_sequence(panel: _Panel, learner: Any, folds: np.ndarray, target_after: PseudoOutcome,
                       arms: Callable[[int, np.ndarray], dict[str, np.ndarray | None]],
                       desc: str, n_jobs: int | None) -> dict[str, np.ndarray]:
    """Out-of-fold outcome-regression predictions m_s under named treatment values, (n, T) each.

    ``arms(s, rows)``: name -> A_s values to predict at (None: the observed A_s).
    ``target_after(s, rows, predictions)``: the regression target of step s for ``rows`` given
    the predictions of later steps for the same rows (Y for the last step). Folds run on
    ``n_jobs`` processes, each on its own (the result does not depend on ``n_jobs``).
    """

    def fold(k: int) -> dict[str, np.ndarray]:
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        fitted: dict[str, np.ndarray] = {}
        held_out: dict[str, np.ndarray] = {}
        for s in reversed(range(panel.n_steps)):
            target = target_after(s, train, fitted)
            model = fit_learner(learner, panel.step_matrix(s, train), target)
            for rows, store in ((train, fitted), (test, held_out)):
                for name, treatment in arms(s, rows).items():
                    column = store.setdefault(name, np.full((len(rows), panel.n_steps), np.nan))
                    column[:, s] = predict_mean(model, panel.step_matrix(s, rows, treatment))
        return held_out

    out: dict[str, np.ndarray] = {}
    n_folds = int(folds.max()) + 1
    for k, held_out in enumerate(parallel_map(fold, range(n_folds), n_jobs, desc)):
        for name, values in held_out.items():
            out.setdefault(name, np.full((panel.n, panel.n_steps), np.nan))[folds == k] = values
    return out


def _sdr_transform(y: np.ndarray, ratios: np.ndarray, shifted: np.ndarray, natural: np.ndarray,
                   start: int) -> np.ndarray:
    """m_start(d) + sum_{k >= start} prod_{j=start..k} r_j * (m_{k+1}(d) - m_k(A_k)), m_T = Y: the
    doubly robust transformation (the regression target of step start - 1, and at start = 0 the
    uncentred influence function)."""
    n_steps = ratios.shape[1]
    after = np.column_stack([shifted[:, start + 1:], y]) if start + 1 < n_steps else y[:, None]
    cumulative = np.cumprod(ratios[:, start:], axis=1)
    return cast(np.ndarray, shifted[:, start] + np.sum(cumulative * (after - natural[:, start:]), axis=1))


@single_threaded
def sdr_regimes(
    data: LongitudinalData,
    outcome_learner: Any = "ols",
    propensity_learner: Any = None,
    regimes: Mapping[str, Sequence[int] | int] | None = None,
    n_folds: int = 5,
    propensity_bounds: tuple[float, float] | None = (0.01, 0.99),
    seed: int = 0,
    alpha: float = 0.05,
    n_jobs: int | None = 1,
) -> PolicyEffects:
    """Cross-fitted sequentially doubly robust estimator of static regimes (Luedtke et al. 2017).

    At step s the outcome regression is fitted to the doubly robust transformation of the later
    steps' predictions, m_{s+1}(d) + sum_{k > s} prod_{j=s+1..k} r_j (m_{k+1}(d) - m_k(A_k)) with
    r_j = I(A_j = d_j) / P(A_j = d_j | H_j); the estimate is the mean of the same transformation
    from step 0, whose centred values are the efficient influence function (cluster-robust SE).
    Folds are grouped by cluster; propensities are clipped to ``propensity_bounds`` where
    treatment is possible. No targeting step (TMLE) is applied. Folds run on ``n_jobs`` processes
    (the result does not depend on ``n_jobs``).
    """
    outcome_learner = resolve_learner(outcome_learner, "outcome_learner")
    propensity_learner = logistic_learner(seed=seed) if propensity_learner is None else propensity_learner
    require_classifier(propensity_learner, "propensity_learner")
    bounds = check_bounds(propensity_bounds, "propensity_bounds")
    alpha, seed, n_folds = check_alpha(alpha), check_seed(seed), check_int(n_folds, "n_folds", 2)
    panel = _panel_of(data)
    policies = _regimes(regimes, panel.n_steps)
    folds = grouped_folds(panel.codes, n_folds, seed)
    pi = _cross_fitted_propensities(panel, propensity_learner, folds, n_jobs)
    influence, diagnostics = [], {"n_steps": panel.n_steps, "n_folds": n_folds,
                                  "outcome_learner": describe_learner(outcome_learner),
                                  "propensity_learner": describe_learner(propensity_learner),
                                  **_propensity_diagnostics(panel, pi, bounds), "design": panel.design.summary()}
    for name, regime in policies.items():
        ratios = _regime_ratios(panel, pi, regime, np.arange(panel.n), bounds)

        def target_after(s: int, rows: np.ndarray, fitted: dict[str, Any], ratios: np.ndarray = ratios) -> np.ndarray:
            if s == panel.n_steps - 1:
                return cast(np.ndarray, panel.y[rows])
            return _sdr_transform(panel.y[rows], ratios[rows], fitted["regime"], fitted["natural"], s + 1)

        def arms(s: int, rows: np.ndarray, regime: np.ndarray = regime) -> dict[str, np.ndarray | None]:
            return {"regime": _decisions(panel, regime, s, rows), "natural": None}

        m = _backward_sequence(panel, outcome_learner, folds, target_after, arms, f"SDR sequence ({name})", n_jobs)
        influence.append(_sdr_transform(panel.y, ratios, m["regime"], m["natural"], 0))
        diagnostics[f"share_following_{name}"] = float(np.mean(np.all(ratios > 0, axis=1)))
    values = np.array([values.mean() for values in influence])
    return _policy_effects("SDR (cross-fitted)", list(policies), values, panel, alpha,
                           influence=np.column_stack(influence) - values, diagnostics=diagnostics)


def _propensity_diagnostics(panel: _Panel, pi: np.ndarray, bounds: tuple[float, float] | None) -> dict[str, Any]:
    values = pi[panel.possible]
    clipped = 0.0 if bounds is None else float(np.mean((values < bounds[0]) | (values > bounds[1])))
    return {"propensity_min": float(values.min()), "propensity_max": float(values.max()),
            "share_propensity_clipped": clipped}


# ---------------------------------------------------------------------------------------------
# Incremental propensity score interventions


def _incremental_value(delta: float, pi: np.ndarray, m1: np.ndarray, m0: np.ndarray) -> np.ndarray:
    """sum_a m(a) q(a | H) for the odds-shifted policy q(1 | H) = delta pi / (delta pi + 1 - pi)."""
    return cast(np.ndarray, (delta * pi * m1 + (1 - pi) * m0) / (delta * pi + 1 - pi))


def _incremental_influence(delta: float, y: np.ndarray, a: np.ndarray, pi: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Kennedy's (2019) uncentred influence function:
    prod_t w_t Y + sum_t (prod_{s <= t} w_s) V_t R_t with w_t = (delta A_t + 1 - A_t) /
    (delta pi_t + 1 - pi_t), V_t = (1 - delta) (A_t (1 - pi_t) - (1 - A_t) delta pi_t) / delta and
    R_t the policy's value of step t's outcome regression."""
    w = np.cumprod((delta * a + 1 - a) / (delta * pi + 1 - pi), axis=1)
    v = (1 - delta) * (a * (1 - pi) - (1 - a) * delta * pi) / delta
    return cast(np.ndarray, w[:, -1] * y + np.sum(w * v * value, axis=1))


@single_threaded
def incremental_effects(
    data: LongitudinalData,
    deltas: Sequence[float] = (0.5, 2.0),
    outcome_learner: Any = "ols",
    propensity_learner: Any = None,
    n_folds: int = 5,
    seed: int = 0,
    alpha: float = 0.05,
    n_jobs: int | None = 1,
) -> PolicyEffects:
    """Effects of multiplying every step's odds of treatment by delta (Kennedy 2019).

    Means E[Y(delta)] for every delta and for delta = 1 (the natural course, E[Y]); contrasts of
    each delta with delta = 1. The outcome regression of step s is fitted to the policy's value
    of step s+1, R_{s+1} = sum_a m_{s+1}(a) q_{s+1}(a | H_{s+1}) (Y for the last step), fold by
    fold; propensities are cross-fitted; folds are grouped by cluster; normal intervals from the
    cluster-robust influence function. The intervention needs no positivity: it never moves a
    propensity of 0 or 1 (treatment stays 0 where it is not possible). Folds run on ``n_jobs``
    processes (the result does not depend on ``n_jobs``).
    """
    deltas = _check_deltas(deltas)
    outcome_learner = resolve_learner(outcome_learner, "outcome_learner")
    propensity_learner = logistic_learner(seed=seed) if propensity_learner is None else propensity_learner
    require_classifier(propensity_learner, "propensity_learner")
    alpha, seed, n_folds = check_alpha(alpha), check_seed(seed), check_int(n_folds, "n_folds", 2)
    panel = _panel_of(data)
    folds = grouped_folds(panel.codes, n_folds, seed)
    pi = _cross_fitted_propensities(panel, propensity_learner, folds, n_jobs)
    influence = []
    for delta in deltas:
        def policy_value(s: int, rows: np.ndarray, fitted: dict[str, Any], delta: float = delta) -> np.ndarray:
            return _incremental_value(delta, pi[rows, s], fitted["treated"][:, s], fitted["untreated"][:, s])

        def target_after(s: int, rows: np.ndarray, fitted: dict[str, Any],
                         value: PseudoOutcome = policy_value) -> np.ndarray:
            return cast(np.ndarray, panel.y[rows] if s == panel.n_steps - 1 else value(s + 1, rows, fitted))

        def arms(s: int, rows: np.ndarray) -> dict[str, np.ndarray | None]:
            return {"treated": np.ones(len(rows)), "untreated": np.zeros(len(rows))}

        m = _backward_sequence(panel, outcome_learner, folds, target_after, arms,
                               f"incremental sequence (delta={delta:g})", n_jobs)
        value = _incremental_value(delta, pi, m["treated"], m["untreated"])
        influence.append(_incremental_influence(delta, panel.y, panel.a, pi, value))
    influence.append(panel.y.copy())  # delta = 1: the natural course
    names = [PolicyEffects.policy_name(delta) for delta in deltas] + [PolicyEffects.policy_name(1.0)]
    values = np.array([values.mean() for values in influence])
    diagnostics = {"n_steps": panel.n_steps, "n_folds": n_folds, "deltas": list(deltas),
                   "outcome_learner": describe_learner(outcome_learner),
                   "propensity_learner": describe_learner(propensity_learner),
                   **_propensity_diagnostics(panel, pi, None), "design": panel.design.summary()}
    return _policy_effects("incremental propensity score intervention (cross-fitted)", names, values, panel, alpha,
                           influence=np.column_stack(influence) - values, diagnostics=diagnostics)


def _check_deltas(deltas: Sequence[float]) -> tuple[float, ...]:
    try:
        values = tuple(float(d) for d in deltas)
    except (TypeError, ValueError):
        raise ParameterError(f"deltas must be a sequence of positive numbers; got {deltas!r}") from None
    if not values or any(not np.isfinite(d) or d <= 0 or d == 1 for d in values) or len(set(values)) < len(values):
        raise ParameterError("deltas must be distinct positive numbers other than 1 (the natural course); "
                             f"got {deltas!r}")
    return values
