{{ config(materialized='table') }}

-- The playback sessions whose clean events this run changed: those of its batch's clean
-- rows, and those of stored rows its batch turned into duplicates. Everything downstream is
-- recomputed for them (and for what they touch), nothing else.

with

valid as (

    select * from {{ ref('int_playback_events_valid') }}

),

batch_sessions as (

    select playback_session_id
    from valid
    where received_date between {{ run_start_date() }} and {{ run_end_date() }}
        and not is_duplicate
        and {{ in_batch_files('source_file') }}

),

batch_event_ids as (

    select event_id
    from valid
    where received_date between {{ run_start_date() }} and {{ run_end_date() }}
        and {{ in_batch_files('source_file') }}

),

newly_duplicated_sessions as (

    select valid.playback_session_id
    from valid
    where valid.received_date between {{ run_start_date() }} and {{ affected_end_date() }}
        and valid.is_duplicate
        and not {{ in_batch_files('valid.source_file') }}
        and valid.event_id in (select event_id from batch_event_ids)

),

run_sessions as (

    select playback_session_id from batch_sessions
    union
    select playback_session_id from newly_duplicated_sessions

)

select * from run_sessions
