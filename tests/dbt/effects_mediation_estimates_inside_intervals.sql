{{ config(tags=['effects'], severity='warn') }}
-- The mediation study. A warning, not an error: a cluster-bootstrap percentile interval need
-- not contain its point estimate, but one that does not (a skewed or biased bootstrap
-- distribution, or too few replicates) deserves a look before the estimate is quoted.
with

intervals as (

    select
        'mediation_effect_decomposition' as effect_table,
        outcome,
        estimand as row_label,
        estimate,
        ci_lower,
        ci_upper
    from {{ ref('mediation_effect_decomposition') }}
    where estimand != 'proportion_mediated'
    union all
    select
        'mediation_sem_paths' as effect_table,
        outcome,
        path_quantity as row_label,
        estimate,
        ci_lower,
        ci_upper
    from {{ ref('mediation_sem_paths') }}

)

select * from intervals
where not (ci_lower <= estimate and estimate <= ci_upper)
