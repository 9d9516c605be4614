{#-
    Naive (unadjusted) treated-vs-control comparisons of each candidate treatment on active
    user-days where the outcome is defined. Descriptive only: no confounding adjustment.
-#}
{%- set outcomes = [
    'next_day_active',
    'future_3day_active_days',
    'future_3day_interactions',
    'future_7day_active_days',
    'future_7day_interactions',
] -%}
{%- set treatment_rows = [] -%}
{%- for treatment in candidate_treatments() -%}
    {%- do treatment_rows.append([literal_value(treatment.name)]) -%}
{%- endfor -%}
{%- set outcome_rows = [] -%}
{%- for outcome in outcomes -%}
    {%- do outcome_rows.append([literal_value(outcome)]) -%}
{%- endfor -%}

with

active_user_days as (

    select * from {{ ref('fct_user_day_panel') }}
    where active_day = 1

),

treatments as (

    {{ literal_table(['treatment'], treatment_rows) }}

),

outcomes as (

    {{ literal_table(['outcome'], outcome_rows) }}

),

long_format as (

    select
        treatments.treatment,
        outcomes.outcome,
        case treatments.treatment
            {% for treatment in candidate_treatments() -%}
                when '{{ treatment.name }}' then active_user_days.{{ treatment.column }}
            {% endfor -%}
        end as treated,
        case outcomes.outcome
            {% for outcome in outcomes -%}
                when '{{ outcome }}' then cast(active_user_days.{{ outcome }} as double)
            {% endfor -%}
        end as outcome_value
    from active_user_days
    cross join treatments
    cross join outcomes

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

select * from final
