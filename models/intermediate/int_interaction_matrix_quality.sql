{#-
    Data-quality counts of the raw interaction matrices chosen by var data_quality_matrices (the
    panel's matrix, or both; their staging views): one row per matrix and metric.
-#}
{%- set metrics = [
    'rows_read',
    'rows_without_usable_time',
    'rows_dated_from_time',
    'rows_dated_from_timestamp',
    'rows_date_disagrees_with_timestamp',
    'exact_duplicate_rows',
    'duplicate_user_video_time_rows',
    'watch_ratio_negative_or_nonfinite',
    'watch_ratio_above_100',
    'watch_ratio_missing',
] -%}
{%- set metric_rows = [] -%}
{%- for metric in metrics -%}
    {%- do metric_rows.append([loop.index | string, literal_value(metric)]) -%}
{%- endfor -%}

{#-
    Per matrix, one GROUP BY user, video and event time carries every count (rows, untimed rows,
    date / timestamp disagreements, watch-ratio checks) and gives the duplicate user-video-time
    rows. Exact duplicates (identical in every raw column) always share user, video and event time
    (a function of the raw columns), so the exact DISTINCT runs only on the rows of the user-video
    pairs that have a repeated key: far cheaper than a DISTINCT over all rows, and still exact.
-#}
{%- set no_time = "cast('1900-01-01 00:00:00' as timestamp)" -%}

with

{% for matrix in data_quality_matrices() -%}
    {{ matrix }}__time_keys as (

        select
            user_id,
            video_id,
            coalesce(event_time, {{ no_time }}) as time_key,
            event_time is null as is_untimed,
            count(*) as key_rows,
            sum(case when not has_usable_time then 1 else 0 end) as rows_without_usable_time,
            sum(case when time_source = 'time' then 1 else 0 end) as rows_dated_from_time,
            sum(case when time_source = 'timestamp' then 1 else 0 end) as rows_dated_from_timestamp,
            sum(
                case when parsed_date != cast(parsed_timestamp_local as date) then 1 else 0 end
            ) as rows_date_disagrees_with_timestamp,
            sum(
                case when watch_ratio < 0 or not {{ is_finite('watch_ratio') }} then 1 else 0 end
            ) as watch_ratio_negative_or_nonfinite,
            sum(
                case when watch_ratio > {{ var('dq_max_plausible_watch_ratio') }} then 1 else 0 end
            ) as watch_ratio_above_100,
            sum(case when watch_ratio is null then 1 else 0 end) as watch_ratio_missing
        from {{ ref('stg_kuairec__' ~ matrix) }}
        group by
            user_id,
            video_id,
            coalesce(event_time, {{ no_time }}),
            event_time is null

    ),

    {{ matrix }}__row_counts as (

        select
            sum(key_rows) as rows_read,
            sum(rows_without_usable_time) as rows_without_usable_time,
            sum(rows_dated_from_time) as rows_dated_from_time,
            sum(rows_dated_from_timestamp) as rows_dated_from_timestamp,
            sum(rows_date_disagrees_with_timestamp) as rows_date_disagrees_with_timestamp,
            sum(watch_ratio_negative_or_nonfinite) as watch_ratio_negative_or_nonfinite,
            sum(watch_ratio_above_100) as watch_ratio_above_100,
            sum(watch_ratio_missing) as watch_ratio_missing,
            sum(case when not is_untimed then key_rows - 1 else 0 end)
                as duplicate_user_video_time_rows
        from {{ matrix }}__time_keys

    ),

    {{ matrix }}__shared_pairs as (

        select distinct
            user_id,
            video_id
        from {{ matrix }}__time_keys
        where key_rows > 1

    ),

    {{ matrix }}__candidate_rows as (

        select
            matrix_rows.user_id,
            matrix_rows.video_id,
            matrix_rows.play_duration_ms,
            matrix_rows.video_duration_ms,
            matrix_rows.watch_ratio,
            matrix_rows.raw_time,
            matrix_rows.raw_date,
            matrix_rows.raw_timestamp
        from {{ ref('stg_kuairec__' ~ matrix) }} as matrix_rows
        inner join {{ matrix }}__shared_pairs as shared_pairs
            on
                matrix_rows.user_id = shared_pairs.user_id
                and matrix_rows.video_id = shared_pairs.video_id

    ),

    {{ matrix }}__exact_duplicates as (

        select
            (select count(*) from {{ matrix }}__candidate_rows)
            - (
                select count(*)
                from (select distinct * from {{ matrix }}__candidate_rows) as distinct_rows
            ) as exact_duplicate_rows

    ),

{% endfor -%}

wide as (

    {% for matrix in data_quality_matrices() -%}
        select
            '{{ matrix }}' as interaction_matrix,
            {{ matrix }}__row_counts.*,
            {{ matrix }}__exact_duplicates.exact_duplicate_rows
        from {{ matrix }}__row_counts
        cross join {{ matrix }}__exact_duplicates
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

metric_names as (

    {{ literal_table(['metric_order', 'metric'], metric_rows) }}

),

final as (

    select
        wide.interaction_matrix,
        metric_names.metric_order,
        metric_names.metric,
        cast(
            case metric_names.metric
                {% for metric in metrics -%}
                    when '{{ metric }}' then coalesce(wide.{{ metric }}, 0)
                {% endfor -%}
            end as double
        ) as metric_value
    from wide
    cross join metric_names

)

select * from final
