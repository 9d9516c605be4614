{#-
    The mediation metric layer: one row per user-day of the long-term study population with the
    candidate discovery / satisfaction metrics, the exposure flag and the outcomes.
-#}
{%- set history_window = var('history_window_days') | int -%}
{%- set reference_interactions = var('recent_activity_reference_interactions') -%}

with

population as (

    select * from {{ ref('mart_long_term_analysis') }}

),

scored as (

    select
        user_id,
        event_date,
        calendar_day_index,
        day_of_week,
        interactions,
        discovery_candidate_share as discovery_breadth_score,
        satisfaction_depth_score,
        discovery_candidate_share * satisfaction_depth_score as quality_adjusted_discovery_score,
        percent_rank() over (order by interactions) as interactions_volume_rank,
        long_tail_share,
        new_category_share,
        avg_satisfaction_score,
        high_watch_share,
        complete_or_rewatch_share,
        valid_play_share,
        avg_watch_ratio_capped,
        {{ prior_window_column('active_day') }},
        {{ prior_window_column('interactions') }},
        0.5 * cast({{ prior_window_column('active_day') }} as double) / {{ history_window }}
        + 0.5 * least(
            cast({{ prior_window_column('interactions') }} as double) / {{ reference_interactions }}, 1
        ) as recent_activity_score,
        treatment_high_discovery as high_discovery_day,
        {% for suffix in ['interactions', 'active_days', 'play_hours'] %}
            {{ horizon_column(suffix) }} as outcome_{{ horizon_column(suffix) }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from population

),

final as (

    select
        user_id,
        event_date,
        calendar_day_index,
        day_of_week,
        interactions,
        discovery_breadth_score,
        satisfaction_depth_score,
        quality_adjusted_discovery_score,
        interactions_volume_rank,
        interactions_volume_rank * (1 - satisfaction_depth_score) as shallow_click_pressure_score,
        recent_activity_score,
        high_discovery_day,
        long_tail_share,
        new_category_share,
        avg_satisfaction_score,
        high_watch_share,
        complete_or_rewatch_share,
        valid_play_share,
        avg_watch_ratio_capped,
        {{ prior_window_column('active_day') }},
        {{ prior_window_column('interactions') }},
        outcome_{{ horizon_column('interactions') }},
        outcome_{{ horizon_column('active_days') }},
        outcome_{{ horizon_column('play_hours') }}
    from scored

)

select
    *,
    '{{ build_id() }}' as build_id
from final
