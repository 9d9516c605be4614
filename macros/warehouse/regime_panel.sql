{#
    Columns of mart_long_term_regime_panel, named once (the model and its tests read them here).
#}

{#
    Carried for every step s of the regime window, as (fct_user_day_panel column, name after the
    step_<s>_ prefix): whether exposure was possible (the day's activity), the exposure, and the
    day's history covariates (lag / prior-window columns, measured before the day's exposure).
#}
{% macro regime_step_columns() -%}
    {%- set columns = [('active_day', 'active_day'), ('treatment_high_watch_exposure', 'treatment')] -%}
    {%- for metric in panel_history_metrics() -%}
        {%- do columns.append(('lag_1_' ~ metric, 'lag_1_' ~ metric)) -%}
        {%- do columns.append((prior_window_column(metric), prior_window_column(metric))) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#
    Follow-up outcomes over the max_lead_days days after the window, as (fct_user_day_panel column
    of the window's last day, mart column): its future-window sums.
#}
{% macro regime_followup_columns() -%}
    {{ return([
        (horizon_column('interactions'), 'followup_interactions'),
        (horizon_column('active_days'), 'followup_active_days'),
    ]) }}
{%- endmacro %}
