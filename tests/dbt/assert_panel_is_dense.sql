-- The panel is dense: exactly users x calendar days rows, every user of the chosen matrix with
-- a timed interaction, every calendar day of the release's declared window (vars
-- release_first_date .. release_last_date), no gaps.
with

panel as (

    select
        user_id,
        event_date,
        calendar_day_index
    from {{ ref('fct_user_day_panel') }}

),

observed as (

    select count(distinct user_id) as user_count
    from {{ ref('int_user_day_observed') }}

),

panel_stats as (

    select
        count(*) as panel_rows,
        count(distinct user_id) as user_count,
        count(distinct event_date) as calendar_days,
        min(event_date) as first_date,
        max(event_date) as last_date
    from panel

),

per_user as (

    select
        user_id,
        count(*) as user_rows,
        count(distinct event_date) as user_days,
        min(calendar_day_index) as first_index,
        max(calendar_day_index) as last_index
    from panel
    group by user_id

),

failures as (

    select 'panel rows != users x calendar days' as failure
    from panel_stats
    where panel_rows != user_count * calendar_days

    union all

    select 'calendar has gaps' as failure
    from panel_stats
    where
        {{ dbt.datediff('first_date', 'last_date', 'day') }} + 1  -- noqa: LT05
        != calendar_days

    union all

    select 'panel users differ from the observed ones, or dates from the release window' as failure
    from panel_stats
    cross join observed
    where
        panel_stats.user_count != observed.user_count
        or panel_stats.first_date != cast('{{ var("release_first_date") }}' as date)
        or panel_stats.last_date != cast('{{ var("release_last_date") }}' as date)

    union all

    select 'a user does not cover every calendar day exactly once' as failure
    from per_user
    cross join panel_stats
    where
        per_user.user_rows != panel_stats.calendar_days
        or per_user.user_days != panel_stats.calendar_days
        or per_user.first_index != 0
        or per_user.last_index != panel_stats.calendar_days - 1

)

select * from failures
