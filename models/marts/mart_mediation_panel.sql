{#-
    The analysis panel of the mediation study (same rows as mart_discovery_metric_panel):
    exposure A, mediator M, outcomes Y, alternative mediators and the confounder set X.
-#}
{%- set numeric_profile = [
    'register_days', 'follow_user_num', 'fans_user_num', 'friend_user_num',
    'is_lowactive_period', 'is_live_streamer', 'is_video_author',
] -%}
{%- for k in range(18) -%}
    {%- do numeric_profile.append('onehot_feat' ~ k) -%}
{%- endfor -%}
{%- set categorical_profile = [
    'user_active_degree', 'follow_user_num_range', 'fans_user_num_range',
    'friend_user_num_range', 'register_days_range',
] -%}
{%- set history_confounders = [
    'active_day', 'interactions', 'total_play_duration_sec', 'valid_play_share',
    'high_watch_share', 'discovery_candidate_share', 'satisfaction_depth_score',
] -%}

with

metric_panel as (

    select * from {{ ref('mart_discovery_metric_panel') }}

),

population as (

    select * from {{ ref('mart_long_term_analysis') }}

),

final as (

    select
        metric_panel.user_id,
        metric_panel.event_date,
        metric_panel.high_discovery_day as A_high_discovery,  -- noqa: CP02
        metric_panel.satisfaction_depth_score as M_satisfaction_depth,  -- noqa: CP02
        metric_panel.outcome_{{ horizon_column('interactions') }} as Y_future_interactions,  -- noqa: CP02
        metric_panel.outcome_{{ horizon_column('active_days') }} as Y_future_active_days,  -- noqa: CP02
        metric_panel.outcome_{{ horizon_column('play_hours') }} as Y_future_play_hours,  -- noqa: CP02
        metric_panel.discovery_breadth_score,
        metric_panel.high_watch_share,
        metric_panel.complete_or_rewatch_share,
        metric_panel.valid_play_share,
        metric_panel.avg_satisfaction_score,
        metric_panel.avg_watch_ratio_capped,
        metric_panel.calendar_day_index,
        metric_panel.day_of_week,
        {% for metric in history_confounders %}
            population.lag_1_{{ metric }},
            population.{{ prior_window_column(metric) }},
        {% endfor %}
        metric_panel.recent_activity_score,
        {% for column in numeric_profile %}
            population.{{ column }},
        {% endfor %}
        {% for column in categorical_profile %}
            population.{{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from metric_panel
    inner join population
        on
            metric_panel.user_id = population.user_id
            and metric_panel.event_date = population.event_date

)

select
    *,
    '{{ build_id() }}' as build_id
from final
