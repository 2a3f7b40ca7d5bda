{{ config(materialized='view') }}

-- Rule title_streak: the same title (one film, or one episode) watched (attended) on
-- title_streak_days consecutive local days. Following a series daily is not a title streak.

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

streaks as (

    select * from {{ ref('int_viewer_title_streaks') }}

),

qualifying as (

    select
        streaks.profile_id,
        streaks.streak_title,
        streaks.streak_days,
        streaks.streak_started_date,
        streaks.activity_date,
        -- One row per viewer and day: the longest streak running that day.
        row_number() over (
            partition by streaks.profile_id, streaks.activity_date
            order by streaks.streak_days desc, streaks.streak_title asc
        ) as streak_rank

    from streaks
    inner join scope
        on streaks.profile_id = scope.profile_id
    where streaks.activity_date >= scope.recompute_from_date
        and streaks.streak_days >= {{ var('title_streak_days') }}

),

notable as (

    select
        profile_id,
        'title_streak' as rule,
        streak_title as evidence,
        cast(streak_days as double) as metric_value,
        cast({{ var('title_streak_days') }} as double) as threshold,
        activity_date,
        streak_started_date as window_start_date

    from qualifying
    where streak_rank = 1

)

select * from notable
