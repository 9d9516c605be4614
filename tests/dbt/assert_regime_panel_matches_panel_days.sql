{%- set window_days = var('regime_window_days') | int -%}
{%- set max_lead = var('max_lead_days') | int %}
-- mart_long_term_regime_panel against fct_user_day_panel by joins (no window functions): every
-- step_<s>_* column equals the panel's column on day t+s, exposure happens only on active days,
-- the rows are exactly the population (active at t, enough history, complete follow-up), and the
-- follow-up outcomes are the sums over days t+k .. t+k+max_lead_days-1.
with

regime as (

    select * from {{ ref('mart_long_term_regime_panel') }}

),

panel as (

    select * from {{ ref('fct_user_day_panel') }}

),

step_failures as (

    {% for s in range(window_days) %}
        select
            regime.user_id,
            regime.event_date,
            'step {{ s }} differs from the panel on day t+{{ s }}' as failure
        from regime
        left join panel
            on
                regime.user_id = panel.user_id
                and regime.calendar_day_index + {{ s }} = panel.calendar_day_index
        where
            panel.user_id is null
            or regime.step_{{ s }}_treatment > regime.step_{{ s }}_active_day
            {% for source, name in regime_step_columns() -%}
                or regime.step_{{ s }}_{{ name }} is null
                or regime.step_{{ s }}_{{ name }} != panel.{{ source }}
            {% endfor %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

followup as (

    select
        regime.user_id,
        regime.event_date,
        count(*) as n_days,
        sum(panel.interactions) as interactions,
        sum(panel.active_day) as active_days
    from regime
    inner join panel
        on
            regime.user_id = panel.user_id
            and panel.calendar_day_index
            between regime.calendar_day_index + {{ window_days }}
            and regime.calendar_day_index + {{ window_days + max_lead - 1 }}
    group by regime.user_id, regime.event_date

),

followup_failures as (

    select
        regime.user_id,
        regime.event_date,
        'follow-up outcomes differ from the sums over the days after the window' as failure
    from regime
    left join followup
        on
            regime.user_id = followup.user_id
            and regime.event_date = followup.event_date
    where
        followup.n_days is null
        or followup.n_days != {{ max_lead }}
        or followup.interactions != regime.followup_interactions
        or followup.active_days != regime.followup_active_days

),

expected_rows as (

    select
        today.user_id,
        today.event_date
    from panel as today
    inner join panel as last_followup_day
        on
            today.user_id = last_followup_day.user_id
            and today.calendar_day_index + {{ window_days + max_lead - 1 }}
            = last_followup_day.calendar_day_index
    where
        today.active_day = 1
        and today.history_days >= {{ var('min_history_days') }}

),

population_failures as (

    select
        coalesce(expected_rows.user_id, regime.user_id) as user_id,
        coalesce(expected_rows.event_date, regime.event_date) as event_date,
        'row set differs from the population' as failure
    from expected_rows
    full outer join regime
        on
            expected_rows.user_id = regime.user_id
            and expected_rows.event_date = regime.event_date
    where expected_rows.user_id is null or regime.user_id is null

)

select * from step_failures
union all
select * from followup_failures
union all
select * from population_failures
