{#
    Registers the raw Parquet files written by ingest as views raw.<name> so that sources in
    schema `raw` resolve on every engine. Called from the on-run-start hook in dbt_project.yml.
    The directory comes from env var KUAIREC_RAW_DIR (default 'warehouse/raw'); the list of raw
    tables mirrors python/kuairec_causal/raw_schema.py.
#}
{% macro raw_table_names() -%}
    {{ return([
        'small_matrix',
        'big_matrix',
        'user_features',
        'item_categories',
        'item_daily_features',
        'kuairec_caption_category',
        'social_network',
        'ground_truth',
    ]) }}
{%- endmacro %}

{# Columns of the optional ground_truth table (empty view when its file is absent). #}
{% macro ground_truth_columns() -%}
    {{ return([
        ('interaction_matrix', 'varchar'),
        ('study', 'varchar'),
        ('estimand', 'varchar'),
        ('outcome', 'varchar'),
        ('value', 'double'),
        ('population_rows', 'bigint'),
    ]) }}
{%- endmacro %}

{% macro raw_data_dir() -%}
    {%- set raw_dir = env_var('KUAIREC_RAW_DIR', 'warehouse/raw') | trim | replace('\\', '/') -%}
    {%- if raw_dir | length > 1 and raw_dir.endswith('/') -%}
        {%- set raw_dir = raw_dir[:-1] -%}
    {%- endif -%}
    {{ return(raw_dir) }}
{%- endmacro %}

{#
    var register_raw_tables: false leaves the raw views as they are (the effect-table builds of
    `kuairec-causal estimate` run in the published warehouse, whose raw views must keep reading
    the raw snapshot that build pinned).
#}
{% macro register_raw_tables() -%}
    {%- if not var('register_raw_tables', true) -%}
        {{ return('select 1 as raw_tables_registered') }}
    {%- endif -%}
    {{ return(adapter.dispatch('register_raw_tables', 'kuairec_causal')()) }}
{%- endmacro %}

{% macro duckdb__register_raw_tables() -%}
    {%- if execute -%}
        {%- set raw_dir = raw_data_dir() -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for name in raw_table_names() -%}
            {%- set path = raw_dir ~ '/' ~ name ~ '.parquet' -%}
            {%- set found = run_query("select count(*) from glob('" ~ path | replace("'", "''") ~ "')").columns[0].values()[0] -%}
            {%- if found > 0 -%}
                {%- do run_query(
                    "create or replace view raw." ~ name
                    ~ " as select * from read_parquet('" ~ path | replace("'", "''") ~ "')"
                ) -%}
            {%- elif name == 'ground_truth' -%}
                {%- set cols = [] -%}
                {%- for col, col_type in ground_truth_columns() -%}
                    {%- do cols.append('cast(null as ' ~ col_type ~ ') as ' ~ col) -%}
                {%- endfor -%}
                {%- do run_query(
                    "create or replace view raw.ground_truth as select "
                    ~ cols | join(', ') ~ " where 1 = 0"
                ) -%}
            {%- else -%}
                {%- do log('register_raw_tables: ' ~ path ~ ' not found; raw.' ~ name ~ ' is not registered', info=true) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as raw_tables_registered
{%- endmacro %}

{#
    Spark: the same views over the Parquet files (not yet exercised by the test suite).
#}
{% macro spark__register_raw_tables() -%}
    {%- if execute -%}
        {%- set raw_dir = raw_data_dir() -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for name in raw_table_names() -%}
            {%- do run_query(
                "create or replace view raw." ~ name
                ~ " as select * from parquet.`" ~ raw_dir ~ "/" ~ name ~ ".parquet`"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as raw_tables_registered
{%- endmacro %}
