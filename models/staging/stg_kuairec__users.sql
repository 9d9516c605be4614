with

source as (

    select * from {{ source('kuairec', 'user_features') }}

),

renamed as (

    select
        cast(user_id as bigint) as user_id,
        cast(user_active_degree as {{ dbt.type_string() }}) as user_active_degree,
        cast(is_lowactive_period as integer) as is_lowactive_period,
        cast(is_live_streamer as integer) as is_live_streamer,
        cast(is_video_author as integer) as is_video_author,
        cast(follow_user_num as integer) as follow_user_num,
        cast(follow_user_num_range as {{ dbt.type_string() }}) as follow_user_num_range,
        cast(fans_user_num as integer) as fans_user_num,
        cast(fans_user_num_range as {{ dbt.type_string() }}) as fans_user_num_range,
        cast(friend_user_num as integer) as friend_user_num,
        cast(friend_user_num_range as {{ dbt.type_string() }}) as friend_user_num_range,
        cast(register_days as integer) as register_days,
        cast(register_days_range as {{ dbt.type_string() }}) as register_days_range,
        cast(onehot_feat0 as integer) as onehot_feat0,
        cast(onehot_feat1 as integer) as onehot_feat1,
        cast(onehot_feat2 as integer) as onehot_feat2,
        cast(onehot_feat3 as integer) as onehot_feat3,
        cast(onehot_feat4 as integer) as onehot_feat4,
        cast(onehot_feat5 as integer) as onehot_feat5,
        cast(onehot_feat6 as integer) as onehot_feat6,
        cast(onehot_feat7 as integer) as onehot_feat7,
        cast(onehot_feat8 as integer) as onehot_feat8,
        cast(onehot_feat9 as integer) as onehot_feat9,
        cast(onehot_feat10 as integer) as onehot_feat10,
        cast(onehot_feat11 as integer) as onehot_feat11,
        cast(onehot_feat12 as integer) as onehot_feat12,
        cast(onehot_feat13 as integer) as onehot_feat13,
        cast(onehot_feat14 as integer) as onehot_feat14,
        cast(onehot_feat15 as integer) as onehot_feat15,
        cast(onehot_feat16 as integer) as onehot_feat16,
        cast(onehot_feat17 as integer) as onehot_feat17
    from source

)

select * from renamed
