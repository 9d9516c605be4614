{{ config(materialized='view') }}

{#-
    The interactions of the chosen matrix (var interaction_matrix) that feed the panel: rows with a
    usable time only, exact duplicates (identical in every raw column) dropped when var
    drop_exact_duplicate_rows is true, with the interaction-level watch-quality flags (a NaN or
    infinite watch ratio, counted in mart_data_quality, is treated as missing). The
    deduplication runs on the raw columns; event date and time are then resolved by the same
    macro as in staging (resolve_interaction_times).
-#}
{%- set matrix = var_choice('interaction_matrix', ['small_matrix', 'big_matrix']) -%}
{%- set drop_duplicates = var('drop_exact_duplicate_rows') | string | lower in ['true', '1', 'yes'] -%}
{%- set cap = var('watch_ratio_cap') -%}

with

raw_rows as (

    select
        user_id,
        video_id,
        play_duration_ms,
        video_duration_ms,
        watch_ratio,
        raw_time,
        raw_date,
        raw_timestamp
    from {{ ref('stg_kuairec__' ~ matrix) }}

),

deduplicated as (

    {% if drop_duplicates -%}
        select distinct * from raw_rows
    {%- else -%}
        select * from raw_rows
    {%- endif %}

),

resolved as (

    {{ resolve_interaction_times('deduplicated') }}

),

timed_interactions as (

    select * from resolved
    where has_usable_time

),

finite_ratios as (

    select
        user_id,
        video_id,
        event_date,
        event_time,
        play_duration_ms,
        video_duration_ms,
        play_duration_sec,
        video_duration_sec,
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
