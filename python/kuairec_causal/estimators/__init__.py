"""Generic causal estimators for a pandas DataFrame with named column roles.

Every estimator takes ``data`` plus column roles -- ``treatment`` (binary 0/1), ``outcome``,
``mediator``, numeric ``covariates``, ``categorical`` covariates, ``cluster`` (the unit of
resampling and of robust standard errors; each row is its own cluster when omitted) and optional
analysis ``weights`` -- and returns an :class:`EffectEstimate` (estimate, standard error,
interval, n, number of clusters, reference mean for relative effects, diagnostics, bootstrap
replicates) or a small container of them. Nuisance learners are scikit-learn compatible; the
factories below give single-threaded, seeded defaults. Bootstrap intervals resample clusters
(multiplicity weights, percentile intervals); the same seed gives identical output.

Example::

    import numpy as np, pandas as pd
    from kuairec_causal import estimators as est

    rng = np.random.default_rng(0)
    n = 2000
    df = pd.DataFrame({"unit": rng.integers(0, 200, n), "x": rng.normal(size=n),
                       "segment": rng.choice(["a", "b", "c"], n)})
    df["treated"] = (rng.random(n) < 1 / (1 + np.exp(-df["x"]))).astype(int)
    df["engaged"] = 0.5 * df["treated"] + 0.3 * df["x"] + rng.normal(size=n)
    df["outcome"] = 5 + 1.0 * df["treated"] + 0.8 * df["engaged"] + df["x"] + rng.normal(size=n)

    roles = dict(treatment="treated", outcome="outcome", covariates=["x"],
                 categorical=["segment"], cluster="unit")
    ate = est.g_computation(df, **roles, learner=est.ridge_learner(), n_boot=200, seed=1)
    dr = est.aipw(df, **roles, outcome_learner=est.lightgbm_regressor(seed=1),
                  propensity_learner=est.lightgbm_classifier(seed=1), n_boot=200, seed=1)
    ipw = est.ipw_msm(df, **roles, weight_spec=est.WeightSpec(stabilized=True, clip=10), seed=1)
    table = pd.DataFrame([ate.to_record(), dr.effect.to_record(), ipw.to_record()])
    print(table[["method", "estimate", "ci_lower", "ci_upper", "relative_effect"]].round(3))

    med = est.mediation_gformula(df, "treated", "engaged", "outcome", covariates=["x"],
                                 categorical=["segment"], cluster="unit", n_boot=200, seed=1)
    print(med.table()[["estimand", "estimate", "ci_lower", "ci_upper"]].round(3))
    print(est.mediation_rho_sensitivity(df, "treated", "engaged", "outcome", covariates=["x"]).rho_at_zero)
"""

from kuairec_causal.cores import available_cores
from kuairec_causal.parallel import parallel_map

from .aipw import AIPWResult, ModeratorResult, aipw, aipw_outcomes, clustered_mean, effect_moderators, segment_effects
from .balance import balance_matrix, balance_summary, balance_table
from .bootstrap import (
    bootstrap_std,
    bootstrap_weighted_means,
    cluster_bootstrap,
    cluster_multiplicities,
    percentile_interval,
)
from .crossfit import classification_metrics, cross_fit_predict, grouped_folds, regression_metrics
from .design import DesignSpec, build_design, fit_design
from .gcomp import g_computation
from .learners import (
    OLS,
    BinaryGLM,
    feature_importances,
    fit_learner,
    lightgbm_classifier,
    lightgbm_regressor,
    logistic_learner,
    logit_glm,
    ols_learner,
    predict_mean,
    probit_glm,
    ridge_learner,
    xgboost_classifier,
    xgboost_regressor,
)
from .mediation import CrossFitMediationResult, mediation_crossfit, mediation_crossfit_outcomes, mediation_gformula
from .msm import MSMFamily, ipw_msm, ipw_msm_family, msm_effect
from .paths import path_model
from .propensity import PropensityResult, fit_propensity
from .results import EffectEstimate, EffectSet, compare_estimates
from .sensitivity import (
    EValue,
    RhoSensitivity,
    evalue_difference,
    evalue_effect,
    evalue_or,
    evalue_rr,
    mediation_rho_sensitivity,
)
from .weights import WeightSpec, effective_sample_size, ipw_weights, weight_diagnostics

__all__ = [
    "AIPWResult", "BinaryGLM", "CrossFitMediationResult", "DesignSpec", "EffectEstimate", "EffectSet", "EValue",
    "ModeratorResult", "MSMFamily", "OLS", "PropensityResult", "RhoSensitivity", "WeightSpec", "aipw",
    "aipw_outcomes", "available_cores", "balance_matrix", "balance_summary", "balance_table", "bootstrap_std",
    "bootstrap_weighted_means", "build_design", "classification_metrics", "cluster_bootstrap",
    "cluster_multiplicities", "clustered_mean", "compare_estimates", "cross_fit_predict", "effect_moderators",
    "effective_sample_size", "evalue_difference", "evalue_effect", "evalue_or", "evalue_rr", "feature_importances",
    "fit_design", "fit_learner", "fit_propensity", "g_computation", "grouped_folds", "ipw_msm", "ipw_msm_family",
    "ipw_weights", "lightgbm_classifier", "lightgbm_regressor", "logistic_learner", "logit_glm", "mediation_crossfit",
    "mediation_crossfit_outcomes", "mediation_gformula", "mediation_rho_sensitivity", "msm_effect", "ols_learner",
    "parallel_map", "path_model", "percentile_interval", "predict_mean", "probit_glm", "regression_metrics",
    "ridge_learner", "segment_effects", "weight_diagnostics", "xgboost_classifier", "xgboost_regressor",
]
