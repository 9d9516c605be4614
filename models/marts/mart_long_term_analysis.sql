{#-
    The long-term study population: active user-days with at least min_history_days of history
    and a complete future window of max_lead_days (analysis_population_condition), with outcomes,
    same-day metrics, history covariates and the user profile.
-#}
{%- set max_lead = var('max_lead_days') | int -%}

with

panel as (

    select * from {{ ref('fct_user_day_panel') }}
    where {{ analysis_population_condition() }}

),

users as (

    select * from {{ ref('stg_kuairec__users') }}

),

final as (

    select
        panel.user_id,
        panel.event_date,
        panel.calendar_day_index,
        panel.day_of_week,
        panel.day_of_week_name,
        panel.first_active_day_index,
        panel.history_days,
        panel.treatment_high_watch_exposure as treatment,
        panel.treatment_high_intensity,
        panel.treatment_high_watch_exposure,
        panel.treatment_high_discovery,
        panel.{{ horizon_column('interactions') }},
        panel.{{ horizon_column('active_days') }},
        cast(panel.{{ horizon_column('interactions') }} as double) / {{ max_lead }}
            as {{ horizon_column('avg_daily_interactions') }},
        panel.{{ horizon_column('play_duration_sec') }} / 3600.0 as {{ horizon_column('play_hours') }},
        ln(1 + panel.{{ horizon_column('interactions') }}) as outcome_log1p,
        panel.active_day,
        {% for metric in observed_day_metrics() %}
            panel.{{ metric }},
        {% endfor %}
        {% for metric in panel_history_metrics() %}
            panel.lag_1_{{ metric }},
            panel.{{ prior_window_column(metric) }},
        {% endfor %}
        {% for column in user_profile_columns() %}
            users.{{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from panel
    left join users
        on panel.user_id = users.user_id

)

select
    *,
    '{{ build_id() }}' as build_id
from final
