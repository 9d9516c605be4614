{#
    The id of this build, carried by every mart (column build_id) so that the estimator stage and
    the report can refuse marts from different builds. `kuairec-causal build` passes var build_id
    (a digest of the pinned raw snapshot, the vars and the project files: two builds of the same
    inputs get the same id and identical tables); plain dbt uses "dbt-<invocation id>".
#}
{% macro build_id() -%}
    {{ return(var('build_id', none) or ('dbt-' ~ invocation_id)) }}
{%- endmacro %}
