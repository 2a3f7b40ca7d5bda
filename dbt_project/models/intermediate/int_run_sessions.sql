{{ config(materialized='table') }}

-- The playback sessions that received clean events in this run: everything downstream is
-- recomputed for them (and for what they touch), nothing else.

with

events as (

    select * from {{ ref('int_playback_events_deduplicated') }}

),

run_sessions as (

    select distinct playback_session_id
    from events
    where received_date between {{ run_start_date() }} and {{ run_end_date() }}

)

select * from run_sessions
