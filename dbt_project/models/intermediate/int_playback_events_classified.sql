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

joined as (

    select
        events.*,
        profiles.profile_id is not null as is_known_profile,
        titles.runtime_s

    from events
    left join profiles
        on events.profile_id = profiles.profile_id
    left join titles
        on events.title_id = titles.title_id

),

reasoned as (

    select
        *,
        case
            when has_null_key then 'null_key'
            when not is_known_event_type then 'unknown_event_type'
            when not is_known_profile then 'unknown_profile'
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
