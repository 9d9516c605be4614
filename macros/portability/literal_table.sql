{#
    A literal table as a complete SELECT: `columns` is a list of column names, `rows` a list of
    lists of already-rendered SQL literals (use literal_value() to render Python values).
#}
{% macro literal_table(columns, rows) -%}
    {{ return(adapter.dispatch('literal_table', 'kuairec_causal')(columns, rows)) }}
{%- endmacro %}

{% macro duckdb__literal_table(columns, rows) -%}
    select *
    from (
        values
        {% for row in rows -%}
            ({{ row | join(', ') }}){{ ',' if not loop.last }}
        {% endfor -%}
    ) as literal_rows ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__literal_table(columns, rows) -%}
    select *
    from values
    {% for row in rows -%}
        ({{ row | join(', ') }}){{ ',' if not loop.last }}
    {% endfor -%}
    as literal_rows ({{ columns | join(', ') }})
{%- endmacro %}


{# A Python value (none, bool, number or string) as a SQL literal. #}
{% macro literal_value(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true -%}
        true
    {%- elif value is sameas false -%}
        false
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}


{#
    A complete SELECT repeating each row of `relation` (CTE name) `count_column` times (its
    columns unchanged): expands rows stored once with a count back to one row per copy.
#}
{% macro repeat_rows(relation, count_column) -%}
    {{ return(adapter.dispatch('repeat_rows', 'kuairec_causal')(relation, count_column)) }}
{%- endmacro %}

{% macro duckdb__repeat_rows(relation, count_column) -%}
    select {{ relation }}.*
    from {{ relation }}
    cross join generate_series(1, {{ relation }}.{{ count_column }}) as copy_numbers (copy_number)
{%- endmacro %}

{% macro spark__repeat_rows(relation, count_column) -%}
    select {{ relation }}.*
    from {{ relation }}
    lateral view explode(sequence(1, {{ relation }}.{{ count_column }})) copy_numbers as copy_number
{%- endmacro %}
