{#
    Pearson correlation of two integer-valued expressions (e.g. doubled average ranks) from exact
    integer sums: the same bits on every build, whatever the order a parallel aggregate adds rows
    in (corr() over doubles is not). decimal(38, 0) holds the sums for up to ~1e6 rows of values
    up to ~1e6 (n * sum(x * y) <= 1e24).
#}
{% macro exact_corr(x_expr, y_expr) -%}
    {%- set x = 'cast(' ~ x_expr ~ ' as decimal(38, 0))' -%}
    {%- set y = 'cast(' ~ y_expr ~ ' as decimal(38, 0))' -%}
    cast(count(*) * sum({{ x }} * {{ y }}) - sum({{ x }}) * sum({{ y }}) as double)
    / sqrt(
        cast(count(*) * sum({{ x }} * {{ x }}) - sum({{ x }}) * sum({{ x }}) as double)
        * cast(count(*) * sum({{ y }} * {{ y }}) - sum({{ y }}) * sum({{ y }}) as double)
    )
{%- endmacro %}
