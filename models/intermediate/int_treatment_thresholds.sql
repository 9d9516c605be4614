{#-
    One row per candidate treatment with the threshold its flag uses: the var <prefix>_quantile
    quantile (continuous) of its metric over the active user-days of the panel when var
    <prefix>_rule = 'quantile', else var <prefix>_fixed_threshold.
-#}
{%- set definition_rows = [] -%}
{%- for treatment in candidate_treatments() -%}
    {% set prefix = treatment.var_prefix -%}
    {%- do definition_rows.append([
        literal_value(treatment.name),
        literal_value(treatment.column),
        literal_value(treatment.metric),
        literal_value(var_choice(prefix ~ '_rule', ['quantile', 'fixed'])),
        'cast(' ~ var(prefix ~ '_quantile') ~ ' as double)',
        'cast(' ~ var(prefix ~ '_fixed_threshold') ~ ' as double)',
    ]) -%}
{%- endfor -%}

with

definitions as (

    {{ literal_table(
        ['treatment', 'treatment_column', 'metric', 'rule', 'quantile', 'fixed_threshold'],
        definition_rows
    ) }}

),

active_user_days as (

    select * from {{ ref('int_user_day_grid') }}
    where active_day = 1

),

metric_quantiles as (

    {% for treatment in candidate_treatments() -%}
        select
            '{{ treatment.name }}' as treatment,
            {{ quantile_cont(treatment.metric, var(treatment.var_prefix ~ '_quantile')) }}
                as quantile_threshold
        from active_user_days
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        definitions.treatment,
        definitions.treatment_column,
        definitions.metric,
        definitions.rule,
        definitions.quantile,
        definitions.fixed_threshold,
        metric_quantiles.quantile_threshold,
        case
            when definitions.rule = 'quantile' then metric_quantiles.quantile_threshold
            else definitions.fixed_threshold
        end as threshold
    from definitions
    inner join metric_quantiles
        on definitions.treatment = metric_quantiles.treatment

)

select * from final
