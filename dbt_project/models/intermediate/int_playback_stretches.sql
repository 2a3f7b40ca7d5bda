{{ config(unique_key='playback_session_id') }}

-- Contiguous watching within a session: adjacent intervals merged, so a pause or a capped gap
-- starts a new stretch. Far fewer rows than events; what viewer-days are split from.

with

intervals as (

    select * from {{ ref('int_playback_intervals') }}

),

flagged as (

    select
        *,
        -- A stretch goes on only while each interval starts exactly where the last one ended.
        coalesce(
            lag(interval_ended_at) over (
                partition by playback_session_id order by interval_started_at
            ) <> interval_started_at,
            true
        ) as is_new_stretch

    from intervals

),

numbered as (

    select
        *,
        {{ island_number('is_new_stretch', 'playback_session_id', 'interval_started_at') }}
            as stretch_number

    from flagged

),

stretches as (

    select
        playback_session_id,
        stretch_number,
        min(interval_started_at) as stretch_started_at,
        max(interval_ended_at) as stretch_ended_at

    from numbered
    group by 1, 2

)

select * from stretches
