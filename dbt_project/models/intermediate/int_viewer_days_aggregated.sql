{{
    config(
        incremental_strategy='append',
        pre_hook="{{ delete_recompute_scope('activity_date') }}"
    )
}}

-- One row per profile per local day with any watching (docs/definitions.md, Viewer-days).

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

segments as (

    select * from {{ ref('int_viewing_segments_split') }}

),

sessions as (

    select * from {{ ref('int_playback_sessions_classified') }}

),

titles as (

    select * from {{ ref('stg_raw__titles') }}

),

scoped_segments as (

    select segments.*
    from segments
    inner join scope
        on segments.profile_id = scope.profile_id
    where segments.activity_date >= scope.recompute_from_date

),

scoped_sessions as (

    select
        sessions.*,
        titles.is_episode

    from sessions
    inner join scope
        on sessions.profile_id = scope.profile_id
    left join titles
        on sessions.title_id = titles.title_id
    where sessions.local_end_date >= scope.recompute_from_date

),

night_bounded as (

    select
        *,
        {{ local_to_utc_timestamp(
            dbt.dateadd('hour', var('night_end_hour'), 'cast(activity_date as timestamp)'), 'time_zone'
        ) }} as night_ended_at

    from scoped_segments

),

blocks_flagged as (

    select
        *,
        {{ starts_new_island(
            'segment_started_at', 'max(segment_ended_at) over day_order', var('marathon_max_gap_s') * 1000
        ) }} as is_new_block

    from night_bounded
    window day_order as (
        partition by profile_id, activity_date
        order by segment_started_at, playback_session_id, stretch_number
        rows between unbounded preceding and 1 preceding
    )

),

blocks_numbered as (

    select
        *,
        {{ island_number(
            'is_new_block', 'profile_id, activity_date', 'segment_started_at, playback_session_id, stretch_number'
        ) }} as block_number

    from blocks_flagged

),

blocks as (

    select
        profile_id,
        activity_date,
        max({{ milliseconds_between('block_started_at', 'block_ended_at') }}) as longest_continuous_ms

    from (
        select
            profile_id,
            activity_date,
            block_number,
            min(segment_started_at) as block_started_at,
            max(segment_ended_at) as block_ended_at
        from blocks_numbered
        group by 1, 2, 3
    ) as day_blocks
    group by 1, 2

),

watching as (

    select
        profile_id,
        activity_date,
        min(time_zone) as time_zone,
        min(day_length_ms) as day_length_ms,
        sum(watch_ms) as watch_ms,
        sum(case when is_attended then watch_ms else 0 end) as attended_ms,
        sum(case when not is_attended then watch_ms else 0 end) as unattended_ms,
        sum(case
            when segment_started_at < night_ended_at
                then {{ milliseconds_between(
                    'segment_started_at', 'least(segment_ended_at, night_ended_at)'
                ) }}
            else 0
        end) as night_watch_ms,
        count(distinct playback_session_id) as sessions,
        count(distinct case when is_episode then show_id end) as distinct_series,
        count(distinct device_type) as devices,
        min(segment_started_at) as first_play_at,
        max(segment_ended_at) as last_play_at

    from night_bounded
    group by 1, 2

),

started as (

    select
        profile_id,
        local_start_date as activity_date,
        count(distinct title_id) as titles_started

    from scoped_sessions
    group by 1, 2

),

completed as (

    select
        profile_id,
        local_end_date as activity_date,
        count(distinct title_id) as episodes_completed

    from scoped_sessions
    where is_completed and is_episode
    group by 1, 2

),

viewer_days as (

    select
        watching.profile_id,
        watching.time_zone,
        watching.day_length_ms,
        watching.watch_ms,
        watching.attended_ms,
        watching.unattended_ms,
        watching.night_watch_ms,
        blocks.longest_continuous_ms,
        watching.sessions,
        coalesce(started.titles_started, 0) as titles_started,
        coalesce(completed.episodes_completed, 0) as episodes_completed,
        watching.distinct_series,
        watching.devices,
        watching.activity_date,
        watching.first_play_at,
        watching.last_play_at

    from watching
    left join blocks
        on watching.profile_id = blocks.profile_id
        and watching.activity_date = blocks.activity_date
    left join started
        on watching.profile_id = started.profile_id
        and watching.activity_date = started.activity_date
    left join completed
        on watching.profile_id = completed.profile_id
        and watching.activity_date = completed.activity_date

)

select * from viewer_days
