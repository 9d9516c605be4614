"""Causal mediation by the g-formula: binary treatment A, mediator M, outcome Y, covariates X.

Models: mediator E[M | A, X] and outcome E[Y | A, M, X] (with an A*M column when
``interaction``). With potential-outcome means Y(a, a') = E[Y(a, M(a'))]:

    NDE = Y(1,0) - Y(0,0)     NIE = Y(1,1) - Y(1,0)     TE = NDE + NIE
    NDE(1) = Y(1,1) - Y(0,1)  NIE(0) = Y(0,1) - Y(0,0)  (TE = NDE(1) + NIE(0) as well)
    CDE(m) = E[Y(1, m) - Y(0, m)]                        proportion mediated = NIE / TE

Integrating over the counterfactual mediator M(a'):
  * binary M: exact, P(M(a')=1) f(a, 1) + (1 - P) f(a, 0);
  * continuous M, outcome model linear in M (OLS, ridge...): f(a, E[M(a')]) is exact;
  * continuous M otherwise (GLM link, trees): Monte Carlo over M(a') = E[M | a', X] + e, with e
    resampled from the mediator-model residuals, ``n_mc`` draws, common draws for a' = 0 and 1.

Statsmodels' ``Mediation`` names: ACME (treated) = NIE, ACME (control) = NIE(0),
ADE (control) = NDE, ADE (treated) = NDE(1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from kuairec_causal.errors import ParameterError
from kuairec_causal.parallel import parallel_map

from ._checks import as_names, check_alpha, check_choice, check_int, check_n_boot, check_seed, is_binary
from ._data import CausalData, prepare, weighted_mean
from ._forest import settings_forest
from ._moments import (
    ClusterMoments,
    cluster_cross_products,
    feature_map,
    replicate_column_means,
    solve,
    supports_moments,
)
from ._threads import single_threaded
from .bootstrap import bootstrap_weighted_means, cluster_bootstrap, cluster_multiplicities, cluster_sums
from .crossfit import grouped_folds, nuisance_table, regression_metrics
from .learners import (
    describe_learner,
    feature_importances,
    fit_learner,
    is_linear_regressor,
    logit_glm,
    ols_learner,
    predict_mean,
    resolve_learner,
)
from .results import EffectSet, from_replicates_or_point

POTENTIAL = ("y11", "y10", "y00", "y01", "m1", "m0")
STACKED_SETTINGS = 4  # settings per predict call when the outcome model is predicted on stacked frames


@dataclass(frozen=True)
class _Config:
    binary_mediator: bool
    interaction: bool
    integration: str  # "exact" (binary M), "plugin" (linear in M), "monte_carlo"
    n_mc: int
    cde_values: tuple[float, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return POTENTIAL + tuple(f"cde{j}" for j in range(len(self.cde_values)))


class _OutcomeFrame:
    """Outcome-model predictions f(a, m) for fixed covariate rows, reusing one buffer."""

    def __init__(self, model: Any, X: np.ndarray, interaction: bool):
        self.model, self.interaction = model, interaction
        self.head = 3 if interaction else 2
        self.buffer = np.empty((len(X), self.head + X.shape[1]))
        self.buffer[:, self.head:] = X

    def _set_head(self, block: np.ndarray, a: float, m: np.ndarray | float) -> None:
        """Write A, M (and A*M) into the leading columns of ``block`` (rows x at least head)."""
        block[:, 0] = a
        block[:, 1] = m
        if self.interaction:
            block[:, 2] = block[:, 0] * block[:, 1]

    def __call__(self, a: float, m: np.ndarray | float) -> np.ndarray:
        self._set_head(self.buffer, a, m)
        return predict_mean(self.model, self.buffer)

    def stacked(self, settings: list[tuple[float, np.ndarray]]) -> list[np.ndarray]:
        """Predictions for several (a, m) settings from one call on the stacked rows (the same
        values as one call per setting: every row is predicted on its own)."""
        n = len(self.buffer)
        frame = np.tile(self.buffer, (len(settings), 1))
        for j, (a, m) in enumerate(settings):
            self._set_head(frame[j * n:(j + 1) * n], a, m)
        return np.split(predict_mean(self.model, frame), len(settings))

    def many(self, settings: list[tuple[float, np.ndarray]]) -> list[np.ndarray]:
        """:meth:`stacked` for many settings: a LightGBM or XGBoost regression walks each tree
        once per row for all of them (:mod:`._forest`, the same values); other models get one
        stacked call per ``STACKED_SETTINGS`` settings, which bounds the frame's memory."""
        forest = settings_forest(self.model)
        if forest is None:
            return [values for start in range(0, len(settings), STACKED_SETTINGS)
                    for values in self.stacked(settings[start:start + STACKED_SETTINGS])]
        varying = np.empty((len(self.buffer), len(settings), self.head))
        for j, (a, m) in enumerate(settings):
            self._set_head(varying[:, j, :], a, m)
        return list(forest.predict(self.buffer[:, self.head:], varying))


