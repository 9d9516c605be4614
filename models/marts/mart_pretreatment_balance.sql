{#-
    Balance of pre-treatment covariates between treated and control active user-days of each
    candidate treatment: standardized mean difference with sample variances.
-#}
{%- set covariates = [
    'lag_1_active_day',
    'lag_1_interactions',
    'lag_1_total_play_duration_sec',
    'lag_1_avg_watch_ratio',
    prior_window_column('active_day'),
    prior_window_column('interactions'),
    prior_window_column('total_play_duration_sec'),
    prior_window_column('high_watch_share'),
] -%}

with

active_user_days as (

    select * from {{ ref('fct_user_day_panel') }}
    where active_day = 1

),

long_format as (

    {{ treatment_long_format('active_user_days', covariates, 'covariate', 'covariate_value') }}

),

compared as (

    select
        treatment,
        covariate,
        avg(case when treated = 1 then covariate_value end) as treated_mean,
        avg(case when treated = 0 then covariate_value end) as control_mean,
        var_samp(case when treated = 1 then covariate_value end) as treated_variance,
        var_samp(case when treated = 0 then covariate_value end) as control_variance,
        sum(case when treated = 1 then 1 else 0 end) as treated_days,
        sum(case when treated = 0 then 1 else 0 end) as control_days
    from long_format
    where covariate_value is not null
    group by treatment, covariate

),

final as (

    select
        treatment,
        covariate,
        treated_mean,
        control_mean,
        treated_mean - control_mean as mean_difference,
        treated_variance,
        control_variance,
        (treated_mean - control_mean)
        / nullif(sqrt((treated_variance + control_variance) / 2), 0) as smd,
        treated_days,
        control_days
    from compared

)

select * from final
