{{ config(tags=['effects']) }}
-- Every estimator of the registry (seed regime_estimator_registry) reports its regime exactly
-- once per contrast -- always_vs_never once, incremental_vs_natural once for each delta (0.5 and
-- 2) -- under its registry label and display order: fails for each (regime, delta, estimator)
-- that is missing or repeated.

with

registry as (

    select
        estimator,
        estimator_order,
        regime
    from {{ ref('regime_estimator_registry') }}

),

contrasts as (

    select
        contrast_values.regime,
        contrast_values.delta
    from (
        values
        ('always_vs_never', cast(null as double)),
        ('incremental_vs_natural', 0.5),
        ('incremental_vs_natural', 2.0)
    ) as contrast_values (regime, delta)

),

expected as (

    select
        registry.estimator,
        registry.estimator_order,
        contrasts.regime,
        contrasts.delta
    from registry
    inner join contrasts
        on registry.regime = contrasts.regime

),

reported as (

    select * from {{ source('effects_long_term_regime', 'long_term_regime_effects') }}

),

counted as (

    select
        expected.regime,
        expected.delta,
        expected.estimator,
        count(reported.estimator) as occurrences
    from expected
    left join reported
        on
            expected.regime = reported.regime
            and expected.estimator = reported.estimator
            and expected.estimator_order = reported.estimator_order
            and coalesce(expected.delta, -1) = coalesce(reported.delta, -1)
    group by expected.regime, expected.delta, expected.estimator

)

select * from counted
where occurrences != 1
