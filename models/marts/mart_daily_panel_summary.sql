with

panel as (

    select * from {{ ref('fct_user_day_panel') }}

),

final as (

    select
        event_date,
        calendar_day_index,
        day_of_week,
        day_of_week_name,
        count(*) as panel_users,
        sum(active_day) as active_users,
        sum(interactions) as interactions,
        avg(cast(active_day as double)) as active_rate,
        {% for treatment in candidate_treatments() %}
            avg(cast({{ treatment.column }} as double)) as {{ treatment.name }}_rate,
            cast(sum({{ treatment.column }}) as double)
            / nullif(sum(active_day), 0) as {{ treatment.name }}_rate_among_active,
        {% endfor %}
        count(next_day_active) as next_day_defined_users,
        avg(cast(next_day_active as double)) as next_day_active_rate
    from panel
    group by event_date, calendar_day_index, day_of_week, day_of_week_name

)

select
    *,
    '{{ build_id() }}' as build_id
from final
