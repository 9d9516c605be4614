with

source as (

    select * from {{ source('kuairec', 'kuairec_caption_category') }}

),

renamed as (

    select
        cast(video_id as bigint) as video_id,
        cast(manual_cover_text as {{ dbt.type_string() }}) as manual_cover_text,
        cast(caption as {{ dbt.type_string() }}) as caption,
        cast(topic_tag as {{ dbt.type_string() }}) as topic_tag,
        cast(first_level_category_id as bigint) as first_level_category_id,
        cast(first_level_category_name as {{ dbt.type_string() }}) as first_level_category_name,
        cast(second_level_category_id as bigint) as second_level_category_id,
        cast(second_level_category_name as {{ dbt.type_string() }}) as second_level_category_name,
        cast(third_level_category_id as bigint) as third_level_category_id,
        cast(third_level_category_name as {{ dbt.type_string() }}) as third_level_category_name
    from source

)

select * from renamed
