{{ config(materialized='view') }}

-- Clean events: valid rows that are not duplicates, one per event_id within the deduplication
-- window (int_playback_events_valid decides which copy is first).

with

valid as (

    select * from {{ ref('int_playback_events_valid') }}

),

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

    from valid
    where not is_duplicate

)

select * from deduplicated
