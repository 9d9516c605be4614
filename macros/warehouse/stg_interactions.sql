{#
    Shared body of stg_kuairec__small_matrix and stg_kuairec__big_matrix: renames and types the
    raw interaction columns, then resolves each row's local event date and time with
    resolve_interaction_times().
#}
{% macro stg_interactions(source_relation) -%}
with

source as (

    select * from {{ source_relation }}

),

renamed as (

    select
        cast(user_id as bigint) as user_id,
        cast(video_id as bigint) as video_id,
        cast(play_duration as bigint) as play_duration_ms,
        cast(video_duration as bigint) as video_duration_ms,
        cast(watch_ratio as double) as watch_ratio,
        cast({{ adapter.quote('time') }} as {{ dbt.type_string() }}) as raw_time,
        cast({{ adapter.quote('date') }} as integer) as raw_date,
        cast({{ adapter.quote('timestamp') }} as double) as raw_timestamp
    from source

),

resolved as (

    {{ resolve_interaction_times('renamed') }}

)

select * from resolved
{%- endmacro %}


{#
    The one definition of an interaction's durations in seconds and of its local event date and
    time, as a SELECT over `relation` (which has the renamed raw columns play_duration_ms,
    video_duration_ms, raw_time, raw_date, raw_timestamp). Adds:

    event_date: the `date` field (YYYYMMDD) when present, else the date part of `time` (local
    text), else the date of `timestamp` (Unix seconds) shifted by var platform_utc_offset_hours.
    event_time: `time` parsed as local time when present, else the shifted `timestamp`.

    Used by the staging models and, after deduplication on the raw columns, by
    int_interactions__deduplicated (deduplicating the raw columns first and resolving afterwards
    is much cheaper than deduplicating on all the derived columns too; the result is the same).
    `carried_columns` are further columns of `relation` passed through unchanged.
#}
{% macro resolve_interaction_times(relation, carried_columns=[]) -%}
    {%- set utc_offset_hours = var('platform_utc_offset_hours') -%}
    select
        resolved.*,
        resolved.event_date is not null as has_usable_time
    from (
        select
            parsed.*,
            coalesce(
                parsed.parsed_date,
                cast(parsed.parsed_time as date),
                cast(parsed.parsed_timestamp_local as date)
            ) as event_date,
            coalesce(parsed.parsed_time, parsed.parsed_timestamp_local) as event_time,
            case
                when parsed.parsed_date is not null then 'date'
                when parsed.parsed_time is not null then 'time'
                when parsed.parsed_timestamp_local is not null then 'timestamp'
                else 'none'
            end as time_source
        from (
            select
                raw_rows.user_id,
                raw_rows.video_id,
                raw_rows.play_duration_ms,
                raw_rows.video_duration_ms,
                cast(raw_rows.play_duration_ms as double) / 1000.0 as play_duration_sec,
                cast(raw_rows.video_duration_ms as double) / 1000.0 as video_duration_sec,
                raw_rows.watch_ratio,
                raw_rows.raw_time,
                raw_rows.raw_date,
                raw_rows.raw_timestamp,
                {%- for column in carried_columns %}
                raw_rows.{{ column }},
                {%- endfor %}
                {{ date_from_yyyymmdd('raw_rows.raw_date') }} as parsed_date,
                {{ parse_local_timestamp('raw_rows.raw_time') }} as parsed_time,
                {{ add_hours(
                    unix_seconds_to_timestamp('raw_rows.raw_timestamp'), utc_offset_hours
                ) }} as parsed_timestamp_local
            from {{ relation }} as raw_rows
        ) as parsed
    ) as resolved
{%- endmacro %}
