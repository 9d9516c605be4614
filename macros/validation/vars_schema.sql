{# GENERATED from python/kuairec_causal/vars_schema.py -- do not edit; regenerate with
   python -m kuairec_causal.vars_schema > macros/validation/vars_schema.sql #}
{% macro declared_vars() -%}
    {{ return({
        "interaction_matrix": {"kind": "choice", "choices": ["small_matrix", "big_matrix"], "rule": "must be one of 'small_matrix', 'big_matrix'"},
        "drop_exact_duplicate_rows": {"kind": "boolean", "rule": "must be true or false"},
        "data_quality_matrices": {"kind": "choice", "choices": ["panel", "all"], "rule": "must be one of 'panel', 'all'"},
        "platform_utc_offset_hours": {"kind": "integer", "minimum": -12, "maximum": 14, "rule": "must be an integer >= -12 and <= 14"},
        "release_first_date": {"kind": "date", "rule": "must be a date written YYYY-MM-DD"},
        "release_last_date": {"kind": "date", "rule": "must be a date written YYYY-MM-DD"},
        "build_id": {"kind": "identifier", "nullable": true, "rule": "must be letters, digits, '-' or '_' (at most 64)"},
        "register_raw_tables": {"kind": "boolean", "rule": "must be true or false"},
        "high_watch_threshold": {"kind": "number", "minimum": 0, "exclusive_minimum": true, "rule": "must be a number > 0"},
        "complete_threshold": {"kind": "number", "minimum": 0, "exclusive_minimum": true, "rule": "must be a number > 0"},
        "valid_play_min_watch_ratio": {"kind": "number", "minimum": 0, "rule": "must be a number >= 0"},
        "short_abandon_max_watch_ratio": {"kind": "number", "minimum": 0, "exclusive_minimum": true, "rule": "must be a number > 0"},
        "watch_ratio_cap": {"kind": "number", "minimum": 0, "exclusive_minimum": true, "rule": "must be a number > 0"},
        "long_tail_quantile": {"kind": "number", "minimum": 0, "maximum": 1, "exclusive_minimum": true, "exclusive_maximum": true, "rule": "must be a number > 0 and < 1"},
        "history_window_days": {"kind": "integer", "minimum": 1, "maximum": 28, "rule": "must be an integer >= 1 and <= 28"},
        "max_lead_days": {"kind": "integer", "minimum": 1, "maximum": 28, "rule": "must be an integer >= 1 and <= 28"},
        "short_horizon_days": {"kind": "integer", "minimum": 1, "maximum": 28, "rule": "must be an integer >= 1 and <= 28"},
        "min_history_days": {"kind": "integer", "minimum": 0, "maximum": 60, "rule": "must be an integer >= 0 and <= 60"},
        "regime_window_days": {"kind": "integer", "minimum": 1, "maximum": 28, "rule": "must be an integer >= 1 and <= 28"},
        "high_intensity_rule": {"kind": "choice", "choices": ["quantile", "fixed"], "rule": "must be one of 'quantile', 'fixed'"},
        "high_intensity_quantile": {"kind": "number", "minimum": 0, "maximum": 1, "exclusive_minimum": true, "exclusive_maximum": true, "rule": "must be a number > 0 and < 1"},
        "high_intensity_fixed_threshold": {"kind": "number", "minimum": 0, "rule": "must be a number >= 0"},
        "high_watch_exposure_rule": {"kind": "choice", "choices": ["quantile", "fixed"], "rule": "must be one of 'quantile', 'fixed'"},
        "high_watch_exposure_quantile": {"kind": "number", "minimum": 0, "maximum": 1, "exclusive_minimum": true, "exclusive_maximum": true, "rule": "must be a number > 0 and < 1"},
        "high_watch_exposure_fixed_threshold": {"kind": "number", "minimum": 0, "maximum": 1, "rule": "must be a number >= 0 and <= 1"},
        "high_discovery_rule": {"kind": "choice", "choices": ["quantile", "fixed"], "rule": "must be one of 'quantile', 'fixed'"},
        "high_discovery_quantile": {"kind": "number", "minimum": 0, "maximum": 1, "exclusive_minimum": true, "exclusive_maximum": true, "rule": "must be a number > 0 and < 1"},
        "high_discovery_fixed_threshold": {"kind": "number", "minimum": 0, "maximum": 1, "rule": "must be a number >= 0 and <= 1"},
        "recent_activity_reference_interactions": {"kind": "number", "minimum": 0, "exclusive_minimum": true, "rule": "must be a number > 0"},
        "metric_validation_top_quantile_buckets": {"kind": "integer", "minimum": 2, "maximum": 100, "rule": "must be an integer >= 2 and <= 100"},
        "metric_history_penalty": {"kind": "number", "minimum": 0, "rule": "must be a number >= 0"},
        "dq_max_plausible_watch_ratio": {"kind": "number", "minimum": 0, "exclusive_minimum": true, "rule": "must be a number > 0"},
        "readiness_min_users": {"kind": "integer", "minimum": 1, "rule": "must be an integer >= 1"},
        "readiness_min_median_active_days": {"kind": "number", "minimum": 0, "rule": "must be a number >= 0"},
        "readiness_min_calendar_dates": {"kind": "integer", "minimum": 1, "rule": "must be an integer >= 1"},
        "readiness_min_treatment_rate": {"kind": "number", "minimum": 0, "maximum": 1, "rule": "must be a number >= 0 and <= 1"},
        "readiness_max_treatment_rate": {"kind": "number", "minimum": 0, "maximum": 1, "rule": "must be a number >= 0 and <= 1"},
        "readiness_min_short_horizon_share": {"kind": "number", "minimum": 0, "maximum": 1, "rule": "must be a number >= 0 and <= 1"},
        "readiness_min_horizon_share": {"kind": "number", "minimum": 0, "maximum": 1, "rule": "must be a number >= 0 and <= 1"},
    }) }}
{%- endmacro %}

{% macro declared_var_order() -%}
    {{ return([
        ["short_horizon_days", "max_lead_days", false],
        ["readiness_min_treatment_rate", "readiness_max_treatment_rate", true],
        ["release_first_date", "release_last_date", false]
    ]) }}
{%- endmacro %}
