{#-
    Screens each candidate metric of mart_discovery_metric_panel: alignment with future value
    (|Spearman| with the future-window interactions outcome), dependence on recent history
    (|Spearman| with the prior-window interactions), their penalised difference, and the
    top-minus-bottom bucket spread of future interactions. Spearman = Pearson correlation of
    average ranks, from exact integer sums of doubled ranks (macro exact_corr), so the scores are
    the same bits every build.
-#}
{%- set buckets = var('metric_validation_top_quantile_buckets') | int -%}

with

metric_panel as (

    select * from {{ ref('mart_discovery_metric_panel') }}

),

long_format as (

    {% for metric in candidate_metrics() -%}
        select
            '{{ metric }}' as metric,
            user_id,
            event_date,
            cast({{ metric }} as double) as metric_value,
            cast(outcome_{{ horizon_column('interactions') }} as double) as future_interactions,
            cast({{ prior_window_column('interactions') }} as double) as prior_interactions
        from metric_panel
        where
            {{ metric }} is not null
            and outcome_{{ horizon_column('interactions') }} is not null
            and {{ prior_window_column('interactions') }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

ranked as (

    select
        metric,
        future_interactions,
        {{ average_rank('metric_value', 'metric') }} as metric_rank,
        {{ average_rank('future_interactions', 'metric') }} as future_rank,
        {{ average_rank('prior_interactions', 'metric') }} as prior_rank,
        ntile({{ buckets }}) over (
            partition by metric
            order by metric_value, user_id, event_date
        ) as metric_bucket
    from long_format

),

scored as (

    select
        metric,
        count(*) as user_days,
        abs({{ exact_corr('2 * metric_rank', '2 * future_rank') }}) as future_alignment_score,
        abs({{ exact_corr('2 * metric_rank', '2 * prior_rank') }}) as history_dependence_score,
        avg(case when metric_bucket = {{ buckets }} then future_interactions end)
        - avg(case when metric_bucket = 1 then future_interactions end)
            as top_minus_bottom_future_interactions
    from ranked
    group by metric

),

final as (

    select
        metric,
        user_days,
        future_alignment_score,
        history_dependence_score,
        future_alignment_score
        - {{ var('metric_history_penalty') }} * history_dependence_score as screening_score,
        top_minus_bottom_future_interactions
    from scored

)

select
    *,
    '{{ build_id() }}' as build_id
from final
