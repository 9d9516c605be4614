{{ config(tags=['effects']) }}
-- Each weight-readiness check passes exactly when value <comparison> threshold holds, and its
-- status is 'passes' when it passes, 'caution' otherwise.

select
    check_id,
    value,
    threshold,
    comparison,
    passes,
    status
from {{ source('effects_long_term', 'long_term_weight_readiness') }}
where
    passes != (
        case comparison
            when '<=' then value <= threshold
            when '>=' then value >= threshold
            when '<' then value < threshold
        end
    )
    or status != (case when passes then 'passes' else 'caution' end)
