{#
    Seeds on Spark: overrides of dbt-spark's spark__create_csv_table and spark__load_csv_rows
    (DuckDB keeps dbt-duckdb's seed macros). dbt-spark puts a seed's column_types verbatim into
    the DDL, and Spark has no length-less `varchar` (the seeds' YAML declares text columns as
    varchar for DuckDB): seed_column_type() maps it to the adapter's string type. dbt-spark also
    binds text values unescaped under `method: session`, so a value with an apostrophe ("user's")
    breaks the insert: the rows are inserted as escaped literals instead.
#}
{% macro seed_column_type(model, agate_table, column_index) -%}
    {%- set column_name = agate_table.column_names[column_index] -%}
    {%- set declared = (model['config'].get('column_types') or {}).get(column_name) -%}
    {%- if declared is none -%}
        {{ return(adapter.convert_type(agate_table, column_index)) }}
    {%- elif declared | trim | lower in ['varchar', 'text', 'char'] -%}
        {{ return(dbt.type_string()) }}
    {%- else -%}
        {{ return(declared) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ value | string | lower }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) %}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {% set sql %}
        create table {{ this.render() }} (
            {%- for column_name in agate_table.column_names -%}
                {{ adapter.quote_seed_column(column_name | string, quote_seed_column) }}
                {{ seed_column_type(model, agate_table, loop.index0) }}
                {%- if not loop.last -%}, {%- endif -%}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ partition_cols(label="partitioned by") }}
        {{ clustered_cols(label="clustered by") }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(get_batch_size()) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                    {%- for value in row -%}
                        cast({{ spark_seed_literal(value) }} as {{ seed_column_type(model, agate_table, loop.index0) }})
                        {%- if not loop.last %}, {% endif -%}
                    {%- endfor -%}
                ){%- if not loop.last %},{% endif %}
            {% endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}
    {{ return(statements[0]) }}
{% endmacro %}
