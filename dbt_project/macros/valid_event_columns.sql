{#- The columns of a valid playback event, as int_playback_events_valid stores them and
    int_playback_events_deduplicated passes them on (is_duplicate aside), in one place.
    `alias`: the relation to qualify them with. -#}
{% macro valid_event_columns(alias=none) -%}
    {%- set columns = [
        'event_id', 'account_id', 'profile_id', 'playback_session_id', 'title_id', 'event_type',
        'device_type', 'country_code', 'app_version', 'media_offset_ms', 'source_file',
        'source_row_number', 'is_autoplay', 'received_date', 'event_at', 'received_at',
    ] -%}
    {%- for column in columns %}
        {{ alias ~ '.' if alias }}{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
