{# ISO day of week of a date: 1 = Monday .. 7 = Sunday. #}
{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'kuairec_causal')(date_expr)) }}
{%- endmacro %}

{% macro duckdb__iso_day_of_week(date_expr) -%}
    cast(isodow({{ date_expr }}) as integer)
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expr) -%}
    ((dayofweek({{ date_expr }}) + 5) % 7 + 1)
{%- endmacro %}


{# English name of an ISO day-of-week number (portable CASE, no dispatch needed). #}
{% macro iso_day_name(iso_dow_expr) -%}
    case {{ iso_dow_expr }}
        when 1 then 'Monday'
        when 2 then 'Tuesday'
        when 3 then 'Wednesday'
        when 4 then 'Thursday'
        when 5 then 'Friday'
        when 6 then 'Saturday'
        when 7 then 'Sunday'
    end
{%- endmacro %}


{#
    Date spine: a complete SELECT returning one row per calendar day (column `date_day`, type
    date) from `start_column` to `end_column` inclusive, both read from the one-row relation
    (CTE name) `bounds_relation`.
#}
{% macro date_spine_from_bounds(bounds_relation, start_column, end_column) -%}
    {{ return(adapter.dispatch('date_spine_from_bounds', 'kuairec_causal')(bounds_relation, start_column, end_column)) }}
{%- endmacro %}

{% macro duckdb__date_spine_from_bounds(bounds_relation, start_column, end_column) -%}
    select cast(spine.generated_day as date) as date_day
    from {{ bounds_relation }}
    cross join generate_series(
        cast({{ bounds_relation }}.{{ start_column }} as timestamp),
        cast({{ bounds_relation }}.{{ end_column }} as timestamp),
        interval 1 day
    ) as spine (generated_day)
{%- endmacro %}

{% macro spark__date_spine_from_bounds(bounds_relation, start_column, end_column) -%}
    select explode(
        sequence(
            cast({{ start_column }} as date),
            cast({{ end_column }} as date),
            interval 1 day
        )
    ) as date_day
    from {{ bounds_relation }}
{%- endmacro %}


{#
    A timestamp shifted by a whole number of hours, fractions of a second kept; NULL stays NULL.
    dbt's cross-database dateadd everywhere but on Spark, where dbt-spark's dateadd goes through
    to_unix_timestamp and drops the milliseconds: timestampadd keeps them (and the timestamp type,
    TIMESTAMP_NTZ for the local times of resolve_interaction_times).
#}
{% macro add_hours(timestamp_expr, hours) -%}
    {{ return(adapter.dispatch('add_hours', 'kuairec_causal')(timestamp_expr, hours)) }}
{%- endmacro %}

{% macro default__add_hours(timestamp_expr, hours) -%}
    {{ dbt.dateadd('hour', hours, timestamp_expr) }}
{%- endmacro %}

{% macro spark__add_hours(timestamp_expr, hours) -%}
    timestampadd(hour, {{ hours }}, {{ timestamp_expr }})
{%- endmacro %}
