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
