"""Cross-fitted AIPW (doubly robust) estimation, and heterogeneity from its per-row scores.

Per-row score: phi_i = mu1 - mu0 + A (Y - mu1) / e - (1 - A) (Y - mu0) / (1 - e), with all
nuisances predicted out of fold (folds grouped by cluster). The estimate is the (weighted) mean
score. For the effect on the treated (ATT) or on the controls (ATC) the score is that of the
effect in the target population T (T = A, resp. 1 - A; pi(x) = P(T = 1 | x) = e, resp. 1 - e;
Hahn 1998, the ``ATTE`` score of DoubleML's IRM): with p = mean T,
m1 = mean[T mu1 + A pi (Y - mu1) / e] / p and m0 = mean[T mu0 + (1 - A) pi (Y - mu0) / (1 - e)] / p,
and each row's score is centred as its influence function, m + (n_i - m T_i) / p, so that the
cluster-robust SE of its mean accounts for p being estimated. The standard error is the
cluster-robust influence-function SE (scores summed within cluster); the interval is
estimate +/- z * the cluster-bootstrap SD of the mean score (nuisances are not refitted: the
standard double/debiased ML approximation).

With ``n_rep`` > 1 the cross-fitting is repeated on ``n_rep`` independent fold splits
(Chernozhukov et al. 2018, Definition 3.3, mean aggregation): the per-row score is the mean of
the splits' scores, so the estimate is the mean of the split estimates, and the variance adds
the spread of the split estimates, sigma^2 = mean_s(sigma_s^2 + (theta_s - theta)^2). On small
samples the split is a real source of variance that one split hides; the bootstrap carries it
too: replicate b resamples clusters and uses split b mod n_rep.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from kuairec_causal.errors import ParameterError
from kuairec_causal.parallel import parallel_map

from ._checks import (
    as_names,
    check_alpha,
    check_bounds,
    check_choice,
    check_estimand,
    check_int,
    check_n_boot,
    check_seed,
    check_weights,
    factorize,
    target_indicator,
)
from ._data import CausalData, prepare
from ._fitting import OutcomeModel, RowFitter
from ._threads import single_threaded
from .bootstrap import bootstrap_std, bootstrap_weighted_means, cluster_sums, percentile_interval
from .crossfit import classification_metrics, grouped_folds, nuisance_table, regression_metrics
from .design import build_design
from .learners import describe_learner, feature_importances, fit_learner, require_classifier, resolve_learner
from .results import EffectEstimate, from_normal


@dataclass(kw_only=True)
class AIPWResult:
    """``effect``: the ATE, ATT or ATC as asked (the result also answers :class:`EffectEstimate`'s interface for it).
    ``scores``: per-row doubly robust scores (their mean is the ATE; with
    several splits, the mean over splits). ``nuisances``: out-of-fold mu1, mu0, propensity (after
    clipping; with several splits, means over splits) and the fold of the first split per row.
    ``metrics``: out-of-fold nuisance accuracy (of those means, per fold of the first split).
    ``mean_y1`` / ``mean_y0``: AIPW means of the potential outcomes (``mean_y0`` is the reference
    of the relative effect). ``other_estimands``: the estimands asked for with ``also_estimands``
    (e.g. ``result.other_estimands["ATT"]``), from the same out-of-fold nuisances."""

    effect: EffectEstimate
    scores: np.ndarray
    nuisances: pd.DataFrame
    metrics: pd.DataFrame
    mean_y1: float
    mean_y0: float
    other_estimands: dict[str, EffectEstimate] = field(default_factory=dict)

    # The result reads as its effect: the common interface of EffectEstimate.
    @property
    def estimate(self) -> float:
        return self.effect.estimate

    @property
    def std_error(self) -> float:
        return self.effect.std_error

    @property
    def pvalue(self) -> float:
        return self.effect.pvalue

    @property
    def replicates(self) -> np.ndarray | None:
        return self.effect.replicates

    def confint(self, level: float = 0.95) -> tuple[float, float]:
        return self.effect.confint(level)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        return self.effect.summary(level)

    def to_record(self) -> dict[str, object]:
        return self.effect.to_record()


def clustered_mean(values: np.ndarray, codes: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """(weighted mean, cluster-robust SE of the mean from the influence function).

    Var = G/(G-1) * sum_g (sum_{i in g} w_i (v_i - mean))^2 / (sum w)^2.
    """
    w = np.ones(len(values)) if weights is None else weights
    total = w.sum()
    mean = float(w @ values / total)
    codes, n_clusters = factorize(codes)
    sums = cluster_sums(w * (values - mean), codes, n_clusters)[:, 0]
    if n_clusters < 2:
        return mean, np.nan
    return mean, float(np.sqrt(n_clusters / (n_clusters - 1) * np.sum(sums**2)) / total)


def aipw(data: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str] | str | None = (),
         categorical: Sequence[str] | str | None = (), cluster: str | None = None, **options: Any) -> AIPWResult:
    """Cross-fitted AIPW estimate of the ATE (outcome models per arm by default, strategy "t").

    ``options``: those of :func:`aipw_outcomes` (learners, ``strategy``, ``n_folds``,
    ``propensity_bounds``, ``weights``, ``n_boot``, ``seed``, ``alpha``, ``n_rep``, ``n_jobs``,
    ``estimand``).
    """
    return aipw_outcomes(data, treatment, [outcome], covariates, categorical, cluster, **options)[outcome]


@single_threaded
def aipw_outcomes(
    data: pd.DataFrame,
    treatment: str,
    outcomes: Sequence[str] | str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    outcome_learner: Any = "ols",
    propensity_learner: Any = "logistic",
    strategy: str = "t",
    n_folds: int = 5,
    propensity_bounds: tuple[float, float] | None = (0.01, 0.99),
    weights: str | np.ndarray | None = None,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    lightgbm_fast_path: bool = True,
    n_rep: int = 1,
    n_jobs: int | None = 1,
    estimand: str = "ATE",
    also_estimands: Sequence[str] = (),
) -> dict[str, AIPWResult]:
    """Cross-fitted AIPW for one or several outcomes (keyed by outcome; :func:`aipw` for one):
    the same folds, one propensity fit per fold for all of them, the same bootstrap resamples.

    ``estimand``: "ATE", "ATT" (effect on the treated) or "ATC" (on the controls);
    ``also_estimands``: further estimands from the same fits (in ``result.other_estimands``).
    ``n_rep``: number of independent cross-fitting splits (split r uses fold seed ``seed + r``).
    The folds of all splits are fitted on ``n_jobs`` processes (the result does not depend on it).
    """
    outcome_learner = resolve_learner(outcome_learner, "outcome_learner")
    propensity_learner = resolve_learner(propensity_learner, "propensity_learner")
    require_classifier(propensity_learner, "propensity_learner")
    strategy = check_choice(strategy, "strategy", ["s", "t"])
    bounds = check_bounds(propensity_bounds, "propensity_bounds")
    alpha, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    n_folds, n_rep = check_int(n_folds, "n_folds", 2), check_int(n_rep, "n_rep", 1)
    estimand = check_estimand(estimand)
    also_estimands = [check_estimand(other, "also_estimands") for other in also_estimands]
    outcomes = as_names(outcomes, "outcomes")
    preps = {o: prepare(data, treatment, o, covariates=covariates, categorical=categorical, cluster=cluster,
                        weights=weights) for o in outcomes}
    prep = preps[outcomes[0]]
    outcome_models = {o: OutcomeModel(outcome_learner, prep.a, prep.X, p.y, strategy, lightgbm_fast_path)
                      for o, p in preps.items()}
    treatment_model = RowFitter(propensity_learner, prep.X, prep.a, fast_path=lightgbm_fast_path)
    fold_sets = [grouped_folds(prep.codes, n_folds, seed + r) for r in range(n_rep)]
    for folds in fold_sets:
        for k in range(n_folds):
            if len(np.unique(prep.a[folds != k])) < 2:
                raise ParameterError(f"n_folds={n_folds}: a training fold has only one treatment arm; "
                                     "use fewer folds")
    w = prep.base_weights

    def fit_fold(task: tuple[int, int]) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, ...]]]:
        split, k = task
        train, test = np.flatnonzero(fold_sets[split] != k), np.flatnonzero(fold_sets[split] == k)
        e_raw = treatment_model.predict(treatment_model.fit(train, w[train]), test)
        return e_raw, {o: model.fit_predict(train, w[train], test) for o, model in outcome_models.items()}

    tasks = [(r, k) for r in range(n_rep) for k in range(n_folds)]
    fitted = dict(zip(tasks, parallel_map(fit_fold, tasks, n_jobs, desc="AIPW cross-fitting")))
    results = {}
    for o, p in preps.items():
        def result(target: str, o: str = o, p: CausalData = p) -> AIPWResult:
            splits = [_split(p, folds, {k: (fitted[(r, k)][0], *fitted[(r, k)][1][o]) for k in range(n_folds)},
                             bounds, target) for r, folds in enumerate(fold_sets)]
            return _aipw_result(data, p, splits, outcome_learner, propensity_learner, strategy, n_folds, n_rep,
                                n_boot, seed, alpha, target)

        results[o] = result(estimand)
        results[o].other_estimands = {other: result(other).effect for other in also_estimands}
    return results


def _aipw_result(data: pd.DataFrame, prep: CausalData, splits: list[_Split], outcome_learner: Any,
                 propensity_learner: Any,
                 strategy: str, n_folds: int, n_rep: int, n_boot: int, seed: int, alpha: float,
                 estimand: str = "ATE") -> AIPWResult:
    mu1, mu0, e, e_raw, psi1, psi0 = (np.mean([getattr(split, name) for split in splits], axis=0)
                                      for name in ("mu1", "mu0", "e", "e_raw", "psi1", "psi0"))
    scores = psi1 - psi0
    split_fits = np.array([clustered_mean(split.score, prep.codes, prep.weights) for split in splits])
    estimate, se = _split_aggregate(split_fits)
    mean1, mean0 = (clustered_mean(psi, prep.codes, prep.weights)[0] for psi in (psi1, psi0))
    folds = splits[0].folds
    observed = np.where(prep.a == 1, mu1, mu0)
    metrics = nuisance_table({"outcome": regression_metrics(prep.y, observed, folds, prep.weights),
                              "propensity": classification_metrics(prep.a, e_raw, folds, prep.weights)})
    raw = np.concatenate([split.e_raw for split in splits])
    diagnostics = {
        "mean_y1": mean1, "mean_y0": mean0, "strategy": strategy, "n_folds": n_folds, "n_rep": n_rep,
        "split_estimates": split_fits[:, 0].tolist(),
        "outcome_learner": describe_learner(outcome_learner),
        "propensity_learner": describe_learner(propensity_learner),
        "propensity_min": float(raw.min()), "propensity_max": float(raw.max()),
        "share_propensity_clipped": float(np.mean([np.mean(split.e != split.e_raw) for split in splits])),
        "design": prep.design.summary(),
    }
    splits_note = f", {n_rep} cross-fitting splits" if n_rep > 1 else ""
    effect = from_normal(estimand=estimand, method="AIPW (cross-fitted)", estimate=estimate, std_error=se, n=prep.n,
                         n_clusters=prep.n_clusters, alpha=alpha, reference_mean=mean0,
                         ci_method=f"normal, cluster-robust influence function{splits_note}",
                         diagnostics=diagnostics)
    if n_boot:
        _attach_score_bootstrap(effect, splits, prep.codes, prep.weights, n_boot, seed, alpha)
    nuisances = pd.DataFrame({"mu1": mu1, "mu0": mu0, "propensity": e, "fold": folds}, index=data.index)
    return AIPWResult(effect=effect, scores=scores, nuisances=nuisances, metrics=metrics, mean_y1=mean1,
                      mean_y0=mean0)


@dataclass
class _Split:
    """One cross-fitting split: folds, out-of-fold nuisances and the two halves of the score."""

    folds: np.ndarray
    mu1: np.ndarray
    mu0: np.ndarray
    e_raw: np.ndarray
    e: np.ndarray
    psi1: np.ndarray
    psi0: np.ndarray

    @property
    def score(self) -> np.ndarray:
        return cast(np.ndarray, self.psi1 - self.psi0)


def _split(prep: CausalData, folds: np.ndarray, by_fold: dict[int, tuple[np.ndarray, ...]],
           bounds: tuple[float, float] | None, estimand: str = "ATE") -> _Split:
    """A split from its folds' out-of-fold (propensity, mu1, mu0), and the AIPW score halves."""
    mu1, mu0, e_raw = np.empty(prep.n), np.empty(prep.n), np.empty(prep.n)
    for k, (e_fold, mu1_fold, mu0_fold) in by_fold.items():
        test = folds == k
        e_raw[test], mu1[test], mu0[test] = e_fold, mu1_fold, mu0_fold
    e = e_raw if bounds is None else np.clip(e_raw, *bounds)
    a, y = prep.a, prep.y
    if estimand == "ATE":
        psi1, psi0 = mu1 + a * (y - mu1) / e, mu0 + (1 - a) * (y - mu0) / (1 - e)
    else:
        psi1, psi0 = _target_scores(a, y, mu1, mu0, e, target_indicator(a, estimand), e if estimand == "ATT" else 1 - e,
                                    prep.base_weights)
    return _Split(folds=folds, mu1=mu1, mu0=mu0, e_raw=e_raw, e=e, psi1=psi1, psi0=psi0)


def _target_scores(a: np.ndarray, y: np.ndarray, mu1: np.ndarray, mu0: np.ndarray, e: np.ndarray,
                   target: np.ndarray, pi: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Influence-function scores of mean Y(1) and mean Y(0) in the population ``target`` (T), whose
    membership probability given x is ``pi``: their weighted means are the estimates."""
    share = w @ target / w.sum()

    def centred(numerator: np.ndarray) -> np.ndarray:
        mean = float(w @ numerator / (w @ target))
        return cast(np.ndarray, mean + (numerator - mean * target) / share)

    return (centred(target * mu1 + a * pi * (y - mu1) / e),
            centred(target * mu0 + (1 - a) * pi * (y - mu0) / (1 - e)))


def _split_aggregate(split_fits: np.ndarray) -> tuple[float, float]:
    """(mean of the split estimates, sqrt(mean_s(se_s^2 + (theta_s - theta)^2))) from rows (theta_s, se_s)."""
    estimate = float(split_fits[:, 0].mean())
    return estimate, float(np.sqrt(np.mean(split_fits[:, 1] ** 2 + (split_fits[:, 0] - estimate) ** 2)))


def _attach_score_bootstrap(effect: EffectEstimate, splits: list[_Split], codes: np.ndarray,
                            weights: np.ndarray | None, n_boot: int, seed: int, alpha: float) -> None:
    """Replace the interval by estimate +/- z * (cluster-bootstrap SD of the mean score).

    Every split's effect and control mean are bootstrapped with the same cluster resamples;
    replicate b takes split b mod n_rep, so the replicates mix the splits and their spread
    includes the split-to-split variance (one split: the plain score bootstrap). A normal
    interval on the bootstrap SD, not percentiles: with near-extreme propensities the mean score
    is heavy-tailed on small samples, which makes percentile limits too tight.
    """
    n_rep, n = len(splits), len(codes)
    stacked = np.concatenate([split.score for split in splits] + [split.psi0 for split in splits])
    groups = np.repeat(np.arange(2 * n_rep), n)
    w = None if weights is None else np.tile(weights, 2 * n_rep)
    replicates = bootstrap_weighted_means(stacked, np.tile(codes, 2 * n_rep), n_boot, seed, w, groups)
    rows, split_of = np.arange(n_boot), np.arange(n_boot) % n_rep
    effects, controls = replicates[rows, split_of], replicates[rows, n_rep + split_of]
    with np.errstate(invalid="ignore", divide="ignore"):
        se, relative_se = bootstrap_std(np.column_stack([effects, effects / controls]))
    z = stats.norm.ppf(1 - alpha / 2)
    low, high = percentile_interval(effects, alpha)
    effect.diagnostics.update(normal_ci_lower=effect.ci_lower, normal_ci_upper=effect.ci_upper,
                              percentile_ci_lower=float(low), percentile_ci_upper=float(high),
                              bootstrap_std_error=float(se))
    effect.ci_lower, effect.ci_upper = effect.estimate - z * se, effect.estimate + z * se
    relative = effect.relative_effect
    effect.relative_ci_lower, effect.relative_ci_upper = relative - z * relative_se, relative + z * relative_se
    splits_note = f", replicate b on cross-fitting split b mod {n_rep}" if n_rep > 1 else ""
    effect.ci_method = (f"normal with the cluster-bootstrap SD of the mean score (B={n_boot}{splits_note}); "
                        "std_error from the influence function")
    effect.replicates, effect.interval = effects, "normal_bootstrap_sd"


def segment_effects(
    scores: np.ndarray,
    segment_labels: np.ndarray | pd.Series,
    clusters: np.ndarray | pd.Series,
    n_boot: int = 200,
    seed: int = 0,
    min_rows: int = 1,
    min_clusters: int = 1,
    weights: np.ndarray | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Mean score per segment with a clustered SE and a cluster-bootstrap percentile interval.

    ``passes_size_filter`` flags segments with at least ``min_rows`` rows and ``min_clusters``
    clusters; small segments are reported, not dropped. A cluster may span several segments.
    With ``n_boot`` the table also has the replicates' mean and SD (``bootstrap_mean``,
    ``bootstrap_std``).
    """
    scores = np.asarray(scores, dtype=float)
    labels = pd.Series(np.asarray(segment_labels, dtype=object))
    if len(labels) != len(scores) or len(np.asarray(clusters)) != len(scores):
        raise ParameterError(f"scores ({len(scores)}), segment_labels ({len(labels)}) and clusters "
                             f"({len(np.asarray(clusters))}) must have the same length")
    if labels.isna().any():
        raise ParameterError(f"segment_labels has {int(labels.isna().sum())} missing values")
    n_boot, seed, alpha = check_n_boot(n_boot), check_seed(seed), check_alpha(alpha)
    check_int(min_rows, "min_rows", 0), check_int(min_clusters, "min_clusters", 0)
    w = None if weights is None else check_weights(weights)
    codes, _ = factorize(clusters)
    segments, names = pd.factorize(labels, sort=True)
    rows = []
    for k, name in enumerate(names):
        part = segments == k
        mean, se = clustered_mean(scores[part], codes[part], None if w is None else w[part])
        n_clusters = len(np.unique(codes[part]))
        rows.append({"segment": name, "n_rows": int(part.sum()), "n_clusters": n_clusters, "estimate": mean,
                     "std_error": se,
                     "passes_size_filter": bool(part.sum() >= min_rows and n_clusters >= min_clusters)})
    table = pd.DataFrame(rows)
    if n_boot:
        replicates = bootstrap_weighted_means(scores, codes, n_boot, seed, w, segments)
        table["ci_lower"], table["ci_upper"] = percentile_interval(replicates, alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a segment absent from every replicate
            table["bootstrap_mean"] = np.nanmean(replicates, axis=0)
        table["bootstrap_std"] = bootstrap_std(replicates)
    else:
        table["ci_lower"] = table["ci_upper"] = table["bootstrap_mean"] = table["bootstrap_std"] = np.nan
    return table


@dataclass(kw_only=True)
class ModeratorResult:
    """``importances``: share per feature (full-sample fit). ``predicted``: out-of-fold predicted
    effect per row. ``bucket``: each row's quantile bucket (1..n_buckets) of ``predicted``.
    ``buckets``: mean score (the honest effect estimate) per bucket -- "smoothed effect buckets"."""

    importances: pd.Series
    predicted: np.ndarray
    bucket: np.ndarray
    buckets: pd.DataFrame


@single_threaded
def effect_moderators(
    scores: np.ndarray,
    X: pd.DataFrame | np.ndarray,
    learner: Any = "ridge",
    clusters: np.ndarray | pd.Series | None = None,
    n_buckets: int = 5,
    n_folds: int = 5,
    seed: int = 0,
    weights: np.ndarray | None = None,
    n_jobs: int | None = 1,
) -> ModeratorResult:
    """Which pre-treatment covariates move the effect: regress the scores on ``X``.

    Predictions are out of fold (folds grouped by ``clusters``) so that buckets are not sorted on
    the same noise they average. ``X`` may be a DataFrame (non-numeric columns are one-hot
    encoded) or a numeric array. Default learner: ridge.
    """
    scores = np.asarray(scores, dtype=float)
    n_buckets, seed = check_int(n_buckets, "n_buckets", 2), check_seed(seed)
    if isinstance(X, pd.DataFrame):
        numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])]
        spec, matrix = build_design(X, numeric, [c for c in X.columns if c not in numeric])
        names = spec.names
    else:
        matrix = np.asarray(X, dtype=float)
        names = [f"x{j}" for j in range(matrix.shape[1])]
    if len(matrix) != len(scores):
        raise ParameterError(f"X has {len(matrix)} rows but scores has {len(scores)}")
    learner = resolve_learner(learner, "learner")
    codes = np.arange(len(scores)) if clusters is None else factorize(clusters)[0]
    w = None if weights is None else check_weights(weights)
    folds = grouped_folds(codes, n_folds, seed)
    fitter = RowFitter(learner, matrix, scores)

    def fold_predictions(k: int) -> np.ndarray:
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        return fitter.predict(fitter.fit(train, None if w is None else w[train]), test)

    predicted = np.empty(len(scores))
    for k, values in enumerate(parallel_map(fold_predictions, range(n_folds), n_jobs, "effect moderators")):
        predicted[folds == k] = values
    importances = feature_importances(fit_learner(learner, matrix, scores, w), names)
    bucket = pd.qcut(pd.Series(predicted).rank(method="first"), n_buckets, labels=False).to_numpy() + 1
    return ModeratorResult(importances=importances, predicted=predicted, bucket=bucket,
                           buckets=_buckets(scores, predicted, bucket, codes, w, n_buckets))


def _buckets(scores: np.ndarray, predicted: np.ndarray, bucket: np.ndarray, codes: np.ndarray,
             w: np.ndarray | None, n_buckets: int) -> pd.DataFrame:
    rows = []
    for b in range(n_buckets):
        part = bucket == b + 1
        mean, se = clustered_mean(scores[part], codes[part], None if w is None else w[part])
        rows.append({"bucket": b + 1, "n_rows": int(part.sum()), "predicted_min": float(predicted[part].min()),
                     "predicted_max": float(predicted[part].max()), "mean_predicted": float(predicted[part].mean()),
                     "mean_score": mean, "std_error": se})
    return pd.DataFrame(rows)
