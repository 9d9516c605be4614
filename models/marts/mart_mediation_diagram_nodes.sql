{#- Nodes of the mediation study's working causal diagram (seed mediation_diagram_nodes), for reports. -#}
with

nodes as (

    select * from {{ ref('mediation_diagram_nodes') }}

),

final as (

    select
        node,
        label,
        role,
        description,
        x,
        y,
        observed
    from nodes

)

select
    *,
    '{{ build_id() }}' as build_id
from final