def outcome_features(a: np.ndarray, m: np.ndarray, X: np.ndarray, interaction: bool) -> np.ndarray:
    head = [a, m, a * m] if interaction else [a, m]
    return np.column_stack([*head, X])


def _mediator_means(model: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    frame = np.column_stack([np.ones(len(X)), X])
    m1 = predict_mean(model, frame)
    frame[:, 0] = 0.0
    return m1, predict_mean(model, frame)


def _counterfactuals(mediator_model: Any, outcome_model: Any, X: np.ndarray, config: _Config, pool: np.ndarray | None,
                     pool_weights: np.ndarray | None, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-row counterfactual predictions for the rows of ``X`` (see module docstring)."""
    m1, m0 = _mediator_means(mediator_model, X)
    f = _OutcomeFrame(outcome_model, X, config.interaction)
    mediator = {1: m1, 0: m0}
    out: dict[str, np.ndarray] = {"m1": m1, "m0": m0}
    if config.integration == "exact":
        p = {k: np.clip(v, 0, 1) for k, v in mediator.items()}
        at = {(a, m): f(a, m) for a in (1, 0) for m in (1, 0)}
        for a, am in ((1, 1), (1, 0), (0, 0), (0, 1)):
            out[f"y{a}{am}"] = p[am] * at[(a, 1)] + (1 - p[am]) * at[(a, 0)]
    elif config.integration == "plugin":
        for a, am in ((1, 1), (1, 0), (0, 0), (0, 1)):
            out[f"y{a}{am}"] = f(a, mediator[am])
    else:
        sums = {(a, am): np.zeros(len(X)) for a in (1, 0) for am in (1, 0)}
        prob = None if pool_weights is None else pool_weights / pool_weights.sum()
        noises = [pool[rng.choice(len(pool), size=len(X), p=prob)]  # type: ignore[index,arg-type]  # monte_carlo has a pool
                  for _ in range(config.n_mc)]
        predictions = iter(f.many([(a, mediator[am] + noise) for noise in noises for a, am in sums]))
        for _ in noises:  # draw by draw, as the sums always were
            for total in sums.values():
                total += next(predictions)
        for (a, am), total in sums.items():
            out[f"y{a}{am}"] = total / config.n_mc
    for j, value in enumerate(config.cde_values):
        out[f"cde{j}"] = f(1, value) - f(0, value)
    return out


def _effects(values: Mapping[str, np.ndarray | float], config: _Config) -> dict[str, np.ndarray]:
    """Effect contrasts from potential-outcome means (works on scalars and replicate arrays)."""
    nde = np.asarray(values["y10"]) - values["y00"]
    nie = np.asarray(values["y11"]) - values["y10"]
    te = nde + nie  # defined as the sum so TE = NDE + NIE holds exactly
    effects = {"TE": te, "NDE": nde, "NIE": nie, "NDE(1)": np.asarray(values["y11"]) - values["y01"],
               "NIE(0)": np.asarray(values["y01"]) - values["y00"]}
    for j, value in enumerate(config.cde_values):
        effects[f"CDE(m={value:.4g})"] = np.asarray(values[f"cde{j}"])
    with np.errstate(invalid="ignore", divide="ignore"):
        effects["proportion_mediated"] = np.where(te != 0, nie / te, np.nan)
    effects["mediator_shift"] = np.asarray(values["m1"]) - values["m0"]
    return effects


def _effect_set(method: str, point: dict[str, float], replicates: dict[str, np.ndarray] | None, config: _Config,
                prep: CausalData, alpha: float, diagnostics: dict[str, Any]) -> EffectSet:
    estimates = _effects(point, config)
    boot = None if replicates is None else _effects(replicates, config)
    effects = {}
    for name, value in estimates.items():
        relative = name not in ("proportion_mediated", "mediator_shift")
        common = dict(estimand=name, method=method, estimate=float(value), n=prep.n, n_clusters=prep.n_clusters,
                      alpha=alpha, reference_mean=float(point["y00"]) if relative else np.nan)
        effects[name] = from_replicates_or_point(
            replicates=None if boot is None else boot[name],
            reference_replicates=replicates["y00"] if boot is not None and relative else None,  # type: ignore[index]  # boot is set iff replicates is
            **common)
    potential = {"E[Y(1,M(1))]": point["y11"], "E[Y(1,M(0))]": point["y10"], "E[Y(0,M(0))]": point["y00"],
                 "E[Y(0,M(1))]": point["y01"], "E[M(1)]": point["m1"], "E[M(0)]": point["m0"]}
    return EffectSet(method=method, effects=effects, diagnostics={**diagnostics, "potential_means": potential})


# ---------------------------------------------------------------------------------------------
# Setup shared by the full-sample and cross-fitted estimators


@dataclass
class _Setup:
    prep: CausalData
    config: _Config
    mediator_learner: object
    outcome_learner: object
    outcome_X: np.ndarray
    mediator_X: np.ndarray


def _setup(data: pd.DataFrame, treatment: str, mediator: str, outcome: str, covariates: Any, categorical: Any,
           cluster: str | None, weights: Any, mediator_learner: Any, outcome_learner: Any, interaction: bool,
           mediator_type: str, integration: str, n_mc: int, cde_values: Any, cde_quantiles: Any) -> _Setup:
    prep = prepare(data, treatment, outcome, mediator, covariates, categorical, cluster, weights)
    mediator_type = check_choice(mediator_type, "mediator_type", ["auto", "continuous", "binary"])
    binary = is_binary(prep.m) if mediator_type == "auto" else mediator_type == "binary"
    if binary and not is_binary(prep.m):
        raise ParameterError(f"mediator column '{mediator}' must be binary 0/1 for mediator_type='binary'")
    mediator_learner, outcome_learner = _learners(mediator_learner, outcome_learner, binary, prep, mediator, outcome)
    integration = _integration(integration, binary, outcome_learner)
    config = _Config(binary, bool(interaction), integration, check_int(n_mc, "n_mc", 1),
                     _cde_values(prep.m, binary, cde_values, cde_quantiles))
    return _Setup(prep, config, mediator_learner, outcome_learner,
                  outcome_features(prep.a, prep.m, prep.X, config.interaction), np.column_stack([prep.a, prep.X]))


def _learners(mediator_learner: Any, outcome_learner: Any, binary: bool, prep: CausalData, mediator: str,
              outcome: str) -> tuple[Any, Any]:
    if isinstance(mediator_learner, str) and mediator_learner == "auto":
        mediator_learner = logit_glm() if binary else ols_learner()
    mediator_learner = resolve_learner(mediator_learner, "mediator_learner")
    if is_classifier(mediator_learner) and not binary:
        raise ParameterError(f"mediator_learner is a classifier but mediator '{mediator}' is continuous")
    outcome_learner = resolve_learner(outcome_learner, "outcome_learner")
    if is_classifier(outcome_learner) and not is_binary(prep.y):
        raise ParameterError(f"outcome_learner is a classifier but outcome '{outcome}' is not binary 0/1")
    return mediator_learner, outcome_learner


def _integration(requested: str, binary: bool, outcome_learner: Any) -> str:
    """How to average over M(a'): exact (binary M), plug-in (linear in M) or Monte Carlo."""
    requested = check_choice(requested, "integration", ["auto", "monte_carlo", "plugin"])
    linear = is_linear_regressor(outcome_learner)
    if binary:
        return "exact"
    if requested == "auto":
        return "plugin" if linear else "monte_carlo"
    if requested == "plugin" and not linear:
        raise ParameterError("integration='plugin' is exact only for an outcome model linear in the mediator; "
                             "use 'monte_carlo'")
    return requested


def _cde_values(m: np.ndarray, binary: bool, values: Any, quantiles: Any) -> tuple[float, ...]:
    if binary:
        return (0.0, 1.0)
    if values is not None:
        return tuple(float(v) for v in np.atleast_1d(values))
    if quantiles is None:
        return ()
    quantiles = np.atleast_1d(np.asarray(quantiles, dtype=float))
    if np.any((quantiles < 0) | (quantiles > 1)):
        raise ParameterError(f"cde_quantiles must lie in [0, 1]; got {quantiles.tolist()}")
    return tuple(float(v) for v in np.quantile(m, quantiles))


def _fit_models(setup: _Setup, rows: np.ndarray, weight: np.ndarray) -> tuple[Any, Any, np.ndarray | None]:
    """Fit the mediator and outcome models on ``rows``; return them with the residual pool."""
    prep = setup.prep
    mediator_model = fit_learner(setup.mediator_learner, setup.mediator_X[rows], prep.m[rows], weight)
    outcome_model = fit_learner(setup.outcome_learner, setup.outcome_X[rows], prep.y[rows], weight)
    pool = None
    if setup.config.integration == "monte_carlo":
        pool = prep.m[rows] - predict_mean(mediator_model, setup.mediator_X[rows])
    return mediator_model, outcome_model, pool


def _diagnostics(setup: _Setup) -> dict[str, Any]:
    config = setup.config
    return {"mediator_type": "binary" if config.binary_mediator else "continuous",
            "interaction": config.interaction, "integration": config.integration,
            "n_mc": config.n_mc if config.integration == "monte_carlo" else 0,
            "mediator_learner": describe_learner(setup.mediator_learner),
            "outcome_learner": describe_learner(setup.outcome_learner),
            "cde_values": list(config.cde_values), "design": setup.prep.design.summary()}


# ---------------------------------------------------------------------------------------------
# Full-sample g-formula with a refitting cluster bootstrap


@single_threaded
def mediation_gformula(
    data: pd.DataFrame,
    treatment: str,
    mediator: str,
    outcome: str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    weights: str | np.ndarray | None = None,
    mediator_learner: Any = "auto",
    outcome_learner: Any = "ols",
    interaction: bool = True,
    mediator_type: str = "auto",
    integration: str = "auto",
    n_mc: int = 50,
    cde_values: Sequence[float] | None = None,
    cde_quantiles: Sequence[float] | None = (0.1, 0.9),
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    linear_fast_path: bool = True,
    n_jobs: int | None = 1,
) -> EffectSet:
    """Natural (in)direct effects by the parametric / ML g-formula.

    Defaults: OLS mediator model (logit GLM for a binary mediator) and OLS outcome model with an
    A*M term. ``outcome_learner`` may be 'logit' / 'probit' (statsmodels GLM, binary outcome) or
    any scikit-learn learner. CDEs are evaluated at ``cde_values`` or at the ``cde_quantiles`` of
    M (fixed across bootstrap replicates); for a binary M at 0 and 1. The bootstrap refits both
    models in every replicate: with least-squares models and plug-in integration (and
    ``linear_fast_path``) from per-cluster moment sums (:mod:`._moments`, the same fits without a
    pass over the rows per replicate), otherwise on the rows, spread over ``n_jobs`` processes.
    Monte Carlo residual pools come from in-sample residuals -- right for parametric mediator
    models; with flexible ones prefer :func:`mediation_crossfit`.
    """
    alpha, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    setup = _setup(data, treatment, mediator, outcome, covariates, categorical, cluster, weights, mediator_learner,
                   outcome_learner, interaction, mediator_type, integration, n_mc, cde_values, cde_quantiles)
    prep, w = setup.prep, setup.prep.base_weights
    point = _sample_means(setup, np.arange(prep.n), w, np.random.default_rng([seed, 1]))
    replicates = None
    if n_boot and linear_fast_path:
        replicates = _moment_replicates(setup, n_boot, seed)
    if n_boot and replicates is None:

        def statistic(rows: np.ndarray, mult: np.ndarray, rng: np.random.Generator) -> np.ndarray:
            if prep.a[rows].min() == prep.a[rows].max():
                return np.full(len(setup.config.keys), np.nan)
            values = _sample_means(setup, rows, w[rows] * mult, rng)
            return np.array([values[k] for k in setup.config.keys])

        # Monte Carlo draws inside replicate b come from the generator (seed, 2, b)
        matrix = cluster_bootstrap(statistic, prep.codes, n_boot, seed, desc="mediation bootstrap", n_jobs=n_jobs,
                                   replicate_seed=(seed, 2))
        replicates = {k: matrix[:, j] for j, k in enumerate(setup.config.keys)}
    method = f"mediation g-formula ({setup.config.integration})"
    return _effect_set(method, point, replicates, setup.config, prep, alpha, _diagnostics(setup))


def _moment_replicates(setup: _Setup, n_boot: int, seed: int) -> dict[str, np.ndarray] | None:
    """Replicates of the potential-outcome means with both models refitted from per-cluster
    moment sums; None unless both are least-squares learners and M enters by plug-in.

    The outcome model's features are affine in M for fixed A and X (checked): a row's
    prediction at mediator value m is u_a . c + m (v_a . c) + c0, and the mediator model's is
    s_a' . d + d0. A replicate's mean of Y(a, M(a')) is therefore mean(u_a) . c + c0 +
    c' mean(v_a s_a') d + d0 mean(v_a) . c: column means and cross-moments of fixed per-row
    features, all of them per-cluster sums combined with the replicate's multiplicities."""
    config, prep = setup.config, setup.prep
    learners = (setup.mediator_learner, setup.outcome_learner)
    if config.integration != "plugin" or not all(supports_moments(learner) for learner in learners):
        return None
    mediator_features, outcome_features_of = (feature_map(learner) for learner in learners)
    w, codes, n_clusters, n = prep.base_weights, prep.codes, prep.n_clusters, prep.n

    def outcome_frame(a: float, m: float, rows: slice = slice(None)) -> np.ndarray:
        size = len(prep.X[rows])
        return outcome_features_of(outcome_features(np.full(size, a), np.full(size, m), prep.X[rows],
                                                    config.interaction))

    base = {a: outcome_frame(a, 0.0) for a in (1.0, 0.0)}
    slope = {a: outcome_frame(a, 1.0) - base[a] for a in (1.0, 0.0)}
    probe = slice(0, min(n, 200))
    if not all(np.allclose(outcome_frame(a, 2.0, probe), base[a][probe] + 2 * slope[a][probe], rtol=1e-12,
                           atol=1e-12) for a in (1.0, 0.0)):
        return None
    used = np.flatnonzero(np.any(slope[1.0] != 0, axis=0) | np.any(slope[0.0] != 0, axis=0))
    counts = cluster_multiplicities(n_clusters, n_boot, seed).astype(float)
    coefficients = []
    for learner, design, target in ((setup.mediator_learner, mediator_features(setup.mediator_X), prep.m),
                                    (setup.outcome_learner, outcome_features_of(setup.outcome_X), prep.y)):
        totals = ClusterMoments(np.column_stack([design, target]), w, codes, n_clusters).totals(counts)
        coefficients.append(solve(learner, totals, range(design.shape[1]), design.shape[1]))
    (d, d0), (c, c0) = coefficients
    mediator = {a: mediator_features(np.column_stack([np.full(n, a), prep.X])) for a in (1.0, 0.0)}

    def means(frame: np.ndarray) -> np.ndarray:
        return replicate_column_means(frame, w, codes, n_clusters, counts)

    slopes = np.column_stack([slope[1.0][:, used], slope[0.0][:, used]])
    mediators = np.column_stack([mediator[1.0], mediator[0.0]])
    cross_sums = counts @ cluster_cross_products(slopes, mediators, w, codes, n_clusters).reshape(n_clusters, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cross = (cross_sums / (counts @ cluster_sums(w, codes, n_clusters))).reshape(n_boot, slopes.shape[1], -1)
    k, p = len(used), mediator[1.0].shape[1]
    mean_base = {a: np.einsum("bp,bp->b", means(base[a]), c) + c0 for a in (1.0, 0.0)}
    mean_slope = {a: np.einsum("bp,bp->b", means(slope[a][:, used]), c[:, used]) for a in (1.0, 0.0)}
    out = {f"m{int(a)}": np.einsum("bp,bp->b", means(mediator[a]), d) + d0 for a in (1.0, 0.0)}
    for a, am in ((1, 1), (1, 0), (0, 0), (0, 1)):
        block = cross[:, (1 - a) * k:(2 - a) * k, (1 - am) * p:(2 - am) * p]
        out[f"y{a}{am}"] = (mean_base[float(a)] + np.einsum("bk,bkp,bp->b", c[:, used], block, d)
                            + d0 * mean_slope[float(a)])
    for j, value in enumerate(config.cde_values):
        out[f"cde{j}"] = mean_base[1.0] - mean_base[0.0] + value * (mean_slope[1.0] - mean_slope[0.0])
    return out


def _sample_means(setup: _Setup, rows: np.ndarray, weight: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    mediator_model, outcome_model, pool = _fit_models(setup, rows, weight)
    rowwise = _counterfactuals(mediator_model, outcome_model, setup.prep.X[rows], setup.config, pool, weight, rng)
    return {k: weighted_mean(v, weight) for k, v in rowwise.items()}


# ---------------------------------------------------------------------------------------------
# Cross-fitted g-formula (any learners), with row-level effects


@dataclass(kw_only=True)
class CrossFitMediationResult(EffectSet):
    """Adds row-level counterfactuals/effects, out-of-fold nuisance metrics and importances."""

    row_effects: pd.DataFrame
    nuisance_metrics: pd.DataFrame
    importances: dict[str, pd.Series]


def mediation_crossfit(data: pd.DataFrame, treatment: str, mediator: str, outcome: str,
                       covariates: Sequence[str] | str | None = (), categorical: Sequence[str] | str | None = (),
                       cluster: str | None = None, **options: Any) -> CrossFitMediationResult:
    """Cross-fitted g-formula mediation of one outcome; ``options``: those of
    :func:`mediation_crossfit_outcomes`."""
    return mediation_crossfit_outcomes(data, treatment, mediator, [outcome], covariates, categorical, cluster,
                                       **options)[outcome]


@single_threaded
def mediation_crossfit_outcomes(
    data: pd.DataFrame,
    treatment: str,
    mediator: str,
    outcomes: Sequence[str] | str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    weights: str | np.ndarray | None = None,
    mediator_learner: Any = "auto",
    outcome_learner: Any = "ols",
    interaction: bool = True,
    mediator_type: str = "auto",
    integration: str = "auto",
    n_mc: int = 20,
    cde_values: Sequence[float] | None = None,
    cde_quantiles: Sequence[float] | None = (0.1, 0.9),
    n_folds: int = 5,
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    importances: bool | Sequence[str] = True,
    n_jobs: int | None = 1,
) -> dict[str, CrossFitMediationResult]:
    """Cross-fitted g-formula mediation for one or several outcomes (keyed by outcome): models
    fitted on the other folds (grouped by cluster) predict M(0), M(1), Y(0,M(0)), Y(1,M(0)),
    Y(1,M(1)), Y(0,M(1)) for each held-out row; one mediator model per fold serves every outcome.

    Monte Carlo residual pools are the out-of-fold mediator residuals of the training rows (honest
    noise for flexible learners); fold k draws from the generator (seed, 3, k). Intervals: cluster
    bootstrap over the row-level predictions (models not refitted; reflects sampling of rows given
    the fitted nuisances), the same resamples for every outcome. ``importances``: True, False or
    the outcomes whose full-sample models are fitted for feature importances. Folds are fitted on
    ``n_jobs`` processes (the result does not depend on it).
    """
    alpha, n_boot, seed = check_alpha(alpha), check_n_boot(n_boot), check_seed(seed)
    outcomes = as_names(outcomes, "outcomes")
    setups = {o: _setup(data, treatment, mediator, o, covariates, categorical, cluster, weights, mediator_learner,
                        outcome_learner, interaction, mediator_type, integration, n_mc, cde_values, cde_quantiles)
              for o in outcomes}
    setup = setups[outcomes[0]]
    prep, config, w = setup.prep, setup.config, setup.prep.base_weights
    folds = grouped_folds(prep.codes, n_folds, seed)
    wanted = set(outcomes) if importances is True else set() if importances is False else set(importances)

    def fit_mediator(k: int) -> Any:
        if k < 0:  # full-sample fit for importances
            return fit_learner(setup.mediator_learner, setup.mediator_X, prep.m, prep.weights)
        rows = np.flatnonzero(folds != k)
        return fit_learner(setup.mediator_learner, setup.mediator_X[rows], prep.m[rows], w[rows])

    mediator_tasks = list(range(n_folds)) + ([-1] if wanted else [])
    mediator_models = dict(zip(mediator_tasks, parallel_map(fit_mediator, mediator_tasks, n_jobs,
                                                            "mediator cross-fitting")))
    m_hat = np.empty(prep.n)
    for k in range(n_folds):
        m_hat[folds == k] = predict_mean(mediator_models[k], setup.mediator_X[folds == k])
    residuals = prep.m - m_hat

    def fit_outcome(task: tuple[str, int]) -> tuple[Any, ...]:
        outcome, k = task
        own = setups[outcome]
        if k < 0:  # full-sample fit for importances
            return cast(tuple[Any, ...], fit_learner(own.outcome_learner, own.outcome_X, own.prep.y, prep.weights))
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        model = fit_learner(own.outcome_learner, own.outcome_X[train], own.prep.y[train], w[train])
        pool = residuals[train] if config.integration == "monte_carlo" else None
        part = _counterfactuals(mediator_models[k], model, prep.X[test], config, pool, w[train],
                                np.random.default_rng([seed, 3, k]))
        return predict_mean(model, own.outcome_X[test]), part

    tasks = [(o, k) for o in outcomes for k in range(n_folds)] + [(o, -1) for o in outcomes if o in wanted]
    fitted = dict(zip(tasks, parallel_map(fit_outcome, tasks, n_jobs, "mediation cross-fitting")))
    results = {}
    for outcome, own in setups.items():
        rowwise = {key: np.empty(prep.n) for key in config.keys}
        y_hat = np.empty(prep.n)
        for k in range(n_folds):
            test = folds == k
            y_hat[test], part = fitted[(outcome, k)]
            for key, values in part.items():
                rowwise[key][test] = values
        importance = ({} if outcome not in wanted else
                      _importances(own, mediator_models[-1], fitted[(outcome, -1)]))
        results[outcome] = _crossfit_result(own, rowwise, y_hat, m_hat, folds, importance, data.index, n_boot, seed,
                                            alpha)
    return results


def _crossfit_result(setup: _Setup, rowwise: dict[str, np.ndarray], y_hat: np.ndarray, m_hat: np.ndarray,
                     folds: np.ndarray, importances: dict[str, pd.Series], index: pd.Index, n_boot: int, seed: int,
                     alpha: float) -> CrossFitMediationResult:
    prep, config, w = setup.prep, setup.config, setup.prep.base_weights
    point = {k: weighted_mean(v, w) for k, v in rowwise.items()}
    replicates = None
    if n_boot:
        stacked = np.concatenate([rowwise[k] for k in config.keys])
        groups = np.repeat(np.arange(len(config.keys)), prep.n)
        matrix = bootstrap_weighted_means(stacked, np.tile(prep.codes, len(config.keys)), n_boot, seed,
                                          np.tile(w, len(config.keys)), groups)
        replicates = {k: matrix[:, j] for j, k in enumerate(config.keys)}
    method = f"mediation g-formula, cross-fitted ({config.integration})"
    n_folds = int(folds.max()) + 1
    base = _effect_set(method, point, replicates, config, prep, alpha, {**_diagnostics(setup), "n_folds": n_folds})
    metrics = nuisance_table({"mediator": regression_metrics(prep.m, m_hat, folds, prep.weights),
                              "outcome": regression_metrics(prep.y, y_hat, folds, prep.weights)})
    return CrossFitMediationResult(method=base.method, effects=base.effects, diagnostics=base.diagnostics,
                                   row_effects=_row_effects(rowwise, folds, index), nuisance_metrics=metrics,
                                   importances=importances)


def _row_effects(rowwise: dict[str, np.ndarray], folds: np.ndarray, index: pd.Index) -> pd.DataFrame:
    frame = pd.DataFrame({k: v for k, v in rowwise.items() if not k.startswith("cde")}, index=index)
    frame["nde"] = frame["y10"] - frame["y00"]
    frame["nie"] = frame["y11"] - frame["y10"]
    frame["te"] = frame["nde"] + frame["nie"]
    frame["fold"] = folds
    return frame


def _importances(setup: _Setup, mediator_model: Any, outcome_model: Any) -> dict[str, pd.Series]:
    names = setup.prep.design.names
    head = ["A", "M", "A_x_M"] if setup.config.interaction else ["A", "M"]
    return {"mediator": feature_importances(mediator_model, ["A", *names]),
            "outcome": feature_importances(outcome_model, [*head, *names])}
