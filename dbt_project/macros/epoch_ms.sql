{#- Milliseconds since the epoch of a timestamp, and the difference of two. -#}
{% macro epoch_ms(ts) -%}
    {{ return(adapter.dispatch('epoch_ms', 'bingewatch')(ts)) }}
{%- endmacro %}

{% macro default__epoch_ms(ts) -%}
    epoch_ms(cast({{ ts }} as timestamp))
{%- endmacro %}

{% macro spark__epoch_ms(ts) -%}
    unix_millis(cast({{ ts }} as timestamp))
{%- endmacro %}

{% macro milliseconds_between(start_ts, end_ts) -%}
    ({{ epoch_ms(end_ts) }} - {{ epoch_ms(start_ts) }})
{%- endmacro %}

{% macro add_milliseconds(ts, ms) -%}
    {{ return(adapter.dispatch('add_milliseconds', 'bingewatch')(ts, ms)) }}
{%- endmacro %}

{% macro default__add_milliseconds(ts, ms) -%}
    ({{ ts }} + to_milliseconds(cast({{ ms }} as bigint)))
{%- endmacro %}

{% macro spark__add_milliseconds(ts, ms) -%}
    timestamp_millis(unix_millis({{ ts }}) + cast({{ ms }} as bigint))
{%- endmacro %}
