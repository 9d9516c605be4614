with

source as (

    select * from {{ source('simulation', 'ground_truth') }}

),

renamed as (

    select
        cast(interaction_matrix as {{ dbt.type_string() }}) as interaction_matrix,
        cast(study as {{ dbt.type_string() }}) as study,
        cast(estimand as {{ dbt.type_string() }}) as estimand,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast({{ adapter.quote('value') }} as double) as {{ adapter.quote('value') }},
        cast(population_rows as bigint) as population_rows
    from source

)

select * from renamed
