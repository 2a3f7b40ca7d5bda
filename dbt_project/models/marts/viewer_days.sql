{{
    config(
        incremental_strategy='append',
        pre_hook="{{ delete_recompute_scope('activity_date', viewer_column='viewer_key') }}"
    )
}}

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

viewer_days as (

    select * from {{ ref('int_viewer_days_aggregated') }}

),

final as (

    select
        scope.viewer_key,
        viewer_days.time_zone,
        cast(viewer_days.day_length_ms / 1000 as integer) as day_length_s,
        -- Doubles on every engine (a decimal literal would make Spark divide in DECIMAL).
        cast(viewer_days.watch_ms as double) / 1000 as watch_time_s,
        cast(viewer_days.attended_ms as double) / 1000 as attended_s,
        cast(viewer_days.unattended_ms as double) / 1000 as unattended_s,
        cast(viewer_days.night_watch_ms as double) / 1000 as night_watch_s,
        cast(viewer_days.longest_continuous_ms as double) / 1000 as longest_continuous_s,
        viewer_days.sessions,
        viewer_days.titles_started,
        viewer_days.episodes_completed,
        viewer_days.distinct_series,
        viewer_days.devices,
        viewer_days.activity_date,
        viewer_days.first_play_at,
        viewer_days.last_play_at

    from viewer_days
    inner join scope
        on viewer_days.profile_id = scope.profile_id
    where viewer_days.activity_date >= scope.recompute_from_date

)

select * from final
