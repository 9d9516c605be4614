with

source as (

    select * from {{ source('kuairec', 'item_categories') }}

),

renamed as (

    select
        cast(video_id as bigint) as video_id,
        cast(feat as {{ dbt.type_string() }}) as feat,
        {{ int_list_length('feat') }} as category_count,
        {{ int_list_first_element('feat') }} as first_category
    from source

)

select * from renamed
