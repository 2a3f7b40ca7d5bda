{#- Deleting rows on Spark. Plain Parquet tables cannot DELETE (that needs a table format such
    as Delta or Iceberg, whose jars would be downloaded at run time). Where DuckDB deletes rows
    before an incremental insert, Spark rewrites what holds them instead:
    - a table partitioned by date: the partitions holding deleted rows are overwritten with the
      rows they keep (dynamic partition overwrite), and partitions left with no row are dropped;
    - an unpartitioned table: rewritten whole through a side table (Spark refuses to overwrite a
      table it reads in the same statement unless the overwrite is by dynamic partition).
    `deleted` is a predicate on the existing row, aliased `existing`. Nothing is rewritten when
    no row matches. Statements run here (run_query); the macro renders no SQL of its own. -#}
{% macro spark_delete_rows(relation, deleted, partition_column=none) -%}
    {%- if execute -%}
        {%- set deleted = '(' ~ deleted ~ ')' -%}
        {%- if partition_column -%}
            {%- set partition_value = 'cast(existing.' ~ partition_column ~ ' as string)' -%}
            {%- set touched = run_query(
                'select distinct ' ~ partition_value ~ ' from ' ~ relation ~ ' as existing'
                ~ ' where ' ~ deleted).columns[0].values() | list -%}
            {%- if touched -%}
                {%- set in_touched = partition_value ~ " in ('" ~ touched | join("', '") ~ "')" -%}
                {%- set keeping = run_query(
                    'select distinct ' ~ partition_value ~ ' from ' ~ relation ~ ' as existing'
                    ~ ' where ' ~ in_touched ~ ' and not ' ~ deleted).columns[0].values() | list -%}
                {%- if keeping -%}
                    {%- do run_query('set spark.sql.sources.partitionOverwriteMode = DYNAMIC') -%}
                    {%- do run_query(
                        'insert overwrite table ' ~ relation ~ ' partition (' ~ partition_column ~ ')'
                        ~ ' select existing.* from ' ~ relation ~ ' as existing'
                        ~ ' where ' ~ in_touched ~ ' and not ' ~ deleted) -%}
                {%- endif -%}
                {%- set emptied = touched | reject('in', keeping) | list -%}
                {%- if emptied -%}
                    {%- set partitions = [] -%}
                    {%- for value in emptied -%}
                        {%- do partitions.append('partition (' ~ partition_column ~ " = '" ~ value ~ "')") -%}
                    {%- endfor -%}
                    {%- do run_query(
                        'alter table ' ~ relation ~ ' drop if exists ' ~ partitions | join(', ')) -%}
                {%- endif -%}
            {%- endif -%}
        {%- else -%}
            {%- set matched = run_query(
                'select count(*) from ' ~ relation ~ ' as existing where ' ~ deleted
            ).columns[0].values()[0] -%}
            {%- if matched > 0 -%}
                {%- set kept = relation.incorporate(
                    path={'identifier': relation.identifier ~ '__bingewatch_kept'}) -%}
                {%- do run_query('drop table if exists ' ~ kept) -%}
                {%- do run_query(
                    'create table ' ~ kept ~ ' using parquet as select existing.* from '
                    ~ relation ~ ' as existing where not ' ~ deleted) -%}
                {%- do run_query('insert overwrite table ' ~ relation ~ ' select * from ' ~ kept) -%}
                {%- do run_query('drop table ' ~ kept) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- Models keyed by playback_session_id (int_playback_sessions_reconstructed,
    int_playback_stretches): DuckDB replaces rows through delete+insert on that unique_key, i.e.
    deletes the sessions present in the new rows. Those are exactly the sessions of the model the
    new rows come from (int_run_sessions, int_playback_intervals), so Spark deletes them first
    and appends (dbt_project.yml). -#}
{% macro delete_sessions_in(model_name) -%}
    {{ return(adapter.dispatch('delete_sessions_in', 'bingewatch')(model_name)) }}
{%- endmacro %}

{% macro default__delete_sessions_in(model_name) -%}
    {#- delete+insert on unique_key does it. -#}
{%- endmacro %}

{% macro spark__delete_sessions_in(model_name) -%}
    {%- if is_incremental() -%}
        {%- do bingewatch.spark_delete_rows(
            this,
            'exists (select 1 from ' ~ ref(model_name) ~ ' as new_sessions'
            ~ ' where new_sessions.playback_session_id = existing.playback_session_id)') -%}
    {%- endif -%}
{%- endmacro %}
