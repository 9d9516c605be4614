{{ config(tags=['effects']) }}
-- Every exposure-policy estimate has a finite, ordered interval and a positive standard error,
-- delta is set exactly for the incremental contrasts (0.5 or 2 times the odds), and the window
-- is the build's var regime_window_days. Fails with one row per offending estimate.

with

effects as (

    select * from {{ source('effects_long_term_regime', 'long_term_regime_effects') }}

)

select
    regime,
    delta,
    estimator,
    estimate,
    ci_lower,
    ci_upper,
    std_error,
    k_days
from effects
where
    estimate is null
    or ci_lower is null
    or ci_upper is null
    or ci_lower > ci_upper
    or std_error is null
    or std_error <= 0
    or k_days != {{ var('regime_window_days') }}
    or (regime = 'always_vs_never' and delta is not null)
    or (regime = 'incremental_vs_natural' and (delta is null or delta not in (0.5, 2)))
