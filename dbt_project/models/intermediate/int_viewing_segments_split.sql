{{
    config(
        incremental_strategy='append',
        pre_hook="{{ delete_recompute_scope('activity_date') }}"
    )
}}

-- Watching stretches split at the viewer's local midnight: one row per stretch per local day,
-- with the day's UTC bounds (a DST day lasts 23 or 25 hours).

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

sessions as (

    select * from {{ ref('int_playback_sessions_classified') }}

),

stretches as (

    select * from {{ ref('int_playback_stretches') }}

),

titles as (

    select * from {{ ref('stg_raw__titles') }}

),

scoped_sessions as (

    select
        sessions.*,
        scope.recompute_from_date

    from sessions
    inner join scope
        on sessions.profile_id = scope.profile_id
    where sessions.local_end_date >= scope.recompute_from_date

),

scoped_stretches as (

    select
        scoped_sessions.playback_session_id,
        scoped_sessions.profile_id,
        scoped_sessions.title_id,
        scoped_sessions.device_type,
        scoped_sessions.time_zone,
        scoped_sessions.recompute_from_date,
        scoped_sessions.is_unattended,
        stretches.stretch_number,
        stretches.stretch_started_at,
        stretches.stretch_ended_at,
        {{ local_date('stretches.stretch_started_at', 'scoped_sessions.time_zone') }}
            as local_start_date,
        {{ local_date('stretches.stretch_ended_at', 'scoped_sessions.time_zone') }}
            as local_end_date

    from scoped_sessions
    inner join stretches
        on scoped_sessions.playback_session_id = stretches.playback_session_id

),

fanned_out as (

    select
        scoped_stretches.*,
        cast(
            {{ dbt.dateadd('day', 'day_offsets.day_offset', 'scoped_stretches.local_start_date') }}
            as date
        ) as activity_date

    from scoped_stretches
    cross join {{ day_offsets(var('max_stretch_local_days')) }} as day_offsets
    where day_offsets.day_offset
        <= {{ dbt.datediff('scoped_stretches.local_start_date', 'scoped_stretches.local_end_date', 'day') }}

),

day_bounded as (

    select
        *,
        {{ local_to_utc_timestamp('cast(activity_date as timestamp)', 'time_zone') }} as day_started_at,
        {{ local_to_utc_timestamp(
            'cast(' ~ dbt.dateadd('day', 1, 'activity_date') ~ ' as timestamp)', 'time_zone') }}
            as day_ended_at

    from fanned_out

),

segments as (

    select
        day_bounded.playback_session_id,
        day_bounded.stretch_number,
        day_bounded.profile_id,
        day_bounded.title_id,
        titles.show_id,
        titles.show_title,
        day_bounded.device_type,
        day_bounded.time_zone,
        {{ milliseconds_between('day_bounded.day_started_at', 'day_bounded.day_ended_at') }}
            as day_length_ms,
        {{ milliseconds_between(
            'greatest(day_bounded.stretch_started_at, day_bounded.day_started_at)',
            'least(day_bounded.stretch_ended_at, day_bounded.day_ended_at)') }} as watch_ms,
        titles.is_episode,
        titles.is_feature,
        not day_bounded.is_unattended as is_attended,
        day_bounded.activity_date,
        day_bounded.day_started_at,
        greatest(day_bounded.stretch_started_at, day_bounded.day_started_at) as segment_started_at,
        least(day_bounded.stretch_ended_at, day_bounded.day_ended_at) as segment_ended_at

    from day_bounded
    left join titles
        on day_bounded.title_id = titles.title_id
    where day_bounded.activity_date >= day_bounded.recompute_from_date
        and day_bounded.stretch_ended_at > day_bounded.day_started_at
        and day_bounded.stretch_started_at < day_bounded.day_ended_at

)

select * from segments
