{{ config(tags=['effects']) }}
-- Path-model identities of least squares on the same rows and weights: the total path
-- c' + alpha * beta equals the total-effect regression coefficient, and the indirect path is
-- alpha * beta (both within 1e-6 relative).
with

paths as (

    select
        outcome,
        max(case when path_quantity = 'alpha_A_to_M' then estimate end) as alpha,
        max(case when path_quantity = 'beta_M_to_Y' then estimate end) as beta,
        max(case when path_quantity = 'indirect_alpha_beta' then estimate end) as indirect,
        max(case when path_quantity = 'total_path_c_prime_plus_indirect' then estimate end) as total_path,
        max(case when path_quantity = 'total_regression_coefficient' then estimate end) as total_regression
    from {{ source('effects_mediation', 'mediation_sem_paths') }}
    group by outcome

)

select
    outcome,
    alpha,
    beta,
    indirect,
    total_path,
    total_regression
from paths
where
    total_path is null
    or abs(total_path - total_regression) > 1e-6 * greatest(1, abs(total_regression))
    or abs(indirect - alpha * beta) > 1e-6 * greatest(1, abs(indirect))
