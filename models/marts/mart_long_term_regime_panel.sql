{#-
    The panel of the exposure-policy (regime) study, wide: one row per analysis user-day t (active,
    at least min_history_days of history, complete follow-up after the regime window) with, for
    every step s = 0 .. regime_window_days - 1, day t+s's activity (whether exposure was possible),
    its high-watch-exposure treatment and its history covariates (the panel's lag / prior-window
    columns of day t+s, all measured before that day's exposure); the baseline covariates of t (user
    profile, calendar); and the outcomes over the max_lead_days days after the window (t+k ..
    t+k+max_lead_days-1), which are day t+k-1's future-window sums.
-#}
{%- set window_days = var('regime_window_days') | int -%}
{%- if window_days < 1 -%}
    {%- do exceptions.raise_compiler_error('need regime_window_days >= 1') -%}
{%- endif -%}
{%- set by_user_day = 'partition by user_id order by calendar_day_index' -%}
{%- set step_columns = regime_step_columns() -%}
{%- set followup_columns = regime_followup_columns() -%}

with

panel as (

    select * from {{ ref('fct_user_day_panel') }}

),

users as (

    select * from {{ ref('stg_kuairec__users') }}

),

stepped as (

    select
        user_id,
        event_date,
        calendar_day_index,
        day_of_week,
        history_days,
        {% for s in range(window_days) %}
            {% for source, name in step_columns %}
                {% if s == 0 -%}
                    {{ source }}
                {%- else -%}
                    lead({{ source }}, {{ s }}) over ({{ by_user_day }})
                {%- endif %} as step_{{ s }}_{{ name }},
            {% endfor %}
        {% endfor %}
        {% for source, name in followup_columns %}
            lead({{ source }}, {{ window_days - 1 }}) over ({{ by_user_day }})
                as {{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from panel

),

population as (

    select * from stepped
    where
        step_0_active_day = 1
        and history_days >= {{ var('min_history_days') }}
        and followup_interactions is not null

),

final as (

    select
        population.user_id,
        population.event_date,
        population.calendar_day_index,
        population.day_of_week,
        population.history_days,
        {% for column in user_profile_columns() %}
            users.{{ column }},
        {% endfor %}
        {% for s in range(window_days) %}
            {% for _, name in step_columns %}
                population.step_{{ s }}_{{ name }},
            {% endfor %}
        {% endfor %}
        {% for _, name in followup_columns %}
            population.{{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from population
    left join users
        on population.user_id = users.user_id

)

select
    *,
    '{{ build_id() }}' as build_id
from final
