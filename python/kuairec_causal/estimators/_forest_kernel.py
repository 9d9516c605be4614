"""The compiled walk of :mod:`._forest` (numba; compiled once and cached beside this file)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _goes_left(value: float, node: int, threshold: np.ndarray, default_left: np.ndarray, missing_type: np.ndarray,
               zero: float) -> bool:
    if not (abs(value) > zero or math.isnan(value)):  # the dense-row reader drops near-zero values
        value = 0.0
    missing = missing_type[node]
    if math.isnan(value) and missing != 2:
        value = 0.0
    if (missing == 1 and -zero <= value <= zero) or (missing == 2 and math.isnan(value)):
        return bool(default_left[node])
    return bool(value <= threshold[node])


@njit(cache=True, nogil=True, inline="always")
def _goes_left_xgboost(value: float, node: int, threshold: np.ndarray, default_left: np.ndarray) -> bool:
    if math.isnan(value):  # missing
        return bool(default_left[node])
    return bool(np.float32(value) < threshold[node])  # XGBoost reads the features as float32


@njit(cache=True, nogil=True, inline="always")
def _decide(xgboost: bool, value: float, node: int, threshold: np.ndarray, default_left: np.ndarray,
            missing_type: np.ndarray, zero: float) -> bool:
    if xgboost:
        return _goes_left_xgboost(value, node, threshold, default_left)
    return _goes_left(value, node, threshold, default_left, missing_type, zero)


@njit(cache=True, nogil=True)
def predict_settings(fixed: np.ndarray, varying: np.ndarray, feature: np.ndarray, threshold: np.ndarray,
                     default_left: np.ndarray, missing_type: np.ndarray, left: np.ndarray, right: np.ndarray,
                     node_start: np.ndarray, leaf_value: np.ndarray, leaf_start: np.ndarray, zero: float,
                     xgboost: bool, out: np.ndarray) -> None:
    """out[s, i] += every tree's leaf value for row i under setting s, tree by tree (in the
    dtype of ``out`` and ``leaf_value``: float32 for XGBoost, which sums in float32)."""
    n_rows, n_settings, k = varying.shape
    n_trees = len(node_start) - 1
    depth = 1
    for t in range(n_trees):
        depth = max(depth, node_start[t + 1] - node_start[t] + 1)
    order = np.arange(n_settings)  # settings grouped by the branch they are on
    stack_node = np.empty(depth, np.int64)
    stack_lo = np.empty(depth, np.int64)
    stack_hi = np.empty(depth, np.int64)
    total = np.empty(n_settings, out.dtype)  # one row's sums: contiguous, unlike a column of ``out``
    for i in range(n_rows):
        for s in range(n_settings):
            total[s] = out[s, i]
        for t in range(n_trees):
            base, leaves = node_start[t], leaf_start[t]
            if node_start[t + 1] == base:  # a single leaf
                for s in range(n_settings):
                    total[s] += leaf_value[leaves]
                continue
            stack_node[0], stack_lo[0], stack_hi[0] = 0, 0, n_settings
            top = 1
            while top > 0:
                top -= 1
                node, lo, hi = stack_node[top], stack_lo[top], stack_hi[top]
                while node >= 0:
                    g = base + node
                    j = feature[g]
                    if j >= k:  # a covariate: every setting goes the same way
                        left_way = _decide(xgboost, fixed[i, j - k], g, threshold, default_left, missing_type, zero)
                        node = left[g] if left_way else right[g]
                        continue
                    a, b = lo, hi - 1  # partition order[lo:hi] into left (lo:a) and right (a:hi)
                    while a <= b:
                        if _decide(xgboost, varying[i, order[a], j], g, threshold, default_left, missing_type, zero):
                            a += 1
                        else:
                            order[a], order[b] = order[b], order[a]
                            b -= 1
                    if a == hi:
                        node = left[g]
                    elif a == lo:
                        node = right[g]
                    else:
                        stack_node[top], stack_lo[top], stack_hi[top] = right[g], a, hi
                        top += 1
                        node, hi = left[g], a
                value = leaf_value[leaves + ~node]
                for q in range(lo, hi):
                    total[order[q]] += value
        for s in range(n_settings):
            out[s, i] = total[s]
