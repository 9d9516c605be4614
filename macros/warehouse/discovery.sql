{#
    The discovery attributes of each play of `relation` (a CTE of panel plays with video_id):
    every column of `relation` plus first_category (stg_kuairec__item_categories; NULL when
    unknown) and is_long_tail (int_item_popularity; 0 for videos without item_daily_features).
    The two small video tables are joined to each other first, so the plays are joined once.
#}
{% macro with_discovery_attributes(relation) -%}
    select
        {{ relation }}.*,
        videos.first_category,
        coalesce(videos.is_long_tail, 0) as is_long_tail
    from {{ relation }}
    left join (
        select
            coalesce(item_categories.video_id, item_popularity.video_id) as video_id,
            item_categories.first_category,
            item_popularity.is_long_tail
        from {{ ref('stg_kuairec__item_categories') }} as item_categories
        full outer join {{ ref('int_item_popularity') }} as item_popularity
            on item_categories.video_id = item_popularity.video_id
    ) as videos
        on {{ relation }}.video_id = videos.video_id
{%- endmacro %}


{#
    The order in which a user's plays of a category are compared to find the first one: by
    event_time (plays without a time last: `untimed` comes first, so NULL times are only ever
    compared with each other), then video_id, then the play's other values, so that plays equal
    on all of them are identical panel rows and the first play is defined without an arbitrary
    tie-break. min() of it over a (user, category) gives that first play and carries its fields
    (struct_field(..., 'event_date'), struct_field(..., 'is_long_tail')).
#}
{% macro category_play_order() -%}
    {{ ordered_struct([
        ['untimed', 'event_time is null'],
        ['event_time', 'event_time'],
        ['video_id', 'video_id'],
        ['event_date', 'event_date'],
        ['play_duration_ms', 'play_duration_ms'],
        ['video_duration_ms', 'video_duration_ms'],
        ['watch_ratio', 'watch_ratio'],
        ['is_long_tail', 'is_long_tail'],
    ]) }}
{%- endmacro %}
