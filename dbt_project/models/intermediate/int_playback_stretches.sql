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
        case
            when lag(interval_ended_at) over (
                partition by playback_session_id order by interval_started_at
            ) = interval_started_at then 0
            else 1
        end as is_new_stretch

    from intervals

),

numbered as (

    select
        *,
        sum(is_new_stretch) over (
            partition by playback_session_id
            order by interval_started_at
            rows between unbounded preceding and current row
        ) as stretch_number

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
