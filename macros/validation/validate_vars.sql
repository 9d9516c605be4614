{#
    Checks every var against the declared schema (declared_vars(), generated from
    python/kuairec_causal/vars_schema.py) before anything runs: names given with --vars must be
    declared (for the commands that write the warehouse), and every value must have the declared
    type and range. Called from the
    on-run-start hook, so plain `dbt build --vars ...` is guarded as `kuairec-causal build` is.
    The messages name the var, the value and the rule.
#}
{% macro var_breaks_rule(value, rule) -%}
    {%- set kind = rule['kind'] -%}
    {%- if value is none -%}
        {{ return(not rule.get('nullable', false)) }}
    {%- elif kind == 'choice' -%}
        {{ return(not (value is string and value in rule['choices'])) }}
    {%- elif kind == 'boolean' -%}
        {{ return(not (value is sameas true or value is sameas false)) }}
    {%- elif kind == 'date' -%}
        {%- set pattern = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' -%}
        {{ return(not (value is string and modules.re.match(pattern, value))) }}
    {%- elif kind == 'identifier' -%}
        {{ return(not (value is string and modules.re.match('^[A-Za-z0-9_-]{1,64}$', value))) }}
    {%- endif -%}
    {%- if value is sameas true or value is sameas false or value is not number -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if kind == 'integer' and value != value | int -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if 'minimum' in rule -%}
        {%- if value < rule['minimum'] or (rule.get('exclusive_minimum') and value == rule['minimum']) -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endif -%}
    {%- if 'maximum' in rule -%}
        {%- if value > rule['maximum'] or (rule.get('exclusive_maximum') and value == rule['maximum']) -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(value != value) }}
{%- endmacro %}


{% macro validate_vars() -%}
    {%- set schema = declared_vars() -%}
    {%- set given = invocation_args_dict.get('vars') or {} -%}
    {%- if given is string -%}
        {%- set given = fromyaml(given) or {} -%}
    {%- endif -%}
    {#- Unknown names stop the commands that write the warehouse; `dbt show` / `compile` of ad-hoc
        SQL may pass vars of their own. -#}
    {%- set writes = invocation_args_dict.get('which') in ['build', 'run', 'test', 'seed', 'snapshot'] -%}
    {%- for name in given -%}
        {%- if writes and name not in schema -%}
            {%- do exceptions.raise_compiler_error(
                "--vars: unknown var '" ~ name ~ "'; known vars: " ~ schema.keys() | sort | join(', ')
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name, rule in schema.items() -%}
        {%- set value = var(name, none) -%}
        {%- if var_breaks_rule(value, rule) -%}
            {%- do exceptions.raise_compiler_error(
                "var " ~ name ~ " = " ~ tojson(value) ~ ": " ~ rule['rule']
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for small, large, strict in declared_var_order() -%}
        {%- set a, b = var(small), var(large) -%}
        {%- if (strict and a >= b) or (not strict and a > b) -%}
            {%- do exceptions.raise_compiler_error(
                "var " ~ small ~ " = " ~ tojson(a) ~ " must be " ~ ('<' if strict else '<=')
                ~ " var " ~ large ~ " = " ~ tojson(b)
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    select 1 as vars_validated
{%- endmacro %}
