{{ config(materialized='view') }}

{#-
    The interactions of the chosen matrix (var interaction_matrix) that feed the panel: rows with a
    usable time only, exact duplicates (identical in every raw column) dropped when var
    drop_exact_duplicate_rows is true, with the interaction-level watch-quality flags (a NaN or
    infinite watch ratio, counted in mart_data_quality, is treated as missing). Read from
    int_interactions__deduplicated, which holds each distinct raw row once with its number of
    copies (and the event date and time resolved); kept duplicates are expanded back to copies.
-#}
{%- set matrix = var_choice('interaction_matrix', ['small_matrix', 'big_matrix']) -%}
{%- set drop_duplicates = var('drop_exact_duplicate_rows') | string | lower in ['true', '1', 'yes'] -%}
{%- set cap = var('watch_ratio_cap') -%}

with

distinct_rows as (

    select
        user_id,
        video_id,
        event_date,
        event_time,
        play_duration_ms,
        video_duration_ms,
        watch_ratio,
        copies
    from {{ ref('int_interactions__deduplicated') }}
    where
        interaction_matrix = '{{ matrix }}'
        and event_date is not null

),

timed_interactions as (

    {% if drop_duplicates -%}
        select * from distinct_rows
    {%- else -%}
        {{ repeat_rows('distinct_rows', 'copies') }}
    {%- endif %}

),

finite_ratios as (

    select
        user_id,
        video_id,
        event_date,
        event_time,
        play_duration_ms,
        video_duration_ms,
        cast(play_duration_ms as double) / 1000.0 as play_duration_sec,
        cast(video_duration_ms as double) / 1000.0 as video_duration_sec,
        case when {{ is_finite('watch_ratio') }} then watch_ratio end as watch_ratio
    from timed_interactions

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
        {{ as_flag('watch_ratio >= ' ~ var('high_watch_threshold')) }} as high_watch,
        {{ as_flag('watch_ratio >= ' ~ var('complete_threshold')) }} as complete_or_rewatch,
        {{ as_flag('watch_ratio >= ' ~ var('valid_play_min_watch_ratio')) }} as valid_play,
        {{ as_flag('watch_ratio < ' ~ var('short_abandon_max_watch_ratio')) }} as short_abandon,
        least(watch_ratio, {{ cap }}) as watch_ratio_capped
    from finite_ratios

),

scored as (

    select
        *,
        0.5 * watch_ratio_capped / {{ cap }} + 0.5 * high_watch as interaction_satisfaction_score
    from flagged

)

select * from scored
