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
