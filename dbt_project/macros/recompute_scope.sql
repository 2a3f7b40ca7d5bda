{#- Incremental models keyed by viewer and local date rewrite exactly the days a run touches:
    for each viewer in int_recompute_scope, every local date from its recompute_from_date on.
    Used as a pre_hook: it deletes that scope, and the model's select inserts it again
    (incremental_strategy append), so a rerun gives identical rows. -#}
{% macro delete_recompute_scope(date_column, viewer_column='profile_id') -%}
    {{ return(adapter.dispatch('delete_recompute_scope', 'bingewatch')(date_column, viewer_column)) }}
{%- endmacro %}

{% macro default__delete_recompute_scope(date_column, viewer_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where exists (
            select 1
            from {{ ref('int_recompute_scope') }} as recompute_scope
            where recompute_scope.{{ viewer_column }} = {{ this }}.{{ viewer_column }}
                and {{ this }}.{{ date_column }} >= recompute_scope.recompute_from_date
        )
    {%- endif -%}
{%- endmacro %}

{#- Spark: the same rows, removed by rewriting the date partitions that hold them
    (spark_deletes.sql); these models are partitioned by date_column there (dbt_project.yml). -#}
{% macro spark__delete_recompute_scope(date_column, viewer_column) -%}
    {%- if is_incremental() -%}
        {%- do bingewatch.spark_delete_rows(
            this,
            'exists (select 1 from ' ~ ref('int_recompute_scope') ~ ' as recompute_scope'
            ~ ' where recompute_scope.' ~ viewer_column ~ ' = existing.' ~ viewer_column
            ~ ' and existing.' ~ date_column ~ ' >= recompute_scope.recompute_from_date)',
            partition_column=date_column) -%}
    {%- endif -%}
{%- endmacro %}
