"""Small longitudinal structural models whose policy means are known exactly, and learners for them.

``gaussian_two_step``: L0 -> A0 -> L1 -> A1 -> Y with Gaussian L and logistic A; treatment A0
moves the time-varying confounder L1, so adjusting a regression of Y for L1 blocks part of A0's
effect. E[Y(a0, a1)] = 1.4 + 1.56 a0 + 1.5 a1 in closed form.

``discrete_two_step``: binary W, and per step a treatment-possible indicator R_s, a binary
covariate L_s and a treatment A_s that is 0 whenever R_s = 0; earlier treatment makes treatment
possible more often later (as a recommender's exposure makes a user active more often). Every
policy mean is an exact sum over the 2^7 histories (:func:`discrete_policy_mean`).
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

GAUSSIAN_ROLES = dict(treatments=["a0", "a1"], time_varying=[["l0"], ["l1"]], outcome="y", cluster="unit")
DISCRETE_ROLES = dict(treatments=["a0", "a1"], time_varying=[["l0"], ["l1"]], possible=["r0", "r1"],
                      baseline=["w"], outcome="y", cluster="unit")


def gaussian_mean(a0: int, a1: int) -> float:
    """E[Y(a0, a1)] of :func:`gaussian_two_step`: 1 + a0 + 0.8 E[L1(a0)] + 1.5 a1."""
    return 1 + a0 + 0.8 * (0.5 + 0.7 * a0) + 1.5 * a1


def gaussian_propensity(step: int, history: np.ndarray) -> np.ndarray:
    """True P(A_s = 1 | H_s); H_0 = (l0), H_1 = (l0, a0, l1)."""
    if step == 0:
        return expit(-0.3 + 0.8 * history[:, 0])
    return expit(-0.2 + 0.9 * history[:, 2] - 0.5 * history[:, 1])


def gaussian_two_step(n: int, seed: int, rows_per_unit: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"unit": np.arange(n) // rows_per_unit, "l0": rng.normal(size=n)})
    frame["a0"] = (rng.random(n) < gaussian_propensity(0, frame[["l0"]].to_numpy())).astype(int)
    frame["l1"] = 0.5 + 0.6 * frame["l0"] + 0.7 * frame["a0"] + rng.normal(size=n)
    frame["a1"] = (rng.random(n) < gaussian_propensity(1, frame[["l0", "a0", "l1"]].to_numpy())).astype(int)
    unit_effect = rng.normal(scale=0.7, size=frame["unit"].max() + 1)[frame["unit"]]  # mean 0: truth unchanged
    frame["y"] = (1 + 0.5 * frame["l0"] + frame["a0"] + 0.8 * frame["l1"] + 1.5 * frame["a1"] + unit_effect
                  + rng.normal(size=n))
    return frame


# -- discrete model --------------------------------------------------------------------------

def _possible(step: int, w, l_prev, a_prev):
    return expit(1.2 + 0.4 * w) if step == 0 else expit(0.1 + 0.9 * a_prev + 0.5 * l_prev)


def _covariate(step: int, w, l_prev, a_prev):
    return expit(-0.2 + 0.8 * w) if step == 0 else expit(-0.4 + 0.9 * a_prev + 0.7 * l_prev - 0.3 * w)


def discrete_propensity(step: int, w, l_now, a_prev):
    """True P(A_s = 1 | H_s, R_s = 1)."""
    return expit(-0.5 + 1.0 * l_now + 0.5 * w) if step == 0 else expit(-0.3 + 1.1 * l_now + 0.6 * a_prev - 0.4 * w)


def _outcome_mean(w, l0, a0, r1, l1, a1):
    return 1 + 0.5 * w + 0.8 * l0 + 1.0 * a0 + 0.6 * r1 + 1.2 * l1 + 1.5 * a1 + 0.7 * l1 * a1


def discrete_two_step(n: int, seed: int, rows_per_unit: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    w = (rng.random(n) < 0.5).astype(int)
    columns = {"unit": np.arange(n) // rows_per_unit, "w": w}
    l_prev = a_prev = np.zeros(n, dtype=int)
    for step in (0, 1):
        r = (rng.random(n) < _possible(step, w, l_prev, a_prev)).astype(int)
        l_now = (rng.random(n) < _covariate(step, w, l_prev, a_prev)).astype(int)
        a = r * (rng.random(n) < discrete_propensity(step, w, l_now, a_prev)).astype(int)
        columns.update({f"r{step}": r, f"l{step}": l_now, f"a{step}": a})
        l_prev, a_prev = l_now, a
    frame = pd.DataFrame(columns)
    frame["y"] = _outcome_mean(w, frame["l0"], frame["a0"], frame["r1"], frame["l1"], frame["a1"]) + rng.normal(size=n)
    return frame


def discrete_policy_mean(policy) -> float:
    """Exact E[Y(policy)] by enumeration. ``policy(step, r, propensity)`` is the policy's
    probability of treatment given that treatment is possible (r = 1) and the natural propensity."""
    total = 0.0
    for w, r0, l0, a0, r1, l1, a1 in product((0, 1), repeat=7):
        probability = 0.5
        for step, (r, l_now, a, l_prev, a_prev) in enumerate(((r0, l0, a0, 0, 0), (r1, l1, a1, l0, a0))):
            p_r, p_l = _possible(step, w, l_prev, a_prev), _covariate(step, w, l_prev, a_prev)
            p_a = r * policy(step, r, discrete_propensity(step, w, l_now, a_prev))
            probability *= (p_r if r else 1 - p_r) * (p_l if l_now else 1 - p_l) * (p_a if a else 1 - p_a)
        total += probability * _outcome_mean(w, l0, a0, r1, l1, a1)
    return total


def static_policy(decision: int):
    return lambda step, r, propensity: float(decision)


def incremental_policy(delta: float):
    return lambda step, r, propensity: delta * propensity / (delta * propensity + 1 - propensity)


# -- learners ----------------------------------------------------------------------------------

def _cell_keys(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if not np.isin(X, (0.0, 1.0)).all():
        raise ValueError("cell learners need 0/1 features")
    return X @ (2.0 ** np.arange(X.shape[1]))


class _Cells(BaseEstimator):
    """Saturated model of binary features: the weighted mean of y in each distinct feature row
    (correctly specified for any function of discrete histories); unseen rows get the overall mean."""

    def fit(self, X, y, sample_weight=None):
        y = np.asarray(y, dtype=float)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.keys_, inverse = np.unique(_cell_keys(X), return_inverse=True)
        self.means_ = np.bincount(inverse, weight * y) / np.bincount(inverse, weight)
        self.default_ = float(weight @ y / weight.sum())
        return self

    def _mean(self, X) -> np.ndarray:
        keys = _cell_keys(X)
        position = np.clip(np.searchsorted(self.keys_, keys), 0, len(self.keys_) - 1)
        return np.where(self.keys_[position] == keys, self.means_[position], self.default_)


class CellMeansRegressor(RegressorMixin, _Cells):
    def predict(self, X):
        return self._mean(X)


class CellMeansClassifier(ClassifierMixin, _Cells):
    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.array([0, 1])
        return super().fit(X, y, sample_weight)

    def predict_proba(self, X):
        p = self._mean(X)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self._mean(X) >= 0.5).astype(int)


class OracleClassifier(ClassifierMixin, BaseEstimator):
    """Known propensities: ``propensity(step, H_s)``, the step told apart by the width of H_s."""

    def __init__(self, propensity=None, widths=()):
        self.propensity = propensity
        self.widths = widths

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        p = self.propensity(list(self.widths).index(X.shape[1]), X)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def discrete_oracle(step: int, history: np.ndarray) -> np.ndarray:
    """True propensity of the discrete model from H_0 = (w, l0, r0) or H_1 = (w, l0, r0, a0, l1, r1)."""
    if step == 0:
        return discrete_propensity(0, history[:, 0], history[:, 1], 0)
    return discrete_propensity(1, history[:, 0], history[:, 4], history[:, 3])
