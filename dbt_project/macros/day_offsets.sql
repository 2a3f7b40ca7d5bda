{#- A relation of integers 0..n-1 (column day_offset), to fan a row out over the days it spans. -#}
{% macro day_offsets(n) -%}
    {{ return(adapter.dispatch('day_offsets', 'bingewatch')(n)) }}
{%- endmacro %}

{% macro default__day_offsets(n) -%}
    (select cast(range as integer) as day_offset from range(0, {{ n }}))
{%- endmacro %}

{% macro spark__day_offsets(n) -%}
    (select explode(sequence(0, {{ n - 1 }})) as day_offset)
{%- endmacro %}
