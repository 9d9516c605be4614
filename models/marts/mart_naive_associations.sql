{#-
    Naive (unadjusted) treated-vs-control comparisons of each candidate treatment on active
    user-days where the outcome is defined. Descriptive only: no confounding adjustment.
-#}
{%- set outcomes = [
    'next_day_active',
    short_horizon_column('active_days'),
    short_horizon_column('interactions'),
    horizon_column('active_days'),
    horizon_column('interactions'),
] -%}

with

active_user_days as (

    select * from {{ ref('fct_user_day_panel') }}
    where active_day = 1

),

long_format as (

    {{ treatment_long_format('active_user_days', outcomes, 'outcome', 'outcome_value') }}

),

compared as (

    select
        treatment,
        outcome,
        avg(case when treated = 0 then outcome_value end) as control_mean,
        avg(case when treated = 1 then outcome_value end) as treated_mean,
        sum(case when treated = 0 then 1 else 0 end) as control_days,
        sum(case when treated = 1 then 1 else 0 end) as treated_days
    from long_format
    where outcome_value is not null
    group by treatment, outcome

),

final as (

    select
        treatment,
        outcome,
        control_mean,
        treated_mean,
        treated_mean - control_mean as difference,
        (treated_mean - control_mean) / nullif(control_mean, 0) as relative_lift,
        control_days,
        treated_days
    from compared

)

select
    *,
    '{{ build_id() }}' as build_id
from final
