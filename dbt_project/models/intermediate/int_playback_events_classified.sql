{#- A view: each consumer reads the batch once, which costs less than writing every wide raw
    row to a table (docs/benchmarks.md, "What was changed because of it"). -#}
{{ config(materialized='view') }}

-- The run's raw rows, each with the first quarantine reason that applies (null when valid).
-- Which valid rows repeat an event_id is decided in int_playback_events_valid.

with

events as (

    select * from {{ ref('stg_raw__playback_events') }}

),

profiles as (

    select * from {{ ref('stg_raw__profiles') }}

),

titles as (

    select * from {{ ref('stg_raw__titles') }}

),

rejected as (

    select * from {{ ref('stg_reference__rejected') }}

),

rejected_profiles as (

    select * from rejected
    where reference_table = 'profiles'

),

rejected_titles as (

    select * from rejected
    where reference_table = 'titles'

),

joined as (

    select
        events.*,
        profiles.profile_id is not null as is_known_profile,
        titles.runtime_s,
        rejected_profiles.rejection_reason as profile_rejection_reason,
        rejected_titles.rejection_reason as title_rejection_reason

    from events
    left join profiles
        on events.profile_id = profiles.profile_id
    left join titles
        on events.title_id = titles.title_id
    left join rejected_profiles
        on events.profile_id = rejected_profiles.rejected_id
    left join rejected_titles
        on events.title_id = rejected_titles.rejected_id

),

reasoned as (

    select
        *,
        case
            when has_null_key then 'null_key'
            when not is_known_event_type then 'unknown_event_type'
            -- A profile or title set aside before dbt (bingewatch/reference_data.py) keeps its reason.
            when profile_rejection_reason is not null then profile_rejection_reason
            when not is_known_profile then 'unknown_profile'
            when title_rejection_reason is not null then title_rejection_reason
            when runtime_s is null then 'unknown_title'
            when media_offset_ms is null
                or media_offset_ms < 0
                or media_offset_ms > cast(runtime_s as bigint) * 1000 + 60000
                then 'absurd_offset'
            when event_at > {{ dbt.dateadd('second', var('clock_skew_tolerance_s'), 'received_at') }}
                then 'clock_in_future'
            when event_at < {{ dbt.dateadd('day', -var('max_lateness_days'), 'received_at') }}
                then 'too_late'
        end as quarantine_reason

    from joined

)

select * from reasoned
