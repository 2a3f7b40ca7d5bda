{{ config(materialized='table') }}

-- One row per viewer the run touches, with the first local date to recompute: the local
-- start date of its earliest session that received events in this run. Every per-day model
-- rewrites exactly [recompute_from_date, ...) for these viewers.

with

run_sessions as (

    select * from {{ ref('int_run_sessions') }}

),

sessions as (

    select * from {{ ref('int_playback_sessions_reconstructed') }}

),

profiles as (

    select * from {{ ref('stg_raw__profiles') }}

),

viewer_keys as (

    select * from {{ ref('stg_bingewatch__viewer_keys') }}

),

touched as (

    select
        sessions.profile_id,
        min(sessions.started_at) as first_touched_at

    from sessions
    inner join run_sessions
        on sessions.playback_session_id = run_sessions.playback_session_id
    group by 1

),

scope as (

    select
        touched.profile_id,
        viewer_keys.viewer_key,
        profiles.time_zone,
        profiles.is_analytics_opt_out,
        {{ local_date('touched.first_touched_at', 'profiles.time_zone') }} as recompute_from_date

    from touched
    inner join profiles
        on touched.profile_id = profiles.profile_id
    inner join viewer_keys
        on touched.profile_id = viewer_keys.profile_id

)

select * from scope
