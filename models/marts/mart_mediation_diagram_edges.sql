{#-
    Edges of the mediation study's working causal diagram (seed mediation_diagram_edges), for
    reports, with the labels of the nodes they join (an edge to an unknown node is dropped; the
    seed's relationships tests fail on it first).
-#}
with

edges as (

    select * from {{ ref('mediation_diagram_edges') }}

),

nodes as (

    select * from {{ ref('mart_mediation_diagram_nodes') }}

),

final as (

    select
        edges.from_node,
        edges.to_node,
        edges.style,
        edges.description,
        cause.label as from_label,
        effect.label as to_label
    from edges
    inner join nodes as cause on edges.from_node = cause.node
    inner join nodes as effect on edges.to_node = effect.node

)

select
    *,
    '{{ build_id() }}' as build_id
from final
