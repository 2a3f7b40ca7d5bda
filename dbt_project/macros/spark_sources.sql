{#- Sources on Spark. DuckDB reads the raw Parquet files in place (external_location in
    models/staging/_raw__sources.yml); Spark reads the same files through permanent views,
    (re)created by the on-run-start hook of every invocation, so new arrival-date folders are
    seen without registering partitions. The playback events carry the same two lineage
    columns DuckDB's read_parquet(filename = true, file_row_number = true) adds. -#}
{% macro create_source_views() -%}
    {{ return(adapter.dispatch('create_source_views', 'bingewatch')()) }}
{%- endmacro %}

{% macro default__create_source_views() -%}
    {#- Nothing to create: the sources' external_location reads the files directly. -#}
{%- endmacro %}

{% macro spark__create_source_views() -%}
    {%- if execute -%}
        {%- set data_dir = env_var('BINGEWATCH_DATA_DIR') -%}
        {%- set views = [
            ('raw', 'playback_events', data_dir ~ '/raw/playback_events',
                '_metadata.file_path as filename, _metadata.row_index as file_row_number'),
            ('raw', 'profiles', data_dir ~ '/raw/profiles', none),
            ('raw', 'titles', data_dir ~ '/raw/titles', none),
            ('raw', 'erasure_requests', data_dir ~ '/raw/erasure_requests', none),
            ('bingewatch', 'viewer_keys', data_dir ~ '/warehouse/viewer_keys.parquet', none),
            ('bingewatch', 'run_files', data_dir ~ '/warehouse/run_files.parquet', none),
            ('reference', 'profiles', data_dir ~ '/warehouse/reference/profiles.parquet', none),
            ('reference', 'titles', data_dir ~ '/warehouse/reference/titles.parquet', none),
            ('reference', 'erasure_requests', data_dir ~ '/warehouse/reference/erasure_requests.parquet', none),
            ('reference', 'rejected', data_dir ~ '/warehouse/reference/rejected.parquet', none),
        ] -%}
        {%- for schema, name, path, lineage_columns in views -%}
            {%- do run_query('create schema if not exists ' ~ schema) -%}
            {%- do run_query(
                'create or replace view ' ~ schema ~ '.' ~ name ~ ' as select *'
                ~ (', ' ~ lineage_columns if lineage_columns else '')
                ~ ' from parquet.`' ~ path ~ '`') -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
