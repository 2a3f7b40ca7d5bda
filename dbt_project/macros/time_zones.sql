{#- Local time for a UTC timestamp, and back. DuckDB needs the session TimeZone set to UTC
    (profiles.yml does it); Spark has dedicated functions. -#}
{% macro to_local_timestamp(utc_timestamp, time_zone) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'bingewatch')(utc_timestamp, time_zone)) }}
{%- endmacro %}

{% macro default__to_local_timestamp(utc_timestamp, time_zone) -%}
    cast(timezone({{ time_zone }}, cast({{ utc_timestamp }} as timestamptz)) as timestamp)
{%- endmacro %}

{% macro spark__to_local_timestamp(utc_timestamp, time_zone) -%}
    from_utc_timestamp({{ utc_timestamp }}, {{ time_zone }})
{%- endmacro %}

{% macro local_to_utc_timestamp(local_timestamp, time_zone) -%}
    {{ return(adapter.dispatch('local_to_utc_timestamp', 'bingewatch')(local_timestamp, time_zone)) }}
{%- endmacro %}

{% macro default__local_to_utc_timestamp(local_timestamp, time_zone) -%}
    cast(timezone({{ time_zone }}, cast({{ local_timestamp }} as timestamp)) as timestamp)
{%- endmacro %}

{% macro spark__local_to_utc_timestamp(local_timestamp, time_zone) -%}
    to_utc_timestamp({{ local_timestamp }}, {{ time_zone }})
{%- endmacro %}

{% macro local_date(utc_timestamp, time_zone) -%}
    cast({{ to_local_timestamp(utc_timestamp, time_zone) }} as date)
{%- endmacro %}
