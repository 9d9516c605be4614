{#-
    The one pass over the raw interaction rows: one row per distinct raw row (identical in every
    raw column) of each matrix profiled by var data_quality_matrices (which always includes the
    panel's matrix), with `copies`, the number of raw rows it stands for, and its event date and
    time resolved once. The panel (int_interactions) and the data-quality counts
    (int_interaction_matrix_quality) both read this table, so the 12.5M raw rows of big_matrix
    are grouped once, and the timestamps are parsed on the distinct rows only.
-#}
{%- set raw_columns = [
    'user_id', 'video_id', 'play_duration_ms', 'video_duration_ms', 'watch_ratio',
    'raw_time', 'raw_date', 'raw_timestamp'
] -%}

with

{% for matrix in data_quality_matrices() -%}
    {{ matrix }}__distinct_rows as (

        select
            '{{ matrix }}' as interaction_matrix,
            {{ raw_columns | join(',\n            ') }},
            count(*) as copies
        from {{ ref('stg_kuairec__' ~ matrix) }}
        group by
            {{ raw_columns | join(',\n            ') }}

    ),

{% endfor -%}

distinct_rows as (

    {% for matrix in data_quality_matrices() -%}
        select * from {{ matrix }}__distinct_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

resolved as (

    {{ resolve_interaction_times('distinct_rows', ['interaction_matrix', 'copies']) }}

),

final as (

    select
        interaction_matrix,
        user_id,
        video_id,
        play_duration_ms,
        video_duration_ms,
        watch_ratio,
        event_date,
        event_time,
        time_source,
        parsed_date != cast(parsed_timestamp_local as date) as date_disagrees_with_timestamp,
        cast(copies as bigint) as copies
    from resolved

)

select * from final
