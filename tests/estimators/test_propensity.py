import numpy as np
import pandas as pd
import pytest
from estimator_sims import confounded
from sklearn.metrics import roc_auc_score

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import fit_propensity, lightgbm_classifier, ridge_learner


def test_out_of_fold_scores_respect_clusters_and_metrics_are_consistent():
    df = confounded(n=800, n_clusters=80, seed=1)
    result = fit_propensity(df, "a", ["x"], ["c"], cluster="g", n_folds=4, seed=2)
    # every cluster sits in exactly one fold
    assert df.assign(fold=result.folds).groupby("g")["fold"].nunique().max() == 1
    overall = result.metrics.iloc[0]
    assert overall["fold"] == "overall" and overall["scores"] == "out-of-fold"
    assert overall["auc"] == pytest.approx(roc_auc_score(df["a"], result.oof_scores))
    assert len(result.metrics) == 5
    assert 0.65 < overall["auc"] < 0.9  # x drives treatment with a logit slope of 1
    assert not np.allclose(result.scores, result.oof_scores)


def test_same_seed_same_scores_with_a_tree_learner():
    df = confounded(n=400, n_clusters=40, seed=2)
    runs = [fit_propensity(df, "a", ["x"], cluster="g", learner=lightgbm_classifier(seed=5, n_estimators=15),
                           n_folds=3, seed=7) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].oof_scores, runs[1].oof_scores)


def test_propensity_errors():
    df = confounded(n=100, n_clusters=10)
    with pytest.raises(ParameterError, match="propensity learner must be a classifier"):
        fit_propensity(df, "a", ["x"], learner=ridge_learner())
    with pytest.raises(ParameterError, match="n_folds \\(20\\) exceeds the number of clusters \\(10\\)"):
        fit_propensity(df, "a", ["x"], cluster="g", n_folds=20)
    with pytest.raises(ParameterError, match="treatment column 'y' must be binary 0/1"):
        fit_propensity(df, "y", ["x"])
    with pytest.raises(ParameterError, match="treatment column 'a' must contain both 0 and 1"):
        fit_propensity(df.assign(a=1), "a", ["x"])
    with pytest.raises(ParameterError, match="cluster column 'nope' not in data"):
        fit_propensity(df, "a", ["x"], cluster="nope")
    with pytest.raises(ParameterError, match="data must be a pandas DataFrame"):
        fit_propensity(df.to_numpy(), "a", ["x"])
    with pytest.raises(ParameterError, match="column 'a' is used both as the treatment and as a covariate"):
        fit_propensity(df, "a", ["a"])
    assert isinstance(df, pd.DataFrame)
