with

thresholds as (

    select * from {{ ref('int_treatment_thresholds') }}

),

panel as (

    select * from {{ ref('fct_user_day_panel') }}

),

treated_counts as (

    {% for treatment in candidate_treatments() -%}
        select
            '{{ treatment.name }}' as treatment,
            count(*) as user_days,
            sum(active_day) as active_user_days,
            sum({{ treatment.column }}) as treated_user_days
        from panel
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        thresholds.treatment,
        thresholds.treatment_column,
        thresholds.metric,
        thresholds.rule,
        thresholds.quantile,
        thresholds.fixed_threshold,
        thresholds.quantile_threshold,
        thresholds.threshold,
        treated_counts.treated_user_days,
        treated_counts.user_days,
        treated_counts.active_user_days,
        cast(treated_counts.treated_user_days as double)
        / nullif(treated_counts.user_days, 0) as share_of_user_days,
        cast(treated_counts.treated_user_days as double)
        / nullif(treated_counts.active_user_days, 0) as share_of_active_user_days
    from thresholds
    inner join treated_counts
        on thresholds.treatment = treated_counts.treatment

)

select
    *,
    '{{ build_id() }}' as build_id
from final
