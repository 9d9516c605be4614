{{ stg_interactions(source('kuairec', 'small_matrix')) }}
