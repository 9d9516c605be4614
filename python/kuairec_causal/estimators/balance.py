"""Covariate balance: standardized mean differences before and after weighting.

SMD = (mean_treated - mean_control) / sqrt((var_treated + var_control) / 2). Unweighted
variances use ddof=1; weighted variances use the reliability-weights correction
sum w (x - m)^2 / (sum w - sum w^2 / sum w), which equals the ddof=1 variance when all weights
are equal (so equal weights leave every SMD unchanged). Categorical covariates appear as one
indicator per level (no level dropped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._checks import as_names, binary_column, require_frame, row_weights
from .design import build_design


def _moments(X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = w.sum()
    mean = w @ X / total
    denominator = total - (w @ w) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (w @ (X - mean) ** 2) / denominator
    return mean, var


def _smd(X: np.ndarray, a: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    treated, control = a == 1, a == 0
    m1, v1 = _moments(X[treated], w[treated])
    m0, v0 = _moments(X[control], w[control])
    diff = m1 - m0
    sd = np.sqrt((v1 + v0) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        smd = np.where(sd > 0, diff / sd, np.where(diff == 0, 0.0, np.inf * np.sign(diff)))
    return m1, m0, smd


def balance_matrix(X: np.ndarray, names: Sequence[str], a: np.ndarray,
                   weights: np.ndarray | None = None) -> pd.DataFrame:
    """Balance table for a numeric matrix (the array form of :func:`balance_table`)."""
    m1, m0, smd = _smd(X, a, np.ones(len(a)))
    table = pd.DataFrame({"treated_mean": m1, "control_mean": m0, "smd": smd, "abs_smd": np.abs(smd)},
                         index=pd.Index(list(names), name="covariate"))
    if weights is not None:
        wm1, wm0, wsmd = _smd(X, a, np.asarray(weights, dtype=float))
        table["treated_mean_weighted"] = wm1
        table["control_mean_weighted"] = wm0
        table["smd_weighted"] = wsmd
        table["abs_smd_weighted"] = np.abs(wsmd)
    return table


def balance_table(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    weights: str | np.ndarray | None = None,
) -> pd.DataFrame:
    """Per-covariate treated/control means and SMDs, unweighted and (if given) weighted."""
    data = require_frame(data)
    a = binary_column(data, treatment, "treatment")
    spec, X = build_design(data, as_names(covariates, "covariates"), as_names(categorical, "categorical"),
                           drop_first=False)
    return balance_matrix(X, spec.names, a, row_weights(data, weights))


def balance_summary(table: pd.DataFrame, thresholds: Sequence[float] = (0.1, 0.25)) -> dict[str, float]:
    """Mean and max |SMD| and counts above each threshold, before and (if present) after weighting."""
    summary: dict[str, float] = {"n_covariates": len(table)}
    columns = {"before": "abs_smd", "after": "abs_smd_weighted"}
    for label, column in columns.items():
        if column not in table:
            continue
        values = table[column].to_numpy(dtype=float)
        summary[f"mean_abs_smd_{label}"] = float(np.mean(values)) if len(values) else np.nan
        summary[f"max_abs_smd_{label}"] = float(np.max(values)) if len(values) else np.nan
        for threshold in thresholds:
            summary[f"n_above_{threshold:g}_{label}"] = int(np.sum(values > threshold))
    return summary
