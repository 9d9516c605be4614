{#
    Parsing helpers where DuckDB and Spark SQL differ. Each is dispatched once here; models call
    the top-level macro only.
#}

{# A YYYYMMDD integer (e.g. 20200705) as a date; NULL when absent or not a valid date. #}
{% macro date_from_yyyymmdd(int_expr) -%}
    {{ return(adapter.dispatch('date_from_yyyymmdd', 'kuairec_causal')(int_expr)) }}
{%- endmacro %}

{% macro duckdb__date_from_yyyymmdd(int_expr) -%}
    cast(try_strptime(cast({{ int_expr }} as varchar), '%Y%m%d') as date)
{%- endmacro %}

{% macro spark__date_from_yyyymmdd(int_expr) -%}
    to_date(cast({{ int_expr }} as string), 'yyyyMMdd')
{%- endmacro %}


{#
    Local wall-clock text such as '2020-07-05 05:27:48.378' as a timestamp without time zone;
    NULL for empty or unparseable text.
#}
{% macro parse_local_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('parse_local_timestamp', 'kuairec_causal')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__parse_local_timestamp(text_expr) -%}
    try_cast({{ text_expr }} as timestamp)
{%- endmacro %}

{#
    Spark: a TIMESTAMP_NTZ (wall-clock time, no zone), so neither parsing nor casting to a date
    depends on the session time zone. try_cast gives NULL for empty or bad text with or without
    ANSI mode.
#}
{% macro spark__parse_local_timestamp(text_expr) -%}
    try_cast({{ text_expr }} as timestamp_ntz)
{%- endmacro %}


{#
    Unix seconds (double, may carry milliseconds) as a UTC timestamp without time zone; NULL when
    absent or not finite. Callers shift it to platform-local time with add_hours.
#}
{% macro unix_seconds_to_timestamp(seconds_expr) -%}
    {{ return(adapter.dispatch('unix_seconds_to_timestamp', 'kuairec_causal')(seconds_expr)) }}
{%- endmacro %}

{% macro duckdb__unix_seconds_to_timestamp(seconds_expr) -%}
    case
        when isfinite({{ seconds_expr }})
            then make_timestamp(cast(round({{ seconds_expr }} * 1000000) as bigint))
    end
{%- endmacro %}

{#
    Spark: microseconds (rounded as on DuckDB) added to the epoch as a TIMESTAMP_NTZ, i.e. the
    UTC wall-clock time, independent of the session time zone; non-finite seconds give NULL (a
    cast of NaN / infinity to bigint would not).
#}
{% macro spark__unix_seconds_to_timestamp(seconds_expr) -%}
    case
        when {{ is_finite(seconds_expr) }}
            then timestampadd(
                microsecond,
                cast(round({{ seconds_expr }} * 1000000) as bigint),
                timestamp_ntz '1970-01-01 00:00:00'
            )
    end
{%- endmacro %}


{#
    KuaiRec integer list text such as '[27, 9]': its first element (bigint) and its number of
    elements. '[]' has 0 elements and no first element; NULL or unparseable text gives NULL.
#}
{% macro int_list_first_element(text_expr) -%}
    {{ return(adapter.dispatch('int_list_first_element', 'kuairec_causal')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__int_list_first_element(text_expr) -%}
    try_cast({{ text_expr }} as bigint[])[1]
{%- endmacro %}

{% macro spark__int_list_first_element(text_expr) -%}
    try_element_at(from_json({{ text_expr }}, 'array<bigint>'), 1)
{%- endmacro %}

{% macro int_list_length(text_expr) -%}
    {{ return(adapter.dispatch('int_list_length', 'kuairec_causal')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__int_list_length(text_expr) -%}
    cast(len(try_cast({{ text_expr }} as bigint[])) as integer)
{%- endmacro %}

{% macro spark__int_list_length(text_expr) -%}
    case
        when from_json({{ text_expr }}, 'array<bigint>') is not null
            then size(from_json({{ text_expr }}, 'array<bigint>'))
    end
{%- endmacro %}


{# TRUE when a double is neither NaN nor +/-infinity (NULL stays NULL). #}
{% macro is_finite(expr) -%}
    {{ return(adapter.dispatch('is_finite', 'kuairec_causal')(expr)) }}
{%- endmacro %}

{% macro duckdb__is_finite(expr) -%}
    isfinite({{ expr }})
{%- endmacro %}

{% macro spark__is_finite(expr) -%}
    (not isnan({{ expr }}) and abs({{ expr }}) != double('infinity'))
{%- endmacro %}
