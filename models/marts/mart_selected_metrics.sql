with

metric_roles as (

    select * from {{ ref('metric_roles') }}

),

validation as (

    select * from {{ ref('mart_metric_validation') }}

),

final as (

    select
        metric_roles.role,
        metric_roles.metric,
        metric_roles.reason,
        validation.user_days,
        validation.future_alignment_score,
        validation.history_dependence_score,
        validation.screening_score,
        validation.top_minus_bottom_future_interactions
    from metric_roles
    left join validation
        on metric_roles.metric = validation.metric

)

select
    *,
    '{{ build_id() }}' as build_id
from final
