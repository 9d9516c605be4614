{{ config(tags=['effects']) }}
-- The long-term effect tables describe the same analysis: the mean AIPW score equals the AIPW
-- estimate, the MSM row of the comparison equals the analysis-weight row of the weight
-- sensitivity table, and every table covers every row of mart_long_term_analysis. Fails with
-- one row per disagreement.

with

population as (

    select count(*) as n_rows from {{ ref('mart_long_term_analysis') }}

),

scores as (

    select
        count(*) as n_rows,
        avg(score) as mean_score
    from {{ source('effects_long_term', 'long_term_aipw_scores') }}

),

weights as (

    select
        count(*) as n_rows,
        max(abs(analysis_weight - sw_logistic_clip_10)) as max_weight_gap
    from {{ source('effects_long_term', 'long_term_propensity_scores') }}

),

registry as (

    select * from {{ ref('estimator_registry') }}

),

aipw as (

    select
        comparison.estimate,
        comparison.n
    from {{ source('effects_long_term', 'long_term_estimator_comparison') }} as comparison
    inner join registry on comparison.estimator = registry.estimator
    where registry.estimator_id = 'aipw'

),

msm as (

    select comparison.estimate
    from {{ source('effects_long_term', 'long_term_estimator_comparison') }} as comparison
    inner join registry on comparison.estimator = registry.estimator
    where registry.estimator_id = 'msm'

),

sensitivity as (

    select estimate
    from {{ source('effects_long_term', 'long_term_msm_weight_sensitivity') }}
    where is_analysis_weight

),

checks as (

    select
        'aipw estimate is the mean score' as failed_check,
        abs(aipw.estimate - scores.mean_score) > 1e-6 * (1 + abs(aipw.estimate)) as failed
    from aipw cross join scores
    union all
    select
        'msm row matches the analysis weight row' as failed_check,
        abs(msm.estimate - sensitivity.estimate) > 1e-9 * (1 + abs(msm.estimate)) as failed
    from msm cross join sensitivity
    union all
    select
        'analysis_weight is sw_logistic_clip_10' as failed_check,
        weights.max_weight_gap > 0 as failed
    from weights
    union all
    select
        'row counts match the population' as failed_check,
        (
            scores.n_rows != population.n_rows
            or weights.n_rows != population.n_rows
            or aipw.n != population.n_rows
        ) as failed
    from population cross join scores cross join weights cross join aipw

)

select failed_check from checks
where failed
