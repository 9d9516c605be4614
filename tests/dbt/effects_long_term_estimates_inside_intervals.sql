{{ config(tags=['effects'], severity='warn') }}
-- The long-term study. A warning, not an error: a cluster-bootstrap percentile interval need
-- not contain its point estimate, but one that does not (a skewed or biased bootstrap
-- distribution, or too few replicates) deserves a look before the estimate is quoted.
with

intervals as (

    select
        'long_term_estimator_comparison' as effect_table,
        outcome,
        estimator as row_label,
        estimate,
        ci_lower,
        ci_upper
    from {{ ref('long_term_estimator_comparison') }}
    union all
    select
        'long_term_secondary_outcomes' as effect_table,
        outcome,
        estimator as row_label,
        estimate,
        ci_lower,
        ci_upper
    from {{ ref('long_term_secondary_outcomes') }}

)

select * from intervals
where not (ci_lower <= estimate and estimate <= ci_upper)
