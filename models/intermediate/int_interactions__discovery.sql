{#-
    One row per panel interaction (timed rows of the chosen matrix after deduplication) with its
    discovery flags: long-tail item, first play of a category new to the user.

    A view on purpose: it is read exactly once, by the int_user_day_observed table, so the raw
    matrix is scanned once for the panel and millions of rows are not written to disk and read
    back (materializing it cost more than the whole query at 12.5M rows).
-#}
{{ config(materialized='view') }}
with

interactions as (

    select * from {{ ref('int_interactions') }}

),

item_categories as (

    select
        video_id,
        first_category
    from {{ ref('stg_kuairec__item_categories') }}

),

item_popularity as (

    select
        video_id,
        is_long_tail
    from {{ ref('int_item_popularity') }}

),

joined as (

    select
        interactions.*,
        item_categories.first_category,
        coalesce(item_popularity.is_long_tail, 0) as is_long_tail
    from interactions
    left join item_categories
        on interactions.video_id = item_categories.video_id
    left join item_popularity
        on interactions.video_id = item_popularity.video_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by user_id, first_category
            order by event_time asc nulls last, video_id asc
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
            when first_category is not null and category_play_number = 1 then 1 else 0
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
