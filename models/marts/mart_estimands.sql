{#- The estimands of both studies (seed estimand_registry), next to the marts that consumers read. -#}
with

registry as (

    select * from {{ ref('estimand_registry') }}

),

final as (

    select
        study,
        estimand,
        symbol,
        definition,
        plain_language,
        question_answered
    from registry

)

select
    *,
    '{{ build_id() }}' as build_id
from final
