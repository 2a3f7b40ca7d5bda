{{
    config(
        incremental_strategy='append',
        pre_hook="{{ delete_recompute_scope('local_start_date') }}"
    )
}}

-- Sessions with their local dates and whether they played unattended: autoplay chains on one
-- device, reset by any interaction, go unattended after unattended_after_episodes sessions or
-- unattended_after_s of playback (Netflix's "are you still watching?"; docs/definitions.md).
-- The chain is followed back context_days before the first recomputed day.

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

sessions as (

    select * from {{ ref('int_playback_sessions_reconstructed') }}

),

in_context as (

    select
        sessions.*,
        scope.time_zone,
        scope.recompute_from_date,
        {{ local_date('sessions.started_at', 'scope.time_zone') }} as local_start_date,
        {{ local_date('sessions.ended_at', 'scope.time_zone') }} as local_end_date

    from sessions
    inner join scope
        on sessions.profile_id = scope.profile_id
    where sessions.started_at >= cast(
            {{ dbt.dateadd('day', -(var('context_days') + 1), 'scope.recompute_from_date') }}
            as timestamp
        )

),

chain_flagged as (

    select
        *,
        -- An interactive start begins a chain; so does a start after a gap over chain_gap_s.
        (
            is_interactive
            or {{ starts_new_island(
                'started_at', 'lag(ended_at) over chain_order', var('chain_gap_s') * 1000
            ) }}
        ) as is_chain_start

    from in_context
    window chain_order as (
        partition by profile_id, device_type order by started_at, playback_session_id
    )

),

chain_numbered as (

    select
        *,
        {{ island_number('is_chain_start', 'profile_id, device_type', 'started_at, playback_session_id') }}
            as chain_number

    from chain_flagged

),

chain_positioned as (

    select
        *,
        row_number() over chain_order - 1 as sessions_before_in_chain,
        coalesce(sum(watch_ms) over (
            partition by profile_id, device_type, chain_number
            order by started_at, playback_session_id
            rows between unbounded preceding and 1 preceding
        ), 0) as chain_watch_ms_before

    from chain_numbered
    window chain_order as (
        partition by profile_id, device_type, chain_number
        order by started_at, playback_session_id
    )

),

classified as (

    select
        playback_session_id,
        profile_id,
        title_id,
        device_type,
        time_zone,
        event_count,
        orphan_event_count,
        max_media_offset_ms,
        watch_ms,
        is_autoplay,
        is_interactive,
        has_stopped,
        is_completed,
        (
            not is_interactive
            and is_autoplay
            and (
                sessions_before_in_chain - 1 >= {{ var('unattended_after_episodes') }}
                or chain_watch_ms_before >= {{ var('unattended_after_s') * 1000 }}
            )
        ) as is_unattended,
        local_start_date,
        local_end_date,
        started_at,
        ended_at

    from chain_positioned
    where local_start_date >= recompute_from_date

)

select * from classified
