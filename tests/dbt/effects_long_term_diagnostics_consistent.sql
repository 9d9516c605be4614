{{ config(tags=['effects']) }}
-- Internal consistency of the long-term diagnostics: weight quantiles are ordered, and E-values
-- are at least 1 with the interval's E-value no larger than the estimate's. Fails with one row
-- per offending row.

select
    'long_term_weight_diagnostics' as effect_table,
    weight_column as row_label
from {{ source('effects_long_term', 'long_term_weight_diagnostics') }}
where not (min <= p50 and p50 <= p90 and p90 <= p95 and p95 <= p99 and p99 <= max)
union all
select
    'long_term_sensitivity' as effect_table,
    outcome || ' / ' || estimator as row_label
from {{ source('effects_long_term', 'long_term_sensitivity') }}
where
    evalue_estimate is not null
    and not (evalue_estimate >= 1 and evalue_ci >= 1 and evalue_ci <= evalue_estimate + 1e-9)
