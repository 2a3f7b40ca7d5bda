{{ config(unique_key='playback_session_id') }}

-- One row per playback session: what was played, when, for how long, and whether it was
-- completed. Sessions without `stopped` end at their last event (docs/definitions.md).

with

events as (

    select * from {{ ref('int_playback_events_deduplicated') }}

),

run_sessions as (

    select * from {{ ref('int_run_sessions') }}

),

intervals as (

    select * from {{ ref('int_playback_intervals') }}

),

titles as (

    select * from {{ ref('stg_raw__titles') }}

),

-- Only the columns used below: the CTE is read twice, so it is held, not streamed.
session_events as (

    {{ run_session_events('events', 'run_sessions', [
        'playback_session_id', 'profile_id', 'title_id', 'device_type',
        'event_type', 'media_offset_ms', 'is_autoplay', 'event_at',
    ]) }}

),

first_stop as (

    select
        playback_session_id,
        min(event_at) as stopped_at

    from session_events
    where event_type = 'stopped'
    group by 1

),

event_facts as (

    select
        session_events.playback_session_id,
        min(session_events.profile_id) as profile_id,
        min(session_events.title_id) as title_id,
        min(session_events.device_type) as device_type,
        count(*) as event_count,
        count(case when session_events.event_at > first_stop.stopped_at then 1 end)
            as orphan_event_count,
        max(case
            when first_stop.stopped_at is null or session_events.event_at <= first_stop.stopped_at
                then session_events.media_offset_ms
        end) as max_media_offset_ms,
        bool_or(session_events.is_autoplay) as is_autoplay,
        bool_or(session_events.event_type in ('paused', 'reposition')) as has_interaction,
        first_stop.stopped_at is not null as has_stopped,
        min(session_events.event_at) as started_at,
        coalesce(first_stop.stopped_at, max(session_events.event_at)) as ended_at

    from session_events
    left join first_stop
        on session_events.playback_session_id = first_stop.playback_session_id
    group by session_events.playback_session_id, first_stop.stopped_at

),

watched as (

    select
        playback_session_id,
        sum({{ milliseconds_between('interval_started_at', 'interval_ended_at') }}) as watch_ms

    from intervals
    group by 1

),

sessions as (

    select
        event_facts.playback_session_id,
        event_facts.profile_id,
        event_facts.title_id,
        event_facts.device_type,
        event_facts.event_count,
        event_facts.orphan_event_count,
        event_facts.max_media_offset_ms,
        coalesce(watched.watch_ms, 0) as watch_ms,
        event_facts.is_autoplay,
        event_facts.has_stopped,
        not coalesce(event_facts.is_autoplay, false) or event_facts.has_interaction
            as is_interactive,
        coalesce(
            event_facts.max_media_offset_ms
            >= {{ var('completion_share') }} * titles.runtime_s * 1000,
            false
        ) as is_completed,
        event_facts.started_at,
        event_facts.ended_at

    from event_facts
    left join watched
        on event_facts.playback_session_id = watched.playback_session_id
    left join titles
        on event_facts.title_id = titles.title_id

)

select * from sessions
