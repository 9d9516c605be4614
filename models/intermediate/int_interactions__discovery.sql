{#-
    One row per panel interaction (timed rows of the chosen matrix after deduplication) with its
    discovery flags: long-tail item, first play of a category new to the user (the first of the
    user's plays of that category in category_play_order(); plays tied on it are ordered by their
    other values, so that which copy is flagged never depends on the run).

    A view for analysts: the build does not read it (int_user_day_observed counts the same first
    plays per day with one aggregate instead of a window over every play).
-#}
{{ config(materialized='view') }}
with

interactions as (

    select * from {{ ref('int_interactions') }}

),

joined as (

    {{ with_discovery_attributes('interactions') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by user_id, first_category
            order by
                {{ category_play_order() }},
                play_duration_ms,
                video_duration_ms,
                watch_ratio
        ) as category_play_number
    from joined

),

flagged as (

    select
        user_id,
        video_id,
        event_date,
        event_time,
        play_duration_ms,
        video_duration_ms,
        play_duration_sec,
        video_duration_sec,
        watch_ratio,
        watch_ratio_capped,
        high_watch,
        complete_or_rewatch,
        valid_play,
        short_abandon,
        interaction_satisfaction_score,
        first_category,
        is_long_tail,
        case
            when
                first_category is not null
                and category_play_number = 1
                then 1
            else 0
        end as is_new_category
    from ranked

),

final as (

    select
        *,
        case
            when is_long_tail = 1 or is_new_category = 1 then 1 else 0
        end as is_discovery_candidate
    from flagged

)

select * from final
