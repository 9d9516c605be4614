with

source as (

    select * from {{ source('kuairec', 'social_network') }}

),

renamed as (

    select
        cast(user_id as bigint) as user_id,
        cast(friend_list as {{ dbt.type_string() }}) as friend_list,
        {{ int_list_length('friend_list') }} as friend_count
    from source

)

select * from renamed
