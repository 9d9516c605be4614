{#
    One row per (active user-day, candidate treatment, measure): the treatment flag and the
    measure's value, for per-treatment comparisons of many columns at once (naive associations,
    pre-treatment balance). `source_cte` holds the user-days, `columns` the measures; the measure
    name lands in `name_column` and its value (as double) in `value_column`.
#}
{% macro treatment_long_format(source_cte, columns, name_column, value_column) -%}
{%- set treatment_rows = [] -%}
{%- for treatment in candidate_treatments() -%}
    {%- do treatment_rows.append([literal_value(treatment.name)]) -%}
{%- endfor -%}
{%- set measure_rows = [] -%}
{%- for column in columns -%}
    {%- do measure_rows.append([literal_value(column)]) -%}
{%- endfor -%}
    select
        treatments.treatment,
        measures.{{ name_column }},
        case treatments.treatment
            {% for treatment in candidate_treatments() -%}
                when '{{ treatment.name }}' then {{ source_cte }}.{{ treatment.column }}
            {% endfor -%}
        end as treated,
        case measures.{{ name_column }}
            {% for column in columns -%}
                when '{{ column }}' then cast({{ source_cte }}.{{ column }} as double)
            {% endfor -%}
        end as {{ value_column }}
    from {{ source_cte }}
    cross join ({{ literal_table(['treatment'], treatment_rows) }}) as treatments
    cross join ({{ literal_table([name_column], measure_rows) }}) as measures
{%- endmacro %}
