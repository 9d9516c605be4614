{# Model-level: fails for every row on which any of `columns` is NULL (one query per model). #}
{% test columns_not_null(model, columns) %}

select *
from {{ model }}
where
    {% for column in columns -%}
        {{ column }} is null{% if not loop.last %} or {% endif %}
    {% endfor %}

{% endtest %}
