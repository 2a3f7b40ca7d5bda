{#- The arrival dates a run processes, from the environment (not --vars: changing a var
    re-parses the whole project, an env var only the models that read it). The nightly run
    sets both to its logical date; a full refresh sets the whole range. -#}
{% macro run_start_date() -%}
    cast('{{ env_var("BINGEWATCH_RUN_START") }}' as date)
{%- endmacro %}

{% macro run_end_date() -%}
    cast('{{ env_var("BINGEWATCH_RUN_END") }}' as date)
{%- endmacro %}
