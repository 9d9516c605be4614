import numpy as np
import pandas as pd
import pytest

from kuairec_causal.errors import ParameterError
from kuairec_causal.estimators import build_design, fit_design


def frame():
    return pd.DataFrame({
        "age": [20.0, np.nan, 40.0, 30.0],
        "const": [1.0, 1.0, 1.0, 1.0],
        "tier": ["b", "a", None, "b"],
        "city name": ["x y", "x y", "z", "z"],
    })


def test_numeric_median_imputed_categorical_dummies_drop_first_missing_level():
    spec, X = build_design(frame(), ["age", "const"], ["tier", "city name"])
    # levels of tier sorted: "(missing)", "a", "b" -> first dropped; const is constant -> dropped
    assert spec.names == ["age", "tier_a", "tier_b", "city_name_z"]
    expected = np.array([
        [20.0, 0, 1, 0],
        [30.0, 1, 0, 0],   # median of 20, 40, 30
        [40.0, 0, 0, 1],   # missing tier = reference level
        [30.0, 0, 1, 1],
    ])
    np.testing.assert_array_equal(X, expected)
    assert spec.dropped_constant == ("const",)
    assert spec.summary() == {"rows": 4, "numeric": 2, "categorical": 2, "encoded_columns": 4,
                              "dropped_constant": ["const"]}


def test_transform_subset_gives_same_columns_and_fitted_medians():
    data = frame()
    spec = fit_design(data, ["age"], ["tier"])
    subset = data.iloc[[1, 2]]
    X = spec.transform(subset)
    assert X.shape == (2, len(spec.names))
    np.testing.assert_array_equal(X, [[30.0, 1, 0], [40.0, 0, 0]])  # median from the full fit


def test_unseen_level_encodes_as_reference_and_keep_all_levels_option():
    spec = fit_design(frame(), [], ["tier"], drop_first=False)
    assert spec.names == ["tier_missing", "tier_a", "tier_b"]
    X = spec.transform(pd.DataFrame({"tier": ["c", "a"]}))
    np.testing.assert_array_equal(X, [[0, 0, 0], [0, 1, 0]])


def test_design_errors_name_the_column():
    with pytest.raises(ParameterError, match="covariate 'x9' not in data"):
        fit_design(frame(), ["x9"])
    with pytest.raises(ParameterError, match="covariate 'tier' is not numeric"):
        fit_design(frame(), ["tier"])
    with pytest.raises(ParameterError, match="categorical covariate 'nope' not in data"):
        fit_design(frame(), [], ["nope"])
