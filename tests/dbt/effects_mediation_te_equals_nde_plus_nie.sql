{{ config(tags=['effects']) }}
-- Total = direct + indirect (within 1e-9, relative to |total| when |total| > 1) in every row set
-- of the mediation study outside the decomposition (tested in
-- effects_mediation_decomposition_additive): robustness specifications, cross-fitted effects,
-- row-level effects, heterogeneity segments and the sensitivity curves.
-- A check on the writer, not on the estimates: the estimators define the total as direct plus
-- indirect, so this fails only when a table drops, misaligns or swaps the effect columns. Whether
-- the effects are right is tested against the planted truth (tests/studies, tests/estimators).
with

effects as (

    select
        'mediation_robustness_specifications' as table_name,
        family || ' / ' || specification as row_key,
        total_effect as total,
        direct_effect as direct,
        indirect_effect as indirect
    from {{ source('effects_mediation', 'mediation_robustness_specifications') }}

    union all

    select
        'mediation_crossfit_effects' as table_name,
        outcome || ' / ' || model_family as row_key,
        total_effect as total,
        direct_effect as direct,
        indirect_effect as indirect
    from {{ source('effects_mediation', 'mediation_crossfit_effects') }}

    union all

    select
        'mediation_crossfit_row_effects' as table_name,
        cast(user_id as varchar) || ' / ' || cast(event_date as varchar) as row_key,
        ite_total as total,
        ite_direct as direct,
        ite_indirect as indirect
    from {{ source('effects_mediation', 'mediation_crossfit_row_effects') }}

    union all

    select
        'mediation_heterogeneity' as table_name,
        model_family || ' / ' || segment || ' / ' || segment_value as row_key,
        total_effect as total,
        direct_effect as direct,
        indirect_effect as indirect
    from {{ source('effects_mediation', 'mediation_heterogeneity') }}

    union all

    select
        'mediation_mo_sensitivity' as table_name,
        outcome || ' / rho ' || cast(rho as varchar) as row_key,
        te as total,
        nde as direct,
        nie as indirect
    from {{ source('effects_mediation', 'mediation_mo_sensitivity') }}

    union all

    select
        'mediation_advanced_summary' as table_name,
        outcome || ' / ' || model_family as row_key,
        total_effect as total,
        direct_effect as direct,
        indirect_effect as indirect
    from {{ source('effects_mediation', 'mediation_advanced_summary') }}

)

select
    table_name,
    row_key,
    total,
    direct,
    indirect
from effects
where
    total is null
    or direct is null
    or indirect is null
    or abs(total - (direct + indirect)) > 1e-9 * greatest(1, abs(total))
