{#- dbt.dateadd on Spark. dbt-spark's own version goes through to_unix_timestamp, which drops
    milliseconds (received_at + 600 s would lose them) and fails on nulls. timestampadd keeps
    the precision and, like DuckDB's date + interval, returns a timestamp for a date argument. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
