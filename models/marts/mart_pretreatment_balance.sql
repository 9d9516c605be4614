{#-
    Balance of pre-treatment covariates between treated and control active user-days of each
    candidate treatment: standardized mean difference with sample variances. Means and variances
    come from exact decimal sums (two passes: deviations from the exact arm mean), so the table is
    the same bits on every build; avg / var_samp over doubles depend on the order a parallel
    aggregate adds rows in.
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

arm_means as (

    select
        treatment,
        covariate,
        treated,
        {{ exact_avg('covariate_value') }} as arm_mean,
        count(*) as arm_days
    from long_format
    where covariate_value is not null
    group by treatment, covariate, treated

),

arm_moments as (

    select
        arm_means.treatment,
        arm_means.covariate,
        arm_means.treated,
        arm_means.arm_mean,
        arm_means.arm_days,
        cast(
            sum(cast(power(long_format.covariate_value - arm_means.arm_mean, 2) as decimal(38, 18))) as double
        ) / nullif(arm_means.arm_days - 1, 0) as arm_variance
    from long_format
    inner join arm_means
        on
            long_format.treatment = arm_means.treatment
            and long_format.covariate = arm_means.covariate
            and long_format.treated = arm_means.treated
    where long_format.covariate_value is not null
    group by
        arm_means.treatment,
        arm_means.covariate,
        arm_means.treated,
        arm_means.arm_mean,
        arm_means.arm_days

),

compared as (

    select
        treatment,
        covariate,
        max(case when treated = 1 then arm_mean end) as treated_mean,
        max(case when treated = 0 then arm_mean end) as control_mean,
        max(case when treated = 1 then arm_variance end) as treated_variance,
        max(case when treated = 0 then arm_variance end) as control_variance,
        sum(case when treated = 1 then arm_days else 0 end) as treated_days,
        sum(case when treated = 0 then arm_days else 0 end) as control_days
    from arm_moments
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

select
    *,
    '{{ build_id() }}' as build_id
from final
