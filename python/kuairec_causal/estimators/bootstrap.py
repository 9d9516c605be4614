"""The cluster bootstrap, implemented once, as multiplicity weights.

Each replicate draws cluster counts from Multinomial(G, 1/G), which is the same as drawing G
clusters with replacement. A row's multiplicity is its cluster's count. A statistic receives
the rows with non-zero multiplicity and their integer multiplicities, and must return what it
would return on the physically duplicated resample: true for weighted least squares, weighted
GLMs/logistic regression and weighted means. For gradient-boosted trees, sample weights are an
accepted approximation (leaf-size limits count distinct rows, not their weights).

The multiplicity matrix depends only on (number of clusters, n_boot, seed), and clusters are
coded in sorted label order, so two estimators run with the same seed on the same data see the
same resamples and their replicate arrays can be differenced.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
from scipy import sparse

from kuairec_causal.errors import ParameterError
from kuairec_causal.parallel import flatten, parallel_map, task_chunks

from ._checks import check_alpha, check_int, check_n_boot, check_seed, factorize
from ._threads import single_threaded

# (rows, multiplicities) or, with replicate_seed, (rows, multiplicities, generator)
Statistic = Callable[..., "float | np.ndarray"]


def cluster_multiplicities(n_clusters: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot x n_clusters) integer counts; each row sums to n_clusters."""
    check_int(n_clusters, "n_clusters", 1)
    n_boot = check_n_boot(n_boot)
    rng = np.random.default_rng(check_seed(seed))
    return rng.multinomial(n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=n_boot)


@single_threaded
def cluster_bootstrap(
    statistic: Statistic,
    clusters: np.ndarray,
    n_boot: int = 200,
    seed: int = 0,
    desc: str = "cluster bootstrap",
    n_jobs: int | None = 1,
    replicate_seed: Sequence[int] | None = None,
) -> np.ndarray:
    """Replicates of ``statistic(rows, multiplicities)`` under the cluster bootstrap.

    With ``replicate_seed`` the statistic also receives a random generator of its own per
    replicate, seeded by (``*replicate_seed``, replicate index): its draws do not depend on which
    process runs the replicate or on the order replicates run in.

    ``clusters`` holds one label per row. Returns shape (n_boot,) for a scalar statistic or
    (n_boot, k) for a vector one. A replicate where the statistic returns NaN (e.g. no treated
    rows drawn) stays NaN; :func:`percentile_interval` ignores those. Replicates are spread over
    ``n_jobs`` processes (the statistic must then be picklable); each is computed on its own, so
    the result does not depend on ``n_jobs``.
    """
    codes, n_clusters = factorize(clusters)
    counts = cluster_multiplicities(n_clusters, n_boot, seed)

    def replicates(chunk: range) -> list[np.ndarray]:
        results = []
        for b in chunk:
            row_counts = counts[b][codes]
            rows = np.flatnonzero(row_counts)
            extra = () if replicate_seed is None else (np.random.default_rng([*replicate_seed, b]),)
            results.append(np.asarray(statistic(rows, row_counts[rows].astype(float), *extra), dtype=float))
        return results

    return np.array(flatten(parallel_map(replicates, task_chunks(n_boot, n_jobs), n_jobs, desc=desc)))


def percentile_interval(replicates: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column (NaN replicates ignored)."""
    alpha = check_alpha(alpha)
    replicates = np.asarray(replicates, dtype=float)
    if replicates.shape[0] == 0:
        nan = np.full(replicates.shape[1:], np.nan)
        return nan, nan.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column -> NaN limits
        low, high = np.nanquantile(replicates, [alpha / 2, 1 - alpha / 2], axis=0)
    return low, high


def bootstrap_std(replicates: np.ndarray) -> np.ndarray:
    """Standard deviation of the replicates per column (NaN replicates ignored)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # fewer than two finite replicates -> NaN
        return cast(np.ndarray, np.nanstd(np.asarray(replicates, dtype=float), axis=0, ddof=1))


def cluster_sums(values: np.ndarray, codes: np.ndarray, n_clusters: int, groups: np.ndarray | None = None,
                 n_groups: int = 1) -> np.ndarray:
    """Per-cluster (and per-group) sums as a (n_clusters x n_groups) array.

    Two-dimensional ``values`` (rows x k, no ``groups``) give per-cluster column sums (n_clusters x k).
    """
    if np.ndim(values) == 2:
        if groups is not None:
            raise ParameterError("cluster_sums takes groups only with one-dimensional values")
        n = len(codes)
        indicator = sparse.csr_array((np.ones(n), (codes, np.arange(n))), shape=(n_clusters, n))
        return cast(np.ndarray, indicator @ np.asarray(values, dtype=float))  # each cluster's rows summed in row order
    groups = np.zeros(len(codes), dtype=np.int64) if groups is None else groups
    flat = np.bincount(codes * n_groups + groups, weights=values, minlength=n_clusters * n_groups)
    return flat.reshape(n_clusters, n_groups)


@single_threaded
def bootstrap_weighted_means(
    values: np.ndarray,
    clusters: np.ndarray,
    n_boot: int = 200,
    seed: int = 0,
    weights: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Fast path for statistics that are (weighted) means of per-row values.

    Replicate b of group k is sum_g M[b,g] S[g,k] / sum_g M[b,g] N[g,k], with S and N the
    per-cluster sums of weight*value and weight. No Python loop over replicates. Returns
    (n_boot,) without ``groups`` or (n_boot, K) with integer group codes 0..K-1; a group with no
    rows in a replicate gives NaN.
    """
    values = np.asarray(values, dtype=float)
    codes, n_clusters = factorize(clusters)
    weights = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    n_groups = 1 if groups is None else int(np.max(groups)) + 1
    sums = cluster_sums(weights * values, codes, n_clusters, groups, n_groups)
    totals = cluster_sums(weights, codes, n_clusters, groups, n_groups)
    counts = cluster_multiplicities(n_clusters, n_boot, seed).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (counts @ sums) / (counts @ totals)
    return cast(np.ndarray, means[:, 0] if groups is None else means)
