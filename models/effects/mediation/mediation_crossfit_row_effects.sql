-- depends_on: {{ ref('mart_mediation_panel') }}
select * from {{ source('estimator_output_mediation', 'mediation_crossfit_row_effects') }}
