{{ stg_interactions(source('kuairec', 'big_matrix')) }}
