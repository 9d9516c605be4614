with

source as (

    select * from {{ source('kuairec', 'item_daily_features') }}

),

renamed as (

    select
        cast(video_id as bigint) as video_id,
        cast({{ adapter.quote('date') }} as integer) as raw_date,
        {{ date_from_yyyymmdd(adapter.quote('date')) }} as event_date,
        cast(author_id as bigint) as author_id,
        cast(video_type as {{ dbt.type_string() }}) as video_type,
        cast(upload_dt as {{ dbt.type_string() }}) as upload_dt,
        cast(upload_type as {{ dbt.type_string() }}) as upload_type,
        cast(visible_status as {{ dbt.type_string() }}) as visible_status,
        cast(video_duration as double) as video_duration_ms,
        cast(video_width as integer) as video_width,
        cast(video_height as integer) as video_height,
        cast(music_id as bigint) as music_id,
        cast(video_tag_id as bigint) as video_tag_id,
        cast(video_tag_name as {{ dbt.type_string() }}) as video_tag_name,
        cast(show_cnt as bigint) as show_cnt,
        cast(show_user_num as bigint) as show_user_num,
        cast(play_cnt as bigint) as play_cnt,
        cast(play_user_num as bigint) as play_user_num,
        cast(play_duration as bigint) as play_duration_ms,
        cast(complete_play_cnt as bigint) as complete_play_cnt,
        cast(complete_play_user_num as bigint) as complete_play_user_num,
        cast(valid_play_cnt as bigint) as valid_play_cnt,
        cast(valid_play_user_num as bigint) as valid_play_user_num,
        cast(long_time_play_cnt as bigint) as long_time_play_cnt,
        cast(long_time_play_user_num as bigint) as long_time_play_user_num,
        cast(short_time_play_cnt as bigint) as short_time_play_cnt,
        cast(short_time_play_user_num as bigint) as short_time_play_user_num,
        cast(play_progress as double) as play_progress,
        cast(comment_stay_duration as bigint) as comment_stay_duration,
        cast(like_cnt as bigint) as like_cnt,
        cast(like_user_num as bigint) as like_user_num,
        cast(click_like_cnt as bigint) as click_like_cnt,
        cast(double_click_cnt as bigint) as double_click_cnt,
        cast(cancel_like_cnt as bigint) as cancel_like_cnt,
        cast(cancel_like_user_num as bigint) as cancel_like_user_num,
        cast(comment_cnt as bigint) as comment_cnt,
        cast(comment_user_num as bigint) as comment_user_num,
        cast(direct_comment_cnt as bigint) as direct_comment_cnt,
        cast(reply_comment_cnt as bigint) as reply_comment_cnt,
        cast(delete_comment_cnt as bigint) as delete_comment_cnt,
        cast(delete_comment_user_num as bigint) as delete_comment_user_num,
        cast(comment_like_cnt as bigint) as comment_like_cnt,
        cast(comment_like_user_num as bigint) as comment_like_user_num,
        cast(follow_cnt as bigint) as follow_cnt,
        cast(follow_user_num as bigint) as follow_user_num,
        cast(cancel_follow_cnt as bigint) as cancel_follow_cnt,
        cast(cancel_follow_user_num as bigint) as cancel_follow_user_num,
        cast(share_cnt as bigint) as share_cnt,
        cast(share_user_num as bigint) as share_user_num,
        cast(download_cnt as bigint) as download_cnt,
        cast(download_user_num as bigint) as download_user_num,
        cast(report_cnt as bigint) as report_cnt,
        cast(report_user_num as bigint) as report_user_num,
        cast(reduce_similar_cnt as bigint) as reduce_similar_cnt,
        cast(reduce_similar_user_num as bigint) as reduce_similar_user_num,
        cast(collect_cnt as bigint) as collect_cnt,
        cast(collect_user_num as bigint) as collect_user_num,
        cast(cancel_collect_cnt as bigint) as cancel_collect_cnt,
        cast(cancel_collect_user_num as bigint) as cancel_collect_user_num
    from source

),

final as (

    select
        *,
        cast(play_cnt as double) / nullif(show_cnt, 0) as item_play_rate,
        cast(like_cnt as double) / nullif(play_cnt, 0) as item_like_rate_per_play
    from renamed

)

select * from final
