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

episodes_7d as (

    select * from {{ ref('int_notable_episodes_7d') }}

),

watch_hours_7d as (

    select * from {{ ref('int_notable_watch_hours_7d') }}

),

title_streaks as (

    select * from {{ ref('int_notable_title_streaks') }}

),

marathons as (

    select * from {{ ref('int_notable_marathons') }}

),

all_rules as (

    select * from episodes_7d
    union all
    select * from watch_hours_7d
    union all
    select * from title_streaks
    union all
    select * from marathons

),

final as (

    select
        scope.viewer_key,
        all_rules.rule,
        all_rules.evidence,
        all_rules.metric_value,
        all_rules.threshold,
        all_rules.activity_date,
        all_rules.window_start_date

    from all_rules
    inner join scope
        on all_rules.profile_id = scope.profile_id
    -- Viewers who opted out of analytics (or whose flag is unknown: unknown is never consent)
    -- are never singled out.
    where not scope.is_analytics_opt_out

)

select * from final
