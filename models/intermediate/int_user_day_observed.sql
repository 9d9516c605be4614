{#-
    Sums of durations use the integer milliseconds and averages of doubles use exact_avg, so the
    table is bit-for-bit the same on every build (parallel double sums are not).
-#}

with

interactions as (

    select * from {{ ref('int_interactions__discovery') }}

),

aggregated as (

    select
        user_id,
        event_date,
        count(*) as interactions,
        count(distinct video_id) as unique_videos,
        cast(sum(play_duration_ms) as double) / 1000.0 as total_play_duration_sec,
        cast(sum(play_duration_ms) as double) / 1000.0 / count(play_duration_ms)
            as avg_play_duration_sec,
        cast(sum(video_duration_ms) as double) / 1000.0 / count(video_duration_ms)
            as avg_video_duration_sec,
        {{ exact_avg('watch_ratio') }} as avg_watch_ratio,
        {{ exact_avg('watch_ratio_capped') }} as avg_watch_ratio_capped,
        avg(cast(high_watch as double)) as high_watch_share,
        avg(cast(complete_or_rewatch as double)) as complete_or_rewatch_share,
        avg(cast(valid_play as double)) as valid_play_share,
        avg(cast(short_abandon as double)) as short_abandon_share,
        {{ exact_avg('interaction_satisfaction_score') }} as avg_satisfaction_score,
        count(distinct first_category) as unique_categories,
        avg(cast(is_long_tail as double)) as long_tail_share,
        avg(cast(is_new_category as double)) as new_category_share,
        avg(cast(is_discovery_candidate as double)) as discovery_candidate_share
    from interactions
    group by user_id, event_date

),

final as (

    select
        *,
        (
            valid_play_share
            + high_watch_share
            + complete_or_rewatch_share
            + (1 - short_abandon_share)
        ) / 4 as satisfaction_depth_score
    from aggregated

)

select * from final
