{{ config(unique_key='received_date') }}

-- Every rejected raw row with its reason (identifiers kept for debugging: internal only).

with

classified as (

    select * from {{ ref('int_playback_events_classified') }}

),

quarantined as (

    select
        event_id,
        account_id,
        profile_id,
        playback_session_id,
        title_id,
        event_type,
        quarantine_reason,
        source_file,
        media_offset_ms,
        source_row_number,
        received_date,
        event_at,
        received_at

    from classified
    where quarantine_reason is not null

)

select * from quarantined
