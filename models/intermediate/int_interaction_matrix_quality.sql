{#-
    Data-quality counts of the raw interaction matrices chosen by var data_quality_matrices (the
    panel's matrix, or both): one row per matrix and metric.
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
{%- set matrix_rows = [] -%}
{%- for matrix in data_quality_matrices() -%}
    {%- do matrix_rows.append([literal_value(matrix)]) -%}
{%- endfor -%}

{#-
    From int_interactions__deduplicated (one row per distinct raw row, with its number of
    copies): every count weighs a distinct row by its copies, exact duplicates are the copies
    beyond the first, and the duplicate user-video-time rows are counted by one GROUP BY of the
    timed distinct rows (exact duplicates share user, video and event time).
-#}
with

deduplicated as (

    select * from {{ ref('int_interactions__deduplicated') }}

),

row_counts as (

    select
        interaction_matrix,
        sum(copies) as rows_read,
        sum(case when event_date is null then copies else 0 end) as rows_without_usable_time,
        sum(case when time_source = 'time' then copies else 0 end) as rows_dated_from_time,
        sum(case when time_source = 'timestamp' then copies else 0 end)
            as rows_dated_from_timestamp,
        sum(case when date_disagrees_with_timestamp then copies else 0 end)
            as rows_date_disagrees_with_timestamp,
        sum(copies - 1) as exact_duplicate_rows,
        sum(
            case when watch_ratio < 0 or not {{ is_finite('watch_ratio') }} then copies else 0 end
        ) as watch_ratio_negative_or_nonfinite,
        sum(
            case
                when watch_ratio > {{ var('dq_max_plausible_watch_ratio') }} then copies else 0
            end
        ) as watch_ratio_above_100,
        sum(case when watch_ratio is null then copies else 0 end) as watch_ratio_missing
    from deduplicated
    group by interaction_matrix

),

time_keys as (

    select
        interaction_matrix,
        sum(copies) as key_rows
    from deduplicated
    where event_time is not null
    group by interaction_matrix, user_id, video_id, event_time

),

time_key_duplicates as (

    select
        interaction_matrix,
        sum(key_rows - 1) as duplicate_user_video_time_rows
    from time_keys
    group by interaction_matrix

),

profiled_matrices as (

    {{ literal_table(['interaction_matrix'], matrix_rows) }}

),

wide as (

    select
        profiled_matrices.interaction_matrix,
        row_counts.rows_read,
        row_counts.rows_without_usable_time,
        row_counts.rows_dated_from_time,
        row_counts.rows_dated_from_timestamp,
        row_counts.rows_date_disagrees_with_timestamp,
        row_counts.exact_duplicate_rows,
        time_key_duplicates.duplicate_user_video_time_rows,
        row_counts.watch_ratio_negative_or_nonfinite,
        row_counts.watch_ratio_above_100,
        row_counts.watch_ratio_missing
    from profiled_matrices
    left join row_counts
        on profiled_matrices.interaction_matrix = row_counts.interaction_matrix
    left join time_key_duplicates
        on profiled_matrices.interaction_matrix = time_key_duplicates.interaction_matrix

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
