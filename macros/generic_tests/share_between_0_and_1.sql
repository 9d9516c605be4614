{# Column-level: a share or rate; every non-NULL value lies in [0, 1]. #}
{% test share_between_0_and_1(model, column_name) %}

{{ test_values_between(model, column_name, min_value=0, max_value=1) }}

{% endtest %}
