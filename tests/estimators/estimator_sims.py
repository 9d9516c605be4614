"""Small simulated data sets with known answers, shared by the estimator tests."""

import numpy as np
import pandas as pd


def balanced_blocks(n_clusters: int = 12, seed: int = 0) -> pd.DataFrame:
    """Every cluster holds the same covariate patterns once treated and once untreated.

    Treatment is then independent of the covariates inside every cluster, fold and arm, so
    adjusted estimators must reproduce the raw difference in means exactly.
    """
    rng = np.random.default_rng(seed)
    patterns = [(x, c) for x in (-1.0, 0.0, 2.0) for c in ("p", "q")]
    rows = []
    for g in range(n_clusters):
        for x, c in patterns:
            for a in (0, 1):
                m = 0.7 * a + 0.5 * x + rng.normal()
                y = 1.5 * a + 0.8 * m + x + (c == "q") + rng.normal()
                rows.append({"g": g, "x": x, "c": c, "a": a, "m": m, "y": y})
    return pd.DataFrame(rows)


def confounded(n: int = 600, n_clusters: int = 60, effect: float = 2.0, seed: int = 0) -> pd.DataFrame:
    """Confounded treatment with a cluster random effect; the true ATE is ``effect``."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, n_clusters, n)
    u = rng.normal(size=n_clusters)[g]
    x = rng.normal(size=n) + 0.5 * u
    a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    y = effect * a + x + u + rng.normal(size=n)
    return pd.DataFrame({"g": g, "x": x, "a": a, "y": y, "c": rng.choice(["p", "q", "r"], n)})


def mediated(n: int = 600, n_clusters: int = 60, seed: int = 0, a_m: float = 0.8, m_y: float = 0.5,
             a_y: float = 0.4) -> pd.DataFrame:
    """Linear mediation with confounder x and cluster effects: NIE = a_m * m_y, NDE = a_y."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, n_clusters, n)
    u = rng.normal(size=n_clusters)[g]
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-0.7 * x))).astype(int)
    u_y = rng.normal(size=n_clusters)[g]  # independent of u: clustering without M-Y confounding
    m = a_m * a + 0.5 * x + 0.5 * u + rng.normal(size=n)
    y = a_y * a + m_y * m + 0.3 * x + 0.5 * u_y + rng.normal(size=n)
    return pd.DataFrame({"g": g, "x": x, "a": a, "m": m, "y": y})
