{{ config(tags=['effects']) }}
-- Every estimator of the long-term study reports the primary outcome and every secondary
-- outcome exactly once: fails for each (outcome, estimator) pair that is missing or repeated.

with

expected_estimators as (

    select estimator_values.estimator
    from (
        values
        ('MSM, weighted'),
        ('G-computation, linear'),
        ('G-computation, LightGBM'),
        ('AIPW, doubly robust'),
        ('Naive difference in means')
    ) as estimator_values (estimator)

),

expected_outcomes as (

    select outcome_values.outcome
    from (
        values
        ('future_7day_interactions'),
        ('future_7day_active_days'),
        ('future_7day_avg_daily_interactions'),
        ('future_7day_play_hours'),
        ('outcome_log1p')
    ) as outcome_values (outcome)

),

expected as (

    select
        expected_outcomes.outcome,
        expected_estimators.estimator
    from expected_outcomes
    cross join expected_estimators

),

reported as (

    select
        outcome,
        estimator
    from {{ ref('long_term_estimator_comparison') }}
    union all
    select
        outcome,
        estimator
    from {{ ref('long_term_secondary_outcomes') }}

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
    group by expected.outcome, expected.estimator

)

select * from counted
where occurrences != 1
