{{ config(tags=['effects']) }}
-- Every interval of the g-formula decomposition and of the path model is ordered (whether the
-- percentile interval contains its estimate is the warning test estimate_inside_interval), and
-- every CDE row records the mediator value it fixes.
with

decomposition as (

    select
        'mediation_effect_decomposition' as table_name,
        outcome || ' / ' || estimand as row_key,
        estimate,
        ci_lower,
        ci_upper,
        estimand in ('CDE_low', 'CDE_high') and mediator_value is null as missing_mediator_value
    from {{ source('effects_mediation', 'mediation_effect_decomposition') }}

),

paths as (

    select
        'mediation_sem_paths' as table_name,
        outcome || ' / ' || path_quantity as row_key,
        estimate,
        ci_lower,
        ci_upper,
        false as missing_mediator_value
    from {{ source('effects_mediation', 'mediation_sem_paths') }}

),

intervals as (

    select * from decomposition
    union all
    select * from paths

)

select
    table_name,
    row_key,
    estimate,
    ci_lower,
    ci_upper,
    missing_mediator_value
from intervals
where
    missing_mediator_value
    or ci_lower > ci_upper
