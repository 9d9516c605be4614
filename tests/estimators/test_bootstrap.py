import numpy as np
import pandas as pd
import pytest

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import (
    OLS,
    bootstrap_weighted_means,
    cluster_bootstrap,
    cluster_multiplicities,
    percentile_interval,
)
from kuairec_causal.estimators.bootstrap import cluster_sums


def test_multiplicities_resample_g_clusters_and_are_reproducible():
    counts = cluster_multiplicities(7, 50, seed=3)
    assert counts.shape == (50, 7)
    assert np.all(counts.sum(axis=1) == 7)
    np.testing.assert_array_equal(counts, cluster_multiplicities(7, 50, seed=3))
    assert not np.array_equal(counts, cluster_multiplicities(7, 50, seed=4))


def test_weighted_statistic_equals_statistic_on_physically_duplicated_resample():
    rng = np.random.default_rng(0)
    clusters = np.repeat(np.array(["u3", "u1", "u2", "u5", "u4"]), [3, 1, 4, 2, 5])
    X = rng.normal(size=(15, 2))
    y = X @ [1.0, -2.0] + rng.normal(size=15)
    seen = []

    def slope(rows, mult):
        seen.append((rows, mult))
        return OLS().fit(X[rows], y[rows], sample_weight=mult).coef_

    replicates = cluster_bootstrap(slope, clusters, n_boot=20, seed=11)
    labels = np.unique(clusters)  # multiplicities follow sorted cluster labels
    counts = cluster_multiplicities(len(labels), 20, seed=11)
    for b in range(20):
        duplicated = np.concatenate([np.flatnonzero(clusters == label) for label, k in zip(labels, counts[b])
                                     for _ in range(k)])
        if np.linalg.matrix_rank(np.column_stack([np.ones(len(duplicated)), X[duplicated]])) < 3:
            continue
        direct = OLS().fit(X[duplicated], y[duplicated]).coef_
        np.testing.assert_allclose(replicates[b], direct, rtol=1e-8)
        assert len(seen[b][0]) == len(np.unique(duplicated))


def test_one_cluster_per_row_gives_the_ordinary_bootstrap_standard_error():
    x = np.random.default_rng(1).exponential(size=60)
    replicates = bootstrap_weighted_means(x, np.arange(60), n_boot=4000, seed=2)
    # Ordinary bootstrap SE of a mean (exact, infinite B): sqrt(sum (x - mean)^2) / n
    expected = np.sqrt(np.sum((x - x.mean()) ** 2)) / 60
    assert abs(replicates.std(ddof=1) / expected - 1) < 0.05


def test_cluster_bootstrap_se_matches_between_cluster_formula():
    rng = np.random.default_rng(2)
    cluster_means = rng.normal(size=40)
    x = np.repeat(cluster_means, 5) + 0.1 * rng.normal(size=200)
    clusters = np.repeat(np.arange(40), 5)
    replicates = bootstrap_weighted_means(x, clusters, n_boot=4000, seed=3)
    means = x.reshape(40, 5).mean(axis=1)
    expected = np.sqrt(np.sum((means - means.mean()) ** 2)) / 40  # bootstrap of 40 equal-size clusters
    assert abs(replicates.std(ddof=1) / expected - 1) < 0.05
    naive = x.std() / np.sqrt(200)
    assert expected > 1.8 * naive  # the clustering matters here, so the check can fail


def test_fast_weighted_means_equal_the_generic_loop():
    rng = np.random.default_rng(4)
    values, weights = rng.normal(size=30), rng.uniform(0.5, 2, 30)
    clusters = rng.integers(0, 8, 30)
    groups = rng.integers(0, 3, 30)

    def loop(rows, mult):
        w = weights[rows] * mult
        return [np.sum(w * values[rows] * (groups[rows] == k)) / np.sum(w * (groups[rows] == k)) for k in range(3)]

    with np.errstate(invalid="ignore"):
        expected = cluster_bootstrap(loop, clusters, n_boot=25, seed=9)
    fast = bootstrap_weighted_means(values, clusters, 25, 9, weights, groups)
    np.testing.assert_allclose(fast, expected, rtol=1e-12)


def test_percentile_interval_ignores_failed_replicates():
    replicates = np.r_[np.arange(1.0, 101.0), np.nan, np.nan]
    low, high = percentile_interval(replicates, alpha=0.1)
    assert (low, high) == pytest.approx((5.95, 95.05))


def test_bootstrap_parameter_errors():
    with pytest.raises(ParameterError, match="n_boot"):
        cluster_multiplicities(5, 1, 0)
    with pytest.raises(ParameterError, match="seed"):
        cluster_multiplicities(5, 10, -1)
    with pytest.raises(ParameterError, match="alpha"):
        percentile_interval(np.arange(10.0), alpha=1.5)


def test_cluster_sums_of_a_matrix_are_per_cluster_column_sums():
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 6, 50)
    values = rng.normal(size=(50, 3))
    expected = pd.DataFrame(values).groupby(codes).sum().reindex(range(7), fill_value=0.0).to_numpy()
    np.testing.assert_allclose(cluster_sums(values, codes, 7), expected, atol=1e-12)
    assert cluster_sums(np.empty((50, 0)), codes, 7).shape == (7, 0)
