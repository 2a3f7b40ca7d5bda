{#- The run's raw files. bingewatch.ledger writes warehouse/run_files.parquet before each build
    (source bingewatch.run_files): the batch (is_in_batch, every playback-events file the
    ledger has not processed yet) and the processed files of the arrival dates whose accounting
    the run recomputes. The models read only the batch's files, never a date range of folders,
    so a late file in an old partition costs what the file holds. -#}

{#- The batch's paths under raw/playback_events (received_date=YYYY-MM-DD/name.parquet). -#}
{% macro batch_file_paths() -%}
    {%- set run_files = source('bingewatch', 'run_files') -%}
    {%- if execute -%}
        {%- set result = run_query(
            'select path from ' ~ run_files ~ ' where is_in_batch order by path') -%}
        {{ return(result.columns[0].values() | list) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}

{#- A raw file's identity in every table: its path under raw/playback_events, the same on every
    engine (DuckDB gives the path it was handed, Spark a file: URI). -#}
{% macro raw_file_path(filename_column) -%}
    regexp_extract({{ filename_column }}, '(received_date=[^/]+/[^/]+)$', 1)
{%- endmacro %}

{#- Only the batch's raw rows, with the lineage columns filename and file_row_number. -#}
{% macro batch_raw_events() -%}
    {{ return(adapter.dispatch('batch_raw_events', 'bingewatch')()) }}
{%- endmacro %}

{% macro default__batch_raw_events() -%}
    {%- set paths = batch_file_paths() -%}
    {%- if paths -%}
        {%- set root = env_var('BINGEWATCH_DATA_DIR', '.') ~ '/raw/playback_events/' -%}
        read_parquet(
            [
            {%- for path in paths %}
                '{{ (root ~ path) | replace("'", "''") }}'{{ ',' if not loop.last }}
            {%- endfor %}
            ],
            hive_partitioning = true,
            union_by_name = true,
            filename = true,
            file_row_number = true
        )
    {%- else -%}
        (select * from {{ source('raw', 'playback_events') }} where false)
    {%- endif -%}
{%- endmacro %}

{#- Spark reads the raw folder through the source view; the arrival-date bounds prune its
    partitions, the path list keeps the batch's files. -#}
{% macro spark__batch_raw_events() -%}
    (
        select * from {{ source('raw', 'playback_events') }}
        where received_date between {{ run_start_date() }} and {{ run_end_date() }}
            and {{ raw_file_path('filename') }} in (
                select path from {{ ref('stg_bingewatch__run_files') }} where is_in_batch
            )
    )
{%- endmacro %}

{#- Predicate: the row comes from one of the batch's files (alias.source_file). -#}
{% macro in_batch_files(source_file_column) -%}
    {{ source_file_column }} in (
        select path from {{ ref('stg_bingewatch__run_files') }} where is_in_batch
    )
{%- endmacro %}

{#- The last arrival date whose rows a batch row can affect: a resent event repeats at most
    max_lateness_days + 1 days after its first copy. -#}
{% macro affected_end_date() -%}
    {{ dbt.dateadd('day', var('max_lateness_days') + 1, run_end_date()) }}
{%- endmacro %}

{#- The clean events of the run's sessions (events: int_playback_events_deduplicated,
    run_sessions: int_run_sessions), only the given columns: a session's events all arrive
    within max_lateness_days of the run's arrival dates, so older partitions are not read. -#}
{% macro run_session_events(events, run_sessions, columns) -%}
    select
        {%- for column in columns %}
        {{ events }}.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ events }}
    inner join {{ run_sessions }}
        on {{ events }}.playback_session_id = {{ run_sessions }}.playback_session_id
    where {{ events }}.received_date
        >= {{ dbt.dateadd('day', -(var('max_lateness_days') + 1), run_start_date()) }}
{%- endmacro %}
