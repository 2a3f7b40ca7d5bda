{{ config(materialized='view') }}

-- Rule watch_hours_7d: attended watch hours in the seven local days up to an activity day.

{#- The window's first day, relative to its last: notable_window_days days in all. -#}
{%- set window_start_offset = -(var('notable_window_days') - 1) %}

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

viewer_days as (

    select * from {{ ref('int_viewer_days_aggregated') }}

),

scoped_days as (

    select
        viewer_days.profile_id,
        viewer_days.attended_ms,
        viewer_days.activity_date,
        scope.recompute_from_date

    from viewer_days
    inner join scope
        on viewer_days.profile_id = scope.profile_id
    where viewer_days.activity_date
        >= {{ dbt.dateadd('day', window_start_offset, 'scope.recompute_from_date') }}

),

windows as (

    select
        window_end.profile_id,
        window_end.activity_date,
        cast(sum(window_day.attended_ms) as double) / 3600000 as attended_hours

    from scoped_days as window_end
    inner join scoped_days as window_day
        on window_end.profile_id = window_day.profile_id
        and window_day.activity_date
        between {{ dbt.dateadd('day', window_start_offset, 'window_end.activity_date') }}
        and window_end.activity_date
    where window_end.activity_date >= window_end.recompute_from_date
        and window_end.attended_ms > 0
    group by 1, 2

),

notable as (

    select
        profile_id,
        'watch_hours_7d' as rule,
        cast(null as {{ dbt.type_string() }}) as evidence,
        cast(attended_hours as double) as metric_value,
        cast({{ var('watch_hours_7d_threshold') }} as double) as threshold,
        activity_date,
        cast({{ dbt.dateadd('day', window_start_offset, 'activity_date') }} as date) as window_start_date

    from windows
    where attended_hours >= {{ var('watch_hours_7d_threshold') }}

)

select * from notable
