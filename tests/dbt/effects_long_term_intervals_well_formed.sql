{{ config(tags=['effects']) }}
-- Every estimate of the long-term study is present with an ordered interval (a bootstrap
-- percentile interval need not contain its estimate: the generic test estimate_inside_interval
-- warns about those), and every row reports its own outcome: the primary outcome in the
-- comparison table, a secondary outcome in the secondary table. Fails with one row per
-- offending estimate.

with

estimates as (

    select
        'long_term_estimator_comparison' as effect_table,
        outcome,
        estimator as row_label,
        estimate,
        ci_lower,
        ci_upper,
        outcome = '{{ horizon_column("interactions") }}' as outcome_ok
    from {{ source('effects_long_term', 'long_term_estimator_comparison') }}
    union all
    select
        'long_term_secondary_outcomes' as effect_table,
        outcome,
        estimator as row_label,
        estimate,
        ci_lower,
        ci_upper,
        outcome in (
            '{{ horizon_column("active_days") }}',
            '{{ horizon_column("avg_daily_interactions") }}',
            '{{ horizon_column("play_hours") }}',
            'outcome_log1p'
        ) as outcome_ok
    from {{ source('effects_long_term', 'long_term_secondary_outcomes') }}
    union all
    select
        'long_term_msm_weight_sensitivity' as effect_table,
        outcome,
        weight_column as row_label,
        estimate,
        ci_lower,
        ci_upper,
        outcome = '{{ horizon_column("interactions") }}' as outcome_ok
    from {{ source('effects_long_term', 'long_term_msm_weight_sensitivity') }}

)

select * from estimates
where
    not outcome_ok
    or estimate is null
    or ci_lower > ci_upper
