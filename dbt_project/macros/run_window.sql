{#- The arrival dates a run processes, from the environment (not --vars: changing a var
    re-parses the whole project). The nightly run sets both to its batch's first and last
    arrival dates; a full refresh sets the whole range.

    The env var is read only at execution time: dbt's partial parsing re-parses every file that
    read an env var whose value changed, and the window changes every night, while nothing the
    parser records (refs, sources, configs) depends on it. At parse time the macros stand in a
    null date. -#}
{% macro run_start_date() -%}
    {%- if execute -%}
        cast('{{ env_var("BINGEWATCH_RUN_START") }}' as date)
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}

{% macro run_end_date() -%}
    {%- if execute -%}
        cast('{{ env_var("BINGEWATCH_RUN_END") }}' as date)
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}
