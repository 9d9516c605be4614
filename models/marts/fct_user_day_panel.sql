{#-
    The user-day panel: one row per user of the chosen matrix and calendar day, with the grid
    metrics, the history / future window columns and the candidate treatment flags.
-#}
with

windows as (

    select * from {{ ref('int_user_day_windows') }}

),

thresholds as (

    select * from {{ ref('int_treatment_thresholds') }}

),

threshold_row as (

    select
        {% for treatment in candidate_treatments() %}
            max(
                case when treatment = '{{ treatment.name }}' then threshold end
            ) as {{ treatment.name }}_threshold{% if not loop.last %},{% endif %}
        {% endfor %}
    from thresholds

),

final as (

    select
        windows.*,
        {% for treatment in candidate_treatments() %}
            case
                when
                    windows.active_day = 1
                    and windows.{{ treatment.metric }} >= threshold_row.{{ treatment.name }}_threshold
                    then 1
                else 0
            end as {{ treatment.column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from windows
    cross join threshold_row

)

select
    *,
    '{{ build_id() }}' as build_id
from final
