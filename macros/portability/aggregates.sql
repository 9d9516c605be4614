{#
    Continuous quantile (linear interpolation between order statistics, like DuckDB
    quantile_cont, numpy.quantile's default and Spark's exact `percentile`). Aggregate function;
    the input is cast to double so integer inputs are not rounded.
#}
{% macro quantile_cont(expr, quantile) -%}
    {{ return(adapter.dispatch('quantile_cont', 'kuairec_causal')(expr, quantile)) }}
{%- endmacro %}

{% macro duckdb__quantile_cont(expr, quantile) -%}
    quantile_cont(cast({{ expr }} as double), {{ quantile }})
{%- endmacro %}

{% macro spark__quantile_cont(expr, quantile) -%}
    percentile(cast({{ expr }} as double), {{ quantile }})
{%- endmacro %}


{#
    A struct of named fields, ordered field by field (so min() / max() of it pick a row by a
    lexicographic key and carry that row's other fields). `fields` is a list of [name, expr].
#}
{% macro ordered_struct(fields) -%}
    {{ return(adapter.dispatch('ordered_struct', 'kuairec_causal')(fields)) }}
{%- endmacro %}

{% macro duckdb__ordered_struct(fields) -%}
    struct_pack(
        {%- for name, expr in fields %}
        {{ name }} := {{ expr }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__ordered_struct(fields) -%}
    named_struct(
        {%- for name, expr in fields %}
        '{{ name }}', {{ expr }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{# Field `name` of a struct expression. #}
{% macro struct_field(struct_expr, name) -%}
    {{ return(adapter.dispatch('struct_field', 'kuairec_causal')(struct_expr, name)) }}
{%- endmacro %}

{% macro duckdb__struct_field(struct_expr, name) -%}
    struct_extract({{ struct_expr }}, '{{ name }}')
{%- endmacro %}

{% macro spark__struct_field(struct_expr, name) -%}
    {{ struct_expr }}.{{ name }}
{%- endmacro %}


{#
    The bigint with only bit `bit_expr` set (0 <= bit_expr <= 62): bit_or() of such flags over a
    group, then bit_count(), counts the distinct bits set in it.
#}
{% macro bit_flag(bit_expr) -%}
    {{ return(adapter.dispatch('bit_flag', 'kuairec_causal')(bit_expr)) }}
{%- endmacro %}

{% macro duckdb__bit_flag(bit_expr) -%}
    (cast(1 as bigint) << cast({{ bit_expr }} as integer))
{%- endmacro %}

{% macro spark__bit_flag(bit_expr) -%}
    shiftleft(cast(1 as bigint), cast({{ bit_expr }} as int))
{%- endmacro %}
