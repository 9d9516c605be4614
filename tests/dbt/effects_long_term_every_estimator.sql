{{ config(tags=['effects']) }}
-- Every estimator of the registry (seed estimator_registry) reports the primary outcome and every
-- secondary outcome (future-window names follow the window vars) exactly once: fails for each
-- (outcome, estimator) pair that is missing, repeated or out of the registry's display order.

with

expected_estimators as (

    select
        estimator,
        estimator_order
    from {{ ref('estimator_registry') }}

),

expected_outcomes as (

    select outcome_values.outcome
    from (
        values
        ('{{ horizon_column("interactions") }}'),
        ('{{ horizon_column("active_days") }}'),
        ('{{ horizon_column("avg_daily_interactions") }}'),
        ('{{ horizon_column("play_hours") }}'),
        ('outcome_log1p')
    ) as outcome_values (outcome)

),

expected as (

    select
        expected_outcomes.outcome,
        expected_estimators.estimator,
        expected_estimators.estimator_order
    from expected_outcomes
    cross join expected_estimators

),

reported as (

    select
        outcome,
        estimator,
        estimator_order
    from {{ source('effects_long_term', 'long_term_estimator_comparison') }}
    union all
    select
        outcome,
        estimator,
        estimator_order
    from {{ source('effects_long_term', 'long_term_secondary_outcomes') }}

),

counted as (

    select
        expected.outcome,
        expected.estimator,
        count(reported.estimator) as occurrences
    from expected
    left join reported
        on
            expected.outcome = reported.outcome
            and expected.estimator = reported.estimator
            and expected.estimator_order = reported.estimator_order
    group by expected.outcome, expected.estimator

)

select * from counted
where occurrences != 1
