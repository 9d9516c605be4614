{#
    Model-level accepted range for several columns at once: fails for every row on which a
    non-NULL value of one of `columns` lies outside [min_value, max_value] (either bound optional)
    or is NaN / infinite. Used for shares and rates (0..1), counts and sums (>= 0) and 0/1 flags.
#}
{% test columns_between(model, columns, min_value=none, max_value=none) %}

select *
from {{ model }}
where
    {% for column in columns -%}
        (
            {{ column }} is not null
            and (
                not {{ is_finite('cast(' ~ column ~ ' as double)') }}
                {% if min_value is not none -%}
                    or {{ column }} < {{ min_value }}
                {%- endif %}
                {% if max_value is not none -%}
                    or {{ column }} > {{ max_value }}
                {%- endif %}
            )
        )
        {%- if not loop.last %} or {% endif %}
    {% endfor %}

{% endtest %}
