{#-
    Dense user x calendar-day grid: every user of the chosen matrix with at least one timed
    interaction, every day of the release's declared window (vars release_first_date ..
    release_last_date; never the data's min and max, so a stray date cannot stretch the panel:
    ingest rejects dates outside the window, and the singular test
    assert_observed_days_inside_release_window guards raw tables written by other means).
    Inactive days get zeros for all observed metrics.
-#}
with

observed as (

    select * from {{ ref('int_user_day_observed') }}

),

panel_users as (

    select distinct user_id
    from observed

),

bounds as (

    select
        cast('{{ var("release_first_date") }}' as date) as first_date,
        cast('{{ var("release_last_date") }}' as date) as last_date

),

calendar as (

    {{ date_spine_from_bounds('bounds', 'first_date', 'last_date') }}

),

grid as (

    select
        panel_users.user_id,
        calendar.date_day as event_date,
        cast(
            {{ dbt.datediff('bounds.first_date', 'calendar.date_day', 'day') }} as integer  -- noqa: LT05
        ) as calendar_day_index
    from panel_users
    cross join calendar
    cross join bounds

),

final as (

    select
        grid.user_id,
        grid.event_date,
        grid.calendar_day_index,
        {{ iso_day_of_week('grid.event_date') }} as day_of_week,
        {{ iso_day_name(iso_day_of_week('grid.event_date')) }} as day_of_week_name,
        case when coalesce(observed.interactions, 0) > 0 then 1 else 0 end as active_day,
        {% for metric in observed_day_metrics() %}
            coalesce(observed.{{ metric }}, 0) as {{ metric }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from grid
    left join observed
        on
            grid.user_id = observed.user_id
            and grid.event_date = observed.event_date

)

select * from final
