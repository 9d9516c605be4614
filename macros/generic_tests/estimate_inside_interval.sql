{#
    Model-level check that every row's `estimate` lies within [`lower`, `upper`] (rows without
    an interval are skipped). Applied with severity warn to the effect tables: a cluster-bootstrap
    percentile interval need not contain its point estimate, but one that does not (a skewed or
    biased bootstrap distribution, or too few replicates) deserves a look before it is quoted.
#}
{% test estimate_inside_interval(model, estimate='estimate', lower='ci_lower', upper='ci_upper') %}

select *
from {{ model }}
where
    {{ lower }} is not null
    and not ({{ lower }} <= {{ estimate }} and {{ estimate }} <= {{ upper }})

{% endtest %}
