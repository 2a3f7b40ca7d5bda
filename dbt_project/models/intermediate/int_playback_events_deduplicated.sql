{{ config(unique_key='received_date') }}

-- Clean events: valid, and the first row of each event_id. A client retry can arrive up to
-- max_lateness_days later, so earlier arrival dates are searched that far back only.

with

classified as (

    select * from {{ ref('int_playback_events_classified') }}

),

first_in_batch as (

    select * from classified
    where quarantine_reason is null
        and event_id_occurrence = 1

),

{% if is_incremental() %}
kept_earlier as (

    select event_id from {{ this }}
    where received_date < {{ run_start_date() }}
        and received_date >= {{ dbt.dateadd('day', -(var('max_lateness_days') + 1), run_start_date()) }}

),
{% endif %}

deduplicated as (

    select
        event_id,
        account_id,
        profile_id,
        playback_session_id,
        title_id,
        event_type,
        device_type,
        country_code,
        app_version,
        media_offset_ms,
        source_file,
        source_row_number,
        is_autoplay,
        received_date,
        event_at,
        received_at

    from first_in_batch
    {% if is_incremental() %}
    where not exists (
        select 1 from kept_earlier
        where kept_earlier.event_id = first_in_batch.event_id
    )
    {% endif %}

)

select * from deduplicated
