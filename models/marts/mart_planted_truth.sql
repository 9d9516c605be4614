{#-
    The simulator's planted truth (empty for the real archive), for the consumers of the marts:
    the studies compare their estimates with it and the report marks it. One row per interaction
    matrix, study, estimand and outcome.
-#}
with

truth as (

    select * from {{ ref('stg_simulation__ground_truth') }}

),

final as (

    select
        interaction_matrix,
        study,
        estimand,
        outcome,
        {{ adapter.quote('value') }},
        population_rows
    from truth

)

select
    *,
    '{{ build_id() }}' as build_id
from final
