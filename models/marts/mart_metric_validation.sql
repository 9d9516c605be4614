{#-
    Screens each candidate metric of mart_discovery_metric_panel: alignment with future value
    (|Spearman| with the future-window interactions outcome), dependence on recent history
    (|Spearman| with the prior-window interactions), their penalised difference, and the
    top-minus-bottom bucket spread of future interactions. Spearman = Pearson correlation of
    average ranks, from exact integer sums of doubled ranks (macros doubled_average_ranks and
    exact_corr), so the scores are the same bits every build.
-#}
{%- set buckets = var('metric_validation_top_quantile_buckets') | int -%}
{%- set ranked_columns = ['metric_value', 'future_interactions', 'prior_interactions'] -%}

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

{% for column in ranked_columns -%}
    {{ column }}_ranks as (

        {{ doubled_average_ranks('long_format', column, 'metric') }}

    ),

{% endfor -%}

ranked as (

    select
        long_format.metric,
        long_format.future_interactions,
        metric_value_ranks.doubled_rank as metric_doubled_rank,
        future_interactions_ranks.doubled_rank as future_doubled_rank,
        prior_interactions_ranks.doubled_rank as prior_doubled_rank,
        ntile({{ buckets }}) over (
            partition by long_format.metric
            order by long_format.metric_value, long_format.user_id, long_format.event_date
        ) as metric_bucket
    from long_format
    {% for column in ranked_columns -%}
        inner join {{ column }}_ranks
            on
                long_format.metric = {{ column }}_ranks.metric
                and long_format.{{ column }} = {{ column }}_ranks.{{ column }}
    {% endfor %}
),

scored as (

    select
        metric,
        count(*) as user_days,
        abs({{ exact_corr('metric_doubled_rank', 'future_doubled_rank') }}) as future_alignment_score,
        abs({{ exact_corr('metric_doubled_rank', 'prior_doubled_rank') }}) as history_dependence_score,
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
