{{ config(materialized='view') }}

-- Clean events: valid rows that are not duplicates, one per event_id within the deduplication
-- window (int_playback_events_valid decides which copy is first).

with

valid as (

    select * from {{ ref('int_playback_events_valid') }}

),

deduplicated as (

    select
        {{ valid_event_columns() }}

    from valid
    where not is_duplicate

)

select * from deduplicated
