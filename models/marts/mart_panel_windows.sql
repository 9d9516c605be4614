{#-
    The panel's windows as built (one row): the window vars and the column-name prefixes they
    generate (prior_window_column, short_horizon_column, horizon_column). The studies and the
    report read the windows here and derive the window column names from them
    (kuairec_causal.windows), so nothing downstream assumes the default windows.
-#}
select
    {{ var('history_window_days') | int }} as history_window_days,
    {{ var('short_horizon_days') | int }} as short_horizon_days,
    {{ var('max_lead_days') | int }} as max_lead_days,
    {{ var('min_history_days') | int }} as min_history_days,
    '{{ prior_window_column("") }}' as prior_window_prefix,
    '{{ short_horizon_column("") }}' as short_horizon_prefix,
    '{{ horizon_column("") }}' as horizon_prefix,
    '{{ build_id() }}' as build_id
