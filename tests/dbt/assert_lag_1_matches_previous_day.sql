-- lag_1_<x>(t) = <x>(t - 1) for every history metric, and 0 on the user's first panel day.
with

panel as (

    select * from {{ ref('fct_user_day_panel') }}

),

failures as (

    select
        today.user_id,
        today.event_date,
        '{{ panel_history_metrics() | join(",") }}' as checked_metrics
    from panel as today
    left join panel as yesterday
        on
            today.user_id = yesterday.user_id
            and today.calendar_day_index = yesterday.calendar_day_index + 1
    where
        {% for metric in panel_history_metrics() -%}
            today.lag_1_{{ metric }} != coalesce(yesterday.{{ metric }}, 0)
            or today.lag_1_{{ metric }} is null
            {%- if not loop.last %} or {% endif %}
        {% endfor %}

)

select * from failures
