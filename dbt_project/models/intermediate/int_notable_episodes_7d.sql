{{ config(materialized='view') }}

-- Rule episodes_7d: distinct episodes with an attended, completed session ending in the seven
-- local days up to an activity day of the viewer.

{#- The window's first day, relative to its last: notable_window_days days in all. -#}
{%- set window_start_offset = -(var('notable_window_days') - 1) %}

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

viewer_days as (

    select * from {{ ref('int_viewer_days_aggregated') }}

),

sessions as (

    select * from {{ ref('int_playback_sessions_classified') }}

),

titles as (

    select * from {{ ref('stg_raw__titles') }}

),

activity_days as (

    select
        viewer_days.profile_id,
        viewer_days.activity_date

    from viewer_days
    inner join scope
        on viewer_days.profile_id = scope.profile_id
    where viewer_days.activity_date >= scope.recompute_from_date
        and viewer_days.attended_ms > 0

),

completed_episodes as (

    select
        sessions.profile_id,
        sessions.title_id,
        sessions.local_end_date

    from sessions
    inner join scope
        on sessions.profile_id = scope.profile_id
    inner join titles
        on sessions.title_id = titles.title_id
    where sessions.local_end_date
        >= {{ dbt.dateadd('day', window_start_offset, 'scope.recompute_from_date') }}
        and sessions.is_completed
        and not sessions.is_unattended
        and titles.is_episode

),

windows as (

    select
        activity_days.profile_id,
        activity_days.activity_date,
        count(distinct completed_episodes.title_id) as episodes

    from activity_days
    inner join completed_episodes
        on activity_days.profile_id = completed_episodes.profile_id
        and completed_episodes.local_end_date
        between {{ dbt.dateadd('day', window_start_offset, 'activity_days.activity_date') }}
        and activity_days.activity_date
    group by 1, 2

),

notable as (

    select
        profile_id,
        'episodes_7d' as rule,
        cast(null as {{ dbt.type_string() }}) as evidence,
        cast(episodes as double) as metric_value,
        cast({{ var('episodes_7d_threshold') }} as double) as threshold,
        activity_date,
        cast({{ dbt.dateadd('day', window_start_offset, 'activity_date') }} as date) as window_start_date

    from windows
    where episodes >= {{ var('episodes_7d_threshold') }}

)

select * from notable
