{#-
    Balance of pre-treatment covariates between treated and control active user-days of each
    candidate treatment: standardized mean difference with sample variances.
-#}
{%- set covariates = [
    'lag_1_active_day',
    'lag_1_interactions',
    'lag_1_total_play_duration_sec',
    'lag_1_avg_watch_ratio',
    'prior_3day_active_day',
    'prior_3day_interactions',
    'prior_3day_total_play_duration_sec',
    'prior_3day_high_watch_share',
] -%}
{%- set treatment_rows = [] -%}
{%- for treatment in candidate_treatments() -%}
    {%- do treatment_rows.append([literal_value(treatment.name)]) -%}
{%- endfor -%}
{%- set covariate_rows = [] -%}
{%- for covariate in covariates -%}
    {%- do covariate_rows.append([literal_value(covariate)]) -%}
{%- endfor -%}

with

active_user_days as (

    select * from {{ ref('fct_user_day_panel') }}
    where active_day = 1

),

treatments as (

    {{ literal_table(['treatment'], treatment_rows) }}

),

covariates as (

    {{ literal_table(['covariate'], covariate_rows) }}

),

long_format as (

    select
        treatments.treatment,
        covariates.covariate,
        case treatments.treatment
            {% for treatment in candidate_treatments() -%}
                when '{{ treatment.name }}' then active_user_days.{{ treatment.column }}
            {% endfor -%}
        end as treated,
        case covariates.covariate
            {% for covariate in covariates -%}
                when '{{ covariate }}' then cast(active_user_days.{{ covariate }} as double)
            {% endfor -%}
        end as covariate_value
    from active_user_days
    cross join treatments
    cross join covariates

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
