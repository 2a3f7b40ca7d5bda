{{ config(materialized='view') }}

-- Rule marathon: a block of attended viewing, across sessions and midnights, with no gap over
-- marathon_max_gap_s, spanning at least marathon_hours. Written on the local day it ends.

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

segments as (

    select * from {{ ref('int_viewing_segments_split') }}

),

attended as (

    select
        segments.*,
        scope.recompute_from_date

    from segments
    inner join scope
        on segments.profile_id = scope.profile_id
    where segments.activity_date
        >= {{ dbt.dateadd('day', -var('context_days'), 'scope.recompute_from_date') }}
        and segments.is_attended

),

flagged as (

    select
        *,
        {{ starts_new_island(
            'segment_started_at', 'max(segment_ended_at) over viewer_order', var('marathon_max_gap_s') * 1000
        ) }} as is_new_block

    from attended
    window viewer_order as (
        partition by profile_id
        order by segment_started_at, playback_session_id, stretch_number
        rows between unbounded preceding and 1 preceding
    )

),

numbered as (

    select
        *,
        {{ island_number(
            'is_new_block', 'profile_id', 'segment_started_at, playback_session_id, stretch_number'
        ) }} as block_number

    from flagged

),

blocks as (

    select
        profile_id,
        block_number,
        min(recompute_from_date) as recompute_from_date,
        min(activity_date) as window_start_date,
        max(activity_date) as activity_date,
        min(segment_started_at) as block_started_at,
        max(segment_ended_at) as block_ended_at

    from numbered
    group by 1, 2

),

notable as (

    select
        profile_id,
        'marathon' as rule,
        cast(null as {{ dbt.type_string() }}) as evidence,
        cast({{ milliseconds_between('block_started_at', 'block_ended_at') }} as double) / 3600000
            as metric_value,
        cast({{ var('marathon_hours') }} as double) as threshold,
        activity_date,
        window_start_date

    from blocks
    where activity_date >= recompute_from_date
        and {{ milliseconds_between('block_started_at', 'block_ended_at') }}
        >= {{ var('marathon_hours') * 3600000 }}

)

select * from notable
