{#-
    Is the panel fit for the causal analyses? One row per check with its value and whether it
    passes; the bounds are the readiness_* vars.
-#}
{%- set min_users = var('readiness_min_users') -%}
{%- set min_median_days = var('readiness_min_median_active_days') -%}
{%- set min_dates = var('readiness_min_calendar_dates') -%}
{%- set min_rate = var('readiness_min_treatment_rate') -%}
{%- set max_rate = var('readiness_max_treatment_rate') -%}
{%- set min_short_share = var('readiness_min_short_horizon_share') -%}
{%- set min_full_share = var('readiness_min_horizon_share') -%}
{%- set short_interactions = short_horizon_column('interactions') -%}
{%- set full_interactions = horizon_column('interactions') -%}
with

panel as (

    select * from {{ ref('fct_user_day_panel') }}

),

user_activity as (

    select
        user_id,
        sum(active_day) as active_days
    from panel
    group by user_id

),

panel_stats as (

    select
        count(distinct user_id) as panel_users,
        count(distinct event_date) as calendar_dates,
        count(*) as user_days,
        sum(active_day) as active_user_days,
        {% for treatment in candidate_treatments() %}
            sum({{ treatment.column }}) as {{ treatment.name }}_treated_days,
        {% endfor %}
        sum(case when {{ short_interactions }} is not null then 1 else 0 end)
            as short_horizon_defined_days,
        sum(case when {{ full_interactions }} is not null then 1 else 0 end)
            as horizon_defined_days,
        sum(
            case
                when
                    {% for metric in panel_history_metrics() -%}
                        lag_1_{{ metric }} is null or {{ prior_window_column(metric) }} is null
                        {%- if not loop.last %} or {% endif %}
                    {% endfor %}
                    then 1
                else 0
            end
        ) as rows_with_null_lag_covariates
    from panel

),

median_activity as (

    select {{ quantile_cont('active_days', 0.5) }} as median_user_active_days
    from user_activity

),

checks as (

    select
        'panel_users' as check_name,
        cast(panel_users as double) as check_value,
        '>= {{ min_users }}' as requirement,
        panel_users >= {{ min_users }} as passes
    from panel_stats

    union all

    select
        'median_user_active_days' as check_name,
        median_user_active_days as check_value,
        '>= {{ min_median_days }}' as requirement,
        median_user_active_days >= {{ min_median_days }} as passes
    from median_activity

    union all

    select
        'calendar_dates' as check_name,
        cast(calendar_dates as double) as check_value,
        '>= {{ min_dates }}' as requirement,
        calendar_dates >= {{ min_dates }} as passes
    from panel_stats

    {% for treatment in candidate_treatments() -%}
        union all

        select
            '{{ treatment.name }}_rate_among_active_days' as check_name,
            cast({{ treatment.name }}_treated_days as double)
            / nullif(active_user_days, 0) as check_value,
            'strictly between {{ min_rate }} and {{ max_rate }}' as requirement,
            coalesce(
                cast({{ treatment.name }}_treated_days as double)
                / nullif(active_user_days, 0) > {{ min_rate }}
                and cast({{ treatment.name }}_treated_days as double)
                / nullif(active_user_days, 0) < {{ max_rate }},
                false
            ) as passes
        from panel_stats

    {% endfor -%}

    union all

    select
        '{{ short_horizon_column("outcome_available_share") }}' as check_name,
        cast(short_horizon_defined_days as double) / nullif(user_days, 0) as check_value,
        '>= {{ min_short_share }}' as requirement,
        coalesce(
            cast(short_horizon_defined_days as double) / nullif(user_days, 0) >= {{ min_short_share }},
            false
        ) as passes
    from panel_stats

    union all

    select
        '{{ horizon_column("outcome_available_share") }}' as check_name,
        cast(horizon_defined_days as double) / nullif(user_days, 0) as check_value,
        '>= {{ min_full_share }}' as requirement,
        coalesce(
            cast(horizon_defined_days as double) / nullif(user_days, 0) >= {{ min_full_share }},
            false
        ) as passes
    from panel_stats

    union all

    select
        'rows_with_null_lag_covariates' as check_name,
        cast(rows_with_null_lag_covariates as double) as check_value,
        '= 0' as requirement,
        rows_with_null_lag_covariates = 0 as passes
    from panel_stats

)

select
    *,
    '{{ build_id() }}' as build_id
from checks
