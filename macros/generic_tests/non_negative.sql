{# Column-level: a count, sum or duration; every non-NULL value is >= 0. #}
{% test non_negative(model, column_name) %}

{{ test_values_between(model, column_name, min_value=0) }}

{% endtest %}
