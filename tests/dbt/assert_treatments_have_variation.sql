-- Every candidate treatment flags strictly between var readiness_min_treatment_rate (1%) and
-- var readiness_max_treatment_rate (99%) of the active user-days.
with

panel as (

    select * from {{ ref('fct_user_day_panel') }}
    where active_day = 1

),

rates as (

    {% for treatment in candidate_treatments() -%}
        select
            '{{ treatment.name }}' as treatment,
            avg(cast({{ treatment.column }} as double)) as treated_rate
        from panel
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from rates
where
    not coalesce(
        treated_rate > {{ var('readiness_min_treatment_rate') }}
        and treated_rate < {{ var('readiness_max_treatment_rate') }},
        false
    )
