{#-
    The window logic of the user-day panel, on the dense grid only (so unit tests can mock it):
    lag_1_<x>, prior_<history_window_days>day_<x> (sum over days t-history_window_days .. t-1),
    lead_<h>_<x> (h = 1 .. max_lead_days), next-day and future sums future_<short_horizon_days>day_*
    and future_<max_lead_days>day_* (NULL whenever a needed lead is past the last panel day),
    first_active_day_index and history_days. Window column names come from the vars
    (prior_window_column, short_horizon_column, horizon_column).
-#}
{%- set history_window = var('history_window_days') | int -%}
{%- set max_lead = var('max_lead_days') | int -%}
{%- set short_horizon = var('short_horizon_days') | int -%}
{%- if short_horizon > max_lead or short_horizon < 1 or history_window < 1 -%}
    {%- do exceptions.raise_compiler_error(
        'need 1 <= short_horizon_days <= max_lead_days and history_window_days >= 1'
    ) -%}
{%- endif -%}
{%- set by_user_day = 'partition by user_id order by calendar_day_index' -%}

with

grid as (

    select * from {{ ref('int_user_day_grid') }}

),

windowed as (

    select
        *,
        {% for metric in panel_history_metrics() %}
            lag({{ metric }}, 1, 0) over ({{ by_user_day }}) as lag_1_{{ metric }},
            coalesce(
                sum({{ metric }}) over (
                    {{ by_user_day }}
                    range between {{ history_window }} preceding and 1 preceding
                ),
                0
            ) as {{ prior_window_column(metric) }},
        {% endfor %}
        {% for lead_metric in panel_lead_metrics() %}
            {% for h in range(1, max_lead + 1) %}
                lead({{ lead_metric.metric }}, {{ h }}) over ({{ by_user_day }})
                    as lead_{{ h }}_{{ lead_metric.metric }},
            {% endfor %}
        {% endfor %}
        min(case when active_day = 1 then calendar_day_index end) over (
            {{ by_user_day }}
            rows between unbounded preceding and current row
        ) as first_active_day_index
    from grid

),

final as (

    select
        *,
        {% for lead_metric in panel_lead_metrics() %}
            {% set m = lead_metric.metric %}
            lead_1_{{ m }} as {{ lead_metric.next_day }},
            {% for h in range(1, short_horizon + 1) -%}
                lead_{{ h }}_{{ m }}{{ ' + ' if not loop.last }}
            {% endfor %} as {{ short_horizon_column(lead_metric.future_suffix) }},
            {% for h in range(1, max_lead + 1) -%}
                lead_{{ h }}_{{ m }}{{ ' + ' if not loop.last }}
            {% endfor %} as {{ horizon_column(lead_metric.future_suffix) }},
        {% endfor %}
        calendar_day_index - first_active_day_index as history_days
    from windowed

)

select * from final
