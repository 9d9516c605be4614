{#
    Fails for every non-NULL value outside [min_value, max_value] (either bound optional;
    inclusive=false makes both bounds strict). NaN and infinities count as outside.
#}
{% test values_between(model, column_name, min_value=none, max_value=none, inclusive=true) %}

{%- set low_op = '<' if inclusive else '<=' -%}
{%- set high_op = '>' if inclusive else '>=' -%}

select {{ column_name }} as failing_value
from {{ model }}
where
    {{ column_name }} is not null
    and (
        not {{ is_finite('cast(' ~ column_name ~ ' as double)') }}
        {% if min_value is not none -%}
            or {{ column_name }} {{ low_op }} {{ min_value }}
        {%- endif %}
        {% if max_value is not none -%}
            or {{ column_name }} {{ high_op }} {{ max_value }}
        {%- endif %}
    )

{% endtest %}
