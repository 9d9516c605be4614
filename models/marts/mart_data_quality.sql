{#-
    Data-quality report: counts per raw interaction matrix, and the size of the panel built from
    the chosen matrix (var interaction_matrix). One row per (scope, metric).
-#}
{%- set matrix = var_choice('interaction_matrix', ['small_matrix', 'big_matrix']) -%}

with

matrix_quality as (

    select * from {{ ref('int_interaction_matrix_quality') }}

),

observed as (

    select * from {{ ref('int_user_day_observed') }}

),

panel_stats as (

    select
        sum(interactions) as panel_interaction_rows,
        count(distinct user_id) as panel_users,
        count(*) as active_user_days,
        min(event_date) as first_date,
        max(event_date) as last_date
    from observed

),

panel_span as (

    select
        *,
        {{ dbt.datediff('first_date', 'last_date', 'day') }} + 1  -- noqa: LT05
            as panel_calendar_days
    from panel_stats

),

timed_rows as (

    select rows_read - rows_without_usable_time as timed_rows
    from (
        select
            max(case when metric = 'rows_read' then metric_value end) as rows_read,
            max(case when metric = 'rows_without_usable_time' then metric_value end)
                as rows_without_usable_time
        from matrix_quality
        where interaction_matrix = '{{ matrix }}'
    ) as chosen

),

panel_metrics as (

    select
        'panel' as scope,
        101 as metric_order,
        'interaction_matrix' as metric,
        cast(null as double) as metric_value,
        '{{ matrix }}' as metric_text
    from panel_stats

    union all

    select
        'panel' as scope,
        102 as metric_order,
        'exact_duplicate_rows_dropped' as metric,
        timed_rows.timed_rows - panel_stats.panel_interaction_rows as metric_value,
        cast(
            cast(timed_rows.timed_rows - panel_stats.panel_interaction_rows as bigint)
            as {{ dbt.type_string() }}
        ) as metric_text
    from panel_stats
    cross join timed_rows

    union all

    select
        'panel' as scope,
        103 as metric_order,
        'panel_interaction_rows' as metric,
        cast(panel_interaction_rows as double) as metric_value,
        cast(panel_interaction_rows as {{ dbt.type_string() }}) as metric_text
    from panel_stats

    union all

    select
        'panel' as scope,
        104 as metric_order,
        'panel_users' as metric,
        cast(panel_users as double) as metric_value,
        cast(panel_users as {{ dbt.type_string() }}) as metric_text
    from panel_stats

    union all

    select
        'panel' as scope,
        105 as metric_order,
        'panel_calendar_days' as metric,
        cast(panel_calendar_days as double) as metric_value,
        cast(panel_calendar_days as {{ dbt.type_string() }}) as metric_text
    from panel_span

    union all

    select
        'panel' as scope,
        106 as metric_order,
        'panel_active_user_days' as metric,
        cast(active_user_days as double) as metric_value,
        cast(active_user_days as {{ dbt.type_string() }}) as metric_text
    from panel_stats

    union all

    select
        'panel' as scope,
        107 as metric_order,
        'panel_first_date' as metric,
        cast(
            extract(year from first_date) * 10000
            + extract(month from first_date) * 100
            + extract(day from first_date) as double
        ) as metric_value,
        cast(first_date as {{ dbt.type_string() }}) as metric_text
    from panel_stats

    union all

    select
        'panel' as scope,
        108 as metric_order,
        'panel_last_date' as metric,
        cast(
            extract(year from last_date) * 10000
            + extract(month from last_date) * 100
            + extract(day from last_date) as double
        ) as metric_value,
        cast(last_date as {{ dbt.type_string() }}) as metric_text
    from panel_stats

),

final as (

    select
        interaction_matrix as scope,
        metric_order,
        metric,
        metric_value,
        cast(cast(metric_value as bigint) as {{ dbt.type_string() }}) as metric_text
    from matrix_quality

    union all

    select * from panel_metrics

)

select
    *,
    '{{ build_id() }}' as build_id
from final
