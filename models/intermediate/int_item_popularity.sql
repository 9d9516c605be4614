with

item_days as (

    select
        video_id,
        show_cnt,
        play_cnt
    from {{ ref('stg_kuairec__item_daily_features') }}

),

per_item as (

    select
        video_id,
        count(*) as feature_days,
        avg(cast(show_cnt as double)) as avg_daily_show_cnt,
        avg(cast(play_cnt as double)) as avg_daily_play_cnt
    from item_days
    group by video_id

),

scored as (

    select
        video_id,
        feature_days,
        avg_daily_show_cnt,
        avg_daily_play_cnt,
        case
            when avg_daily_show_cnt > 0 then avg_daily_show_cnt
            else avg_daily_play_cnt
        end as popularity,
        case
            when avg_daily_show_cnt > 0 then 'show_cnt'
            when avg_daily_play_cnt is not null then 'play_cnt'
            else 'none'
        end as popularity_source
    from per_item

),

cutoff as (

    select {{ quantile_cont('popularity', var('long_tail_quantile')) }} as long_tail_cutoff
    from scored

),

final as (

    select
        scored.video_id,
        scored.feature_days,
        scored.avg_daily_show_cnt,
        scored.avg_daily_play_cnt,
        scored.popularity,
        scored.popularity_source,
        cutoff.long_tail_cutoff,
        case when scored.popularity <= cutoff.long_tail_cutoff then 1 else 0 end as is_long_tail
    from scored
    cross join cutoff

)

select * from final
