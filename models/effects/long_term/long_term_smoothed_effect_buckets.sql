-- depends_on: {{ ref('mart_long_term_analysis') }}
-- Written by the estimator stage (kuairec_causal.studies.long_term); exposed here with tests.
select * from {{ source('estimator_output', 'long_term_smoothed_effect_buckets') }}
