{{ config(tags=['effects']) }}
-- long_term_estimands sets each estimator's ATT beside its ATE: its ATE rows are the rows of
-- long_term_estimator_comparison (the same fits, not refitted), and every estimator it lists has
-- both estimands. Fails with one row per disagreement.

with

estimands as (

    select * from {{ source('effects_long_term', 'long_term_estimands') }}

),

comparison as (

    select * from {{ source('effects_long_term', 'long_term_estimator_comparison') }}

),

ate_mismatch as (

    select estimands.estimator || ': ATE differs from the comparison table' as failed_check
    from estimands
    left join comparison on estimands.estimator = comparison.estimator
    where
        estimands.estimand = 'ATE'
        and (
            comparison.estimator is null
            or estimands.estimate != comparison.estimate
            or estimands.ci_lower != comparison.ci_lower
            or estimands.ci_upper != comparison.ci_upper
        )

),

incomplete as (

    select estimator || ': not both ATE and ATT' as failed_check
    from estimands
    group by estimator
    having count(distinct estimand) != 2

)

select failed_check from ate_mismatch
union all
select failed_check from incomplete
