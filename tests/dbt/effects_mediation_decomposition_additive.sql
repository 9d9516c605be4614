{{ config(tags=['effects']) }}
-- TE = NDE + NIE and TE = NDE_treated + NIE_control for every outcome of the g-formula
-- decomposition, within 1e-9 (relative to |TE| when |TE| > 1).
-- A check on the writer, not on the estimates: both identities hold by construction (differences of
-- the same potential means), so this fails only when estimand rows are missing or mislabelled.
with

decomposition as (

    select
        outcome,
        max(case when estimand = 'TE' then estimate end) as te,
        max(case when estimand = 'NDE' then estimate end) as nde,
        max(case when estimand = 'NIE' then estimate end) as nie,
        max(case when estimand = 'NDE_treated' then estimate end) as nde_treated,
        max(case when estimand = 'NIE_control' then estimate end) as nie_control
    from {{ source('effects_mediation', 'mediation_effect_decomposition') }}
    group by outcome

)

select
    outcome,
    te,
    nde,
    nie,
    nde_treated,
    nie_control
from decomposition
where
    te is null
    or nde is null
    or nie is null
    or abs(te - (nde + nie)) > 1e-9 * greatest(1, abs(te))
    or abs(te - (nde_treated + nie_control)) > 1e-9 * greatest(1, abs(te))
