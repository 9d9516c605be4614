{#-
    Sums of durations use the integer milliseconds and averages of doubles use exact_avg, so the
    table is bit-for-bit the same on every build (parallel double sums are not).

    The discovery counts are those of int_interactions__discovery, computed without a per-play
    window: a user's first play of a category is the min() of category_play_order() over the
    user's plays of that category (one small aggregate), and each first play counts as a new
    category on its day (and as a discovery candidate unless the play is already long-tail).
-#}

with

interactions as (

    select * from {{ ref('int_interactions') }}

),

plays as (

    {{ with_discovery_attributes('interactions') }}

),

category_first_plays as (

    select
        user_id,
        first_category,
        min({{ category_play_order() }}) as first_play
    from plays
    where first_category is not null
    group by user_id, first_category

),

new_category_days as (

    select
        user_id,
        {{ struct_field('first_play', 'event_date') }} as event_date,
        count(*) as new_category_plays,
        sum(1 - {{ struct_field('first_play', 'is_long_tail') }}) as new_category_plays_not_long_tail
    from category_first_plays
    group by user_id, {{ struct_field('first_play', 'event_date') }}

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
        {{ count_distinct_categories() }} as unique_categories,
        avg(cast(is_long_tail as double)) as long_tail_share,
        sum(is_long_tail) as long_tail_plays
    from plays
    group by user_id, event_date

),

final as (

    select
        aggregated.user_id,
        aggregated.event_date,
        aggregated.interactions,
        aggregated.unique_videos,
        aggregated.total_play_duration_sec,
        aggregated.avg_play_duration_sec,
        aggregated.avg_video_duration_sec,
        aggregated.avg_watch_ratio,
        aggregated.avg_watch_ratio_capped,
        aggregated.high_watch_share,
        aggregated.complete_or_rewatch_share,
        aggregated.valid_play_share,
        aggregated.short_abandon_share,
        aggregated.avg_satisfaction_score,
        aggregated.unique_categories,
        aggregated.long_tail_share,
        cast(coalesce(new_category_days.new_category_plays, 0) as double)
        / aggregated.interactions as new_category_share,
        cast(
            aggregated.long_tail_plays
            + coalesce(new_category_days.new_category_plays_not_long_tail, 0) as double
        ) / aggregated.interactions as discovery_candidate_share,
        (
            aggregated.valid_play_share
            + aggregated.high_watch_share
            + aggregated.complete_or_rewatch_share
            + (1 - aggregated.short_abandon_share)
        ) / 4 as satisfaction_depth_score
    from aggregated
    left join new_category_days
        on
            aggregated.user_id = new_category_days.user_id
            and aggregated.event_date = new_category_days.event_date

)

select * from final
