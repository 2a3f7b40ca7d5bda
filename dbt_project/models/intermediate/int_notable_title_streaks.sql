{{ config(materialized='view') }}

-- Rule title_streak: the same show watched (attended) on title_streak_days consecutive local days.

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

streaks as (

    select * from {{ ref('int_viewer_show_streaks') }}

),

notable as (

    select
        streaks.profile_id,
        'title_streak' as rule,
        streaks.show_title as evidence,
        cast(streaks.streak_days as double) as metric_value,
        cast({{ var('title_streak_days') }} as double) as threshold,
        streaks.activity_date,
        streaks.streak_started_date as window_start_date

    from streaks
    inner join scope
        on streaks.profile_id = scope.profile_id
    where streaks.activity_date >= scope.recompute_from_date
        and streaks.streak_days >= {{ var('title_streak_days') }}

)

select * from notable
