-- prior_<history_window_days>day_<x>(t) = sum of <x> over days t - history_window_days .. t - 1
-- (0 before the panel).
{%- set history_window = var('history_window_days') | int %}

with

panel as (

    select * from {{ ref('fct_user_day_panel') }}

),

recomputed as (

    select
        today.user_id,
        today.calendar_day_index,
        {% for metric in panel_history_metrics() -%}
            max(today.{{ prior_window_column(metric) }}) as window_{{ metric }},
            coalesce(sum(earlier.{{ metric }}), 0) as recomputed_{{ metric }}
            {% if not loop.last %},{% endif %}
        {% endfor %}
    from panel as today
    left join panel as earlier
        on
            today.user_id = earlier.user_id
            and earlier.calendar_day_index >= today.calendar_day_index - {{ history_window }}
            and earlier.calendar_day_index <= today.calendar_day_index - 1
    group by today.user_id, today.calendar_day_index

),

failures as (

    select *
    from recomputed
    where
        {% for metric in panel_history_metrics() -%}
            window_{{ metric }} is null
            or abs(window_{{ metric }} - recomputed_{{ metric }})
            > 1e-9 * (1 + abs(recomputed_{{ metric }}))
            {%- if not loop.last %} or {% endif %}
        {% endfor %}

)

select * from failures
