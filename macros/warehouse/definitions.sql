{#
    Shared definitions of the warehouse. Thresholds and windows come from vars in
    dbt_project.yml; these macros only name things once.
#}

{# Returns var(name) after checking it is one of `allowed`. #}
{% macro var_choice(name, allowed) -%}
    {%- set value = var(name) -%}
    {%- if value not in allowed -%}
        {%- do exceptions.raise_compiler_error(
            "var " ~ name ~ " = '" ~ value ~ "' is not one of " ~ allowed | join(', ')
        ) -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#
    The raw interaction matrices mart_data_quality profiles (var data_quality_matrices): the one
    that feeds the panel, or both.
#}
{% macro data_quality_matrices() -%}
    {%- set scope = var_choice('data_quality_matrices', ['panel', 'all']) -%}
    {%- if scope == 'all' -%}
        {{ return(['small_matrix', 'big_matrix']) }}
    {%- endif -%}
    {{ return([var_choice('interaction_matrix', ['small_matrix', 'big_matrix'])]) }}
{%- endmacro %}


{#
    The candidate treatments of the user-day panel: each flags active user-days whose `metric`
    is >= a threshold chosen by vars <var_prefix>_rule ('quantile' of the metric over active
    user-days, or 'fixed'), <var_prefix>_quantile and <var_prefix>_fixed_threshold.
#}
{% macro candidate_treatments() -%}
    {{ return([
        {'name': 'high_intensity', 'column': 'treatment_high_intensity',
         'metric': 'interactions', 'var_prefix': 'high_intensity'},
        {'name': 'high_watch_exposure', 'column': 'treatment_high_watch_exposure',
         'metric': 'high_watch_share', 'var_prefix': 'high_watch_exposure'},
        {'name': 'high_discovery', 'column': 'treatment_high_discovery',
         'metric': 'discovery_candidate_share', 'var_prefix': 'high_discovery'},
    ]) }}
{%- endmacro %}


{#
    Names of the panel's window columns, generated from the window vars so that a name always
    states its window: prior_<history_window_days>day_<metric> (sum over the previous days),
    future_<short_horizon_days>day_<suffix> and future_<max_lead_days>day_<suffix> (sums over the
    next days). kuairec_causal.windows derives the same names in Python from mart_panel_windows.
#}
{% macro prior_window_column(metric) -%}
    {{ return('prior_' ~ (var('history_window_days') | int) ~ 'day_' ~ metric) }}
{%- endmacro %}

{% macro short_horizon_column(suffix) -%}
    {{ return('future_' ~ (var('short_horizon_days') | int) ~ 'day_' ~ suffix) }}
{%- endmacro %}

{% macro horizon_column(suffix) -%}
    {{ return('future_' ~ (var('max_lead_days') | int) ~ 'day_' ~ suffix) }}
{%- endmacro %}


{# Daily metrics that get lag_1_<x> and prior-window (prior_window_column) history columns. #}
{% macro panel_history_metrics() -%}
    {{ return([
        'active_day',
        'interactions',
        'total_play_duration_sec',
        'avg_watch_ratio',
        'avg_watch_ratio_capped',
        'high_watch_share',
        'complete_or_rewatch_share',
        'valid_play_share',
        'discovery_candidate_share',
        'satisfaction_depth_score',
    ]) }}
{%- endmacro %}


{#
    Daily metrics that get lead_<h>_<x> columns (h = 1 .. max_lead_days) and future sums, with
    the names of their future-sum columns.
#}
{% macro panel_lead_metrics() -%}
    {{ return([
        {'metric': 'active_day', 'next_day': 'next_day_active', 'future_suffix': 'active_days'},
        {'metric': 'interactions', 'next_day': 'next_day_interactions',
         'future_suffix': 'interactions'},
        {'metric': 'total_play_duration_sec', 'next_day': 'next_day_play_duration_sec',
         'future_suffix': 'play_duration_sec'},
    ]) }}
{%- endmacro %}


{#
    The long-term study population (mart_long_term_analysis and the metric / mediation panels):
    active user-days with at least min_history_days of history and a complete future window
    (max_lead_days).
#}
{% macro analysis_population_condition() -%}
    active_day = 1
    and history_days >= {{ var('min_history_days') }}
    and {{ horizon_column('interactions') }} is not null
{%- endmacro %}


{# 1 when the boolean condition holds, 0 when it does not, NULL when it is NULL. #}
{% macro as_flag(condition) -%}
    cast(({{ condition }}) as integer)
{%- endmacro %}


{#
    Twice the average rank (1-based; ties get the mean of the positions they span, as in
    scipy.stats.rankdata's default) of each distinct `value_column` of `relation` within
    `partition_by`: a complete SELECT of (partition_by, value_column, doubled_rank), to join back
    on both. Doubled, the rank is an integer: 2 * (rows below) + (rows tied) + 1. Counting the
    distinct values and summing the counts below each one is one aggregate and a window over the
    distinct values, instead of rank() and count() windows that sort every row.
#}
{% macro doubled_average_ranks(relation, value_column, partition_by) -%}
    select
        {{ partition_by }},
        {{ value_column }},
        2 * coalesce(sum(count(*)) over (
            partition by {{ partition_by }}
            order by {{ value_column }}
            rows between unbounded preceding and 1 preceding
        ), 0) + count(*) + 1 as doubled_rank
    from {{ relation }}
    group by {{ partition_by }}, {{ value_column }}
{%- endmacro %}


{# The observed user-day metrics (int_user_day_observed) carried into the dense grid. #}
{% macro observed_day_metrics() -%}
    {{ return([
        'interactions',
        'unique_videos',
        'total_play_duration_sec',
        'avg_play_duration_sec',
        'avg_video_duration_sec',
        'avg_watch_ratio',
        'avg_watch_ratio_capped',
        'high_watch_share',
        'complete_or_rewatch_share',
        'valid_play_share',
        'short_abandon_share',
        'avg_satisfaction_score',
        'satisfaction_depth_score',
        'unique_categories',
        'long_tail_share',
        'new_category_share',
        'discovery_candidate_share',
    ]) }}
{%- endmacro %}


{# The user profile columns of stg_kuairec__users carried into the analysis marts. #}
{% macro user_profile_columns() -%}
    {%- set columns = [
        'user_active_degree',
        'is_lowactive_period',
        'is_live_streamer',
        'is_video_author',
        'follow_user_num',
        'follow_user_num_range',
        'fans_user_num',
        'fans_user_num_range',
        'friend_user_num',
        'friend_user_num_range',
        'register_days',
        'register_days_range',
    ] -%}
    {%- for k in range(18) -%}
        {%- do columns.append('onehot_feat' ~ k) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{# The candidate metrics screened in mart_metric_validation. #}
{% macro candidate_metrics() -%}
    {{ return([
        'discovery_breadth_score',
        'satisfaction_depth_score',
        'quality_adjusted_discovery_score',
        'shallow_click_pressure_score',
        'long_tail_share',
        'avg_satisfaction_score',
    ]) }}
{%- endmacro %}


{#
    Mean of a double expression computed exactly (sum of decimal(38, 18) values) so that it does
    not depend on the order in which parallel threads add rows up: the same data give the same
    bits on every build. NULL inputs are ignored, as by avg().
#}
{% macro exact_avg(expr) -%}
    cast(sum(cast({{ expr }} as decimal(38, 18))) as double) / count({{ expr }})
{%- endmacro %}
