{#
    The discovery attributes of each play of `relation` (a CTE of panel plays with video_id):
    every column of `relation` plus first_category (stg_kuairec__item_categories; NULL when
    unknown), category_number (the rank of first_category among all first categories, from 0;
    see count_distinct_categories) and is_long_tail (int_item_popularity; 0 for videos without
    item_daily_features). The small video tables are joined to each other first, so the plays
    are joined once.
#}
{% macro with_discovery_attributes(relation) -%}
    select
        {{ relation }}.*,
        videos.first_category,
        videos.category_number,
        coalesce(videos.is_long_tail, 0) as is_long_tail
    from {{ relation }}
    left join (
        select
            coalesce(item_categories.video_id, item_popularity.video_id) as video_id,
            item_categories.first_category,
            category_numbers.category_number,
            item_popularity.is_long_tail
        from {{ ref('stg_kuairec__item_categories') }} as item_categories
        left join (
            select
                first_category,
                dense_rank() over (order by first_category) - 1 as category_number
            from (
                select distinct first_category
                from {{ ref('stg_kuairec__item_categories') }}
                where first_category is not null
            ) as categories
        ) as category_numbers
            on item_categories.first_category = category_numbers.first_category
        full outer join {{ ref('int_item_popularity') }} as item_popularity
            on item_categories.video_id = item_popularity.video_id
    ) as videos
        on {{ relation }}.video_id = videos.video_id
{%- endmacro %}


{#
    count(distinct first_category) of a group of plays from with_discovery_attributes(), as
    bit_count of bit_or of one bit per category_number, in 63-bit words: one word for KuaiRec's
    31 first categories, as many as the data need (counted when the model runs; one when the
    table does not exist yet, e.g. when only compiling). Exact, and
    without the hash table of a distinct aggregate over every play.
#}
{% macro count_distinct_categories() -%}
    {%- set word_bits = 63 -%}
    {%- set words = 1 -%}
    {%- set categories = ref('stg_kuairec__item_categories') -%}
    {%- if execute and load_relation(categories) is not none -%}
        {%- set counted = run_query(
            'select count(distinct first_category) from ' ~ categories
        ).columns[0].values()[0] -%}
        {%- set words = [((counted or 0) + word_bits - 1) // word_bits, 1] | max -%}
    {%- endif -%}
    cast(
        {%- for word in range(words) %}
        coalesce(bit_count(bit_or(
            case
                when category_number >= {{ word * word_bits }}
                    and category_number < {{ (word + 1) * word_bits }}
                    then {{ bit_flag('category_number - ' ~ word * word_bits) }}
            end
        )), 0){{ ' +' if not loop.last }}
        {%- endfor %}
        as bigint
    )
{%- endmacro %}


{#
    The order in which a user's plays of a category are compared to find the first one: by
    event_time (plays without a time last: `untimed` comes first, so NULL times are only ever
    compared with each other), then video_id, then event_date; it carries is_long_tail. min() of
    it over a (user, category) gives the first play and its fields (struct_field(...,
    'event_date'), struct_field(..., 'is_long_tail')). Plays equal on this key fall on the same
    day and video, so which of them is "the first" changes no count.
#}
{% macro category_play_order() -%}
    {{ ordered_struct([
        ['untimed', 'event_time is null'],
        ['event_time', 'event_time'],
        ['video_id', 'video_id'],
        ['event_date', 'event_date'],
        ['is_long_tail', 'is_long_tail'],
    ]) }}
{%- endmacro %}
