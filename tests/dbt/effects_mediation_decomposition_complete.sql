{{ config(tags=['effects']) }}
-- mediation_effect_decomposition has a row for every estimand of the study and every outcome
-- (fails with one row per missing pair).
with

expected_estimands as (

    select estimands.estimand
    from (
        values
        ('TE'), ('NDE'), ('NIE'), ('NDE_treated'), ('NIE_control'), ('CDE_low'), ('CDE_high'),
        ('proportion_mediated'), ('mediator_shift'), ('naive_difference')
    ) as estimands (estimand)

),

expected_outcomes as (

    select outcomes.outcome
    from (
        values ('Y_future_interactions'), ('Y_future_active_days'), ('Y_future_play_hours')
    ) as outcomes (outcome)

),

expected as (

    select
        expected_outcomes.outcome,
        expected_estimands.estimand
    from expected_outcomes
    cross join expected_estimands

),

actual as (

    select
        outcome,
        estimand
    from {{ source('effects_mediation', 'mediation_effect_decomposition') }}

)

select
    expected.outcome,
    expected.estimand
from expected
left join actual
    on
        expected.outcome = actual.outcome
        and expected.estimand = actual.estimand
where actual.estimand is null
