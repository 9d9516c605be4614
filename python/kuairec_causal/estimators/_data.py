"""Turn a DataFrame plus column roles into validated arrays, once per analysis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from ._checks import as_names, binary_column, cluster_codes, no_overlap, numeric_column, require_frame, row_weights
from .design import DesignSpec, build_design


@dataclass
class CausalData:
    """Arrays for one analysis: treatment ``a`` (0/1 floats), outcome ``y``, mediator ``m``,
    covariate matrix ``X`` (see :mod:`.design`), cluster codes and analysis weights."""

    a: np.ndarray
    # y and m are None when prepare() got no outcome / mediator; only estimators that take that
    # role read them, so they are typed as arrays (one cast in prepare).
    y: np.ndarray
    m: np.ndarray
    X: np.ndarray
    design: DesignSpec
    codes: np.ndarray
    n_clusters: int
    weights: np.ndarray | None

    @property
    def n(self) -> int:
        return len(self.a)

    @property
    def base_weights(self) -> np.ndarray:
        return np.ones(self.n) if self.weights is None else self.weights


def prepare(
    data: pd.DataFrame,
    treatment: str,
    outcome: str | None = None,
    mediator: str | None = None,
    covariates: Sequence[str] | str | None = (),
    categorical: Sequence[str] | str | None = (),
    cluster: str | None = None,
    weights: str | np.ndarray | None = None,
) -> CausalData:
    data = require_frame(data)
    covariates = as_names(covariates, "covariates")
    categorical = as_names(categorical, "categorical")
    no_overlap({
        "the treatment": [treatment], "the outcome": [outcome] if outcome else [],
        "the mediator": [mediator] if mediator else [], "a covariate": covariates,
        "a categorical covariate": categorical, "the cluster": [cluster] if cluster else [],
        "the weights": [weights] if isinstance(weights, str) else [],
    })
    a = binary_column(data, treatment, "treatment")
    y = numeric_column(data, outcome, "outcome") if outcome is not None else None
    m = numeric_column(data, mediator, "mediator") if mediator is not None else None
    spec, X = build_design(data, covariates, categorical)
    codes, n_clusters = cluster_codes(data, cluster)
    return CausalData(a, cast(np.ndarray, y), cast(np.ndarray, m), X, spec, codes, n_clusters,
                      row_weights(data, weights))


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = weights.sum()
    return float(weights @ values / total) if total > 0 else float("nan")
