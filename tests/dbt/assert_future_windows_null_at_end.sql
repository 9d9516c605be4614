-- future_<max_lead_days>day_* is NULL exactly on each user's last max_lead_days panel days (and
-- future_<short_horizon_days>day_* exactly on the last short_horizon_days days); never NULL elsewhere.
{%- set max_lead = var('max_lead_days') | int %}
{%- set short_horizon = var('short_horizon_days') | int %}

with

panel as (

    select * from {{ ref('fct_user_day_panel') }}

),

user_last_day as (

    select
        user_id,
        max(calendar_day_index) as last_index
    from panel
    group by user_id

),

flagged as (

    select
        panel.*,
        panel.calendar_day_index > user_last_day.last_index - {{ max_lead }} as in_last_long_window,
        panel.calendar_day_index > user_last_day.last_index - {{ short_horizon }}
            as in_last_short_window
    from panel
    inner join user_last_day
        on panel.user_id = user_last_day.user_id

),

failures as (

    select
        user_id,
        event_date,
        calendar_day_index
    from flagged
    where
        {% for suffix in ['active_days', 'interactions', 'play_duration_sec'] -%}
            ({{ horizon_column(suffix) }} is null) != in_last_long_window
            or ({{ short_horizon_column(suffix) }} is null) != in_last_short_window
            {%- if not loop.last %} or {% endif %}
        {% endfor %}

)

select * from failures
