{{ config(materialized='table') }}

-- Watching intervals of the run's sessions, from all their clean events (late ones included):
-- from each start/playing/heartbeat/reposition event to the session's next event, capped at
-- max_event_gap_s. Events after the first `stopped` are orphans and are left out.

with

events as (

    select * from {{ ref('int_playback_events_deduplicated') }}

),

run_sessions as (

    select * from {{ ref('int_run_sessions') }}

),

-- Only the columns the windows need: they carry every selected column through their sort.
session_events as (

    {{ run_session_events('events', 'run_sessions', [
        'playback_session_id', 'event_id', 'event_type', 'event_at',
    ]) }}

),

stops_counted as (

    select
        *,
        coalesce(sum(case when event_type = 'stopped' then 1 else 0 end) over (
            partition by playback_session_id
            order by event_at, event_id
            rows between unbounded preceding and 1 preceding
        ), 0) as stops_before

    from session_events

),

followed as (

    select
        *,
        lead(event_at) over (
            partition by playback_session_id order by event_at, event_id
        ) as next_event_at

    from stops_counted
    where stops_before = 0

),

intervals as (

    select
        playback_session_id,
        event_at as interval_started_at,
        least(
            next_event_at,
            {{ add_milliseconds('event_at', var('max_event_gap_s') * 1000) }}
        ) as interval_ended_at

    from followed
    where event_type in ('start', 'playing', 'heartbeat', 'reposition')
        and next_event_at is not null
        and next_event_at > event_at

)

select * from intervals
