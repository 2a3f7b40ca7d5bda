-- The benchmark's baseline (issue #7): the same viewer_days and notable_viewers as
-- the nightly pipeline, computed by one hand-written DuckDB script straight from the raw Parquet,
-- from scratch over every arrival date up to the run's last one. No dbt, no validation, no
-- write-audit-publish, no incremental state: the floor the pipeline is measured against.
--
-- bingewatch/bench.py fills the dollar-brace placeholders (paths, and every threshold from the
-- vars in dbt_project.yml, so the two cannot drift) and checks the two result tables equal the
-- published ones row for row. Definitions: docs/definitions.md. The session must run with
-- TimeZone = 'UTC' (the bench sets it): local days are computed with timezone().
--
-- Inputs: the raw tables, and viewer_keys.parquet (profile_id -> HMAC viewer_key, written in
-- Python like the pipeline does, since DuckDB has no HMAC; erased accounts have no key).
-- Outputs: tables baseline_viewer_days and baseline_notable_viewers.

-- 1. Every raw row of the run's arrival dates with its first quarantine reason.
create or replace temp table classified as
with
events as (
    select
        event_id,
        profile_id,
        playback_session_id,
        title_id,
        event_type,
        device_type,
        filename as source_file,
        cast(media_offset_ms as bigint) as media_offset_ms,
        cast(file_row_number as bigint) as source_row_number,
        cast(autoplay as boolean) as is_autoplay,
        cast(received_date as date) as received_date,
        cast(event_ts as timestamp) as event_at,
        cast(received_at as timestamp) as received_at
    from read_parquet('${events_glob}', hive_partitioning = true, union_by_name = true,
                      filename = true, file_row_number = true)
    where cast(received_date as date) <= cast('${run_end}' as date)
),
profiles as (select distinct profile_id from read_parquet('${profiles_glob}')),
titles as (select title_id, cast(runtime_s as integer) as runtime_s from read_parquet('${titles_glob}')),
reasoned as (
    select
        events.*,
        case
            when events.event_id is null or events.profile_id is null
                or events.playback_session_id is null or events.title_id is null
                or events.event_type is null or events.event_at is null then 'null_key'
            when not coalesce(events.event_type in
                ('start', 'playing', 'paused', 'reposition', 'heartbeat', 'stopped'), false)
                then 'unknown_event_type'
            when profiles.profile_id is null then 'unknown_profile'
            when titles.runtime_s is null then 'unknown_title'
            when events.media_offset_ms is null or events.media_offset_ms < 0
                or events.media_offset_ms > cast(titles.runtime_s as bigint) * 1000 + 60000
                then 'absurd_offset'
            when events.event_at > events.received_at + to_seconds(${clock_skew_tolerance_s})
                then 'clock_in_future'
            when events.event_at < events.received_at - to_days(${max_lateness_days})
                then 'too_late'
        end as quarantine_reason
    from events
    left join profiles on events.profile_id = profiles.profile_id
    left join titles on events.title_id = titles.title_id
)
select * from reasoned;

-- 2. Clean events: valid rows, first occurrence of each event_id across all arrival dates.
create or replace temp table clean_events as
select
    event_id, profile_id, playback_session_id, title_id, event_type, device_type,
    media_offset_ms, is_autoplay, event_at
from classified
where quarantine_reason is null
qualify row_number() over (
    partition by event_id
    order by received_date, received_at, source_file, source_row_number
) = 1;

drop table classified;

-- 3. Watching intervals: each start/playing/heartbeat/reposition event to the session's next
--    event, capped at max_event_gap_s; events after the first `stopped` are ignored.
create or replace temp table intervals as
with
stops_counted as (
    select
        *,
        coalesce(sum(case when event_type = 'stopped' then 1 else 0 end) over (
            partition by playback_session_id order by event_at, event_id
            rows between unbounded preceding and 1 preceding
        ), 0) as stops_before
    from clean_events
),
followed as (
    select
        *,
        lead(event_at) over (partition by playback_session_id order by event_at, event_id)
            as next_event_at
    from stops_counted
    where stops_before = 0
)
select
    playback_session_id,
    event_at as interval_started_at,
    least(next_event_at, event_at + to_milliseconds(cast(${max_event_gap_s} * 1000 as bigint)))
        as interval_ended_at
from followed
where event_type in ('start', 'playing', 'heartbeat', 'reposition')
    and next_event_at is not null
    and next_event_at > event_at;

-- 4. The viewers published tables may name: known profiles with a pseudonym (not erased).
create or replace temp table viewers as
select
    profiles.profile_id,
    viewer_keys.viewer_key,
    profiles.time_zone,
    coalesce(cast(profiles.analytics_opt_out as boolean), false) as is_analytics_opt_out
from read_parquet('${profiles_glob}') as profiles
inner join read_parquet('${viewer_keys}') as viewer_keys
    on profiles.profile_id = viewer_keys.profile_id;

create or replace temp table titles as
select
    title_id,
    coalesce(series_id, title_id) as show_id,
    coalesce(series_title, title) as show_title,
    -- a title streak's evidence: the film, or the series and its episode
    case
        when title_type = 'episode' and starts_with(title, coalesce(series_title, title)) then title
        when title_type = 'episode' then series_title || ': ' || title
        else title
    end as streak_title,
    cast(runtime_s as integer) as runtime_s,
    title_type = 'episode' as is_episode,
    title_type in ('episode', 'film') as is_feature
from read_parquet('${titles_glob}');

-- 5. Sessions with local dates, completion and unattended (autoplay chains per device).
create or replace temp table sessions as
with
first_stop as (
    select playback_session_id, min(event_at) as stopped_at
    from clean_events
    where event_type = 'stopped'
    group by 1
),
event_facts as (
    select
        clean_events.playback_session_id,
        min(clean_events.profile_id) as profile_id,
        min(clean_events.title_id) as title_id,
        min(clean_events.device_type) as device_type,
        max(case
            when first_stop.stopped_at is null or clean_events.event_at <= first_stop.stopped_at
                then clean_events.media_offset_ms
        end) as max_media_offset_ms,
        bool_or(clean_events.is_autoplay) as is_autoplay,
        bool_or(clean_events.event_type in ('paused', 'reposition')) as has_interaction,
        min(clean_events.event_at) as started_at,
        coalesce(first_stop.stopped_at, max(clean_events.event_at)) as ended_at
    from clean_events
    left join first_stop on clean_events.playback_session_id = first_stop.playback_session_id
    group by clean_events.playback_session_id, first_stop.stopped_at
),
watched as (
    select
        playback_session_id,
        sum(epoch_ms(interval_ended_at) - epoch_ms(interval_started_at)) as watch_ms
    from intervals
    group by 1
),
reconstructed as (
    select
        event_facts.playback_session_id,
        event_facts.profile_id,
        event_facts.title_id,
        event_facts.device_type,
        viewers.time_zone,
        coalesce(watched.watch_ms, 0) as watch_ms,
        event_facts.is_autoplay,
        not coalesce(event_facts.is_autoplay, false) or event_facts.has_interaction
            as is_interactive,
        coalesce(
            event_facts.max_media_offset_ms >= ${completion_share} * titles.runtime_s * 1000, false
        ) as is_completed,
        cast(cast(timezone(viewers.time_zone, cast(event_facts.started_at as timestamptz))
            as timestamp) as date) as local_start_date,
        cast(cast(timezone(viewers.time_zone, cast(event_facts.ended_at as timestamptz))
            as timestamp) as date) as local_end_date,
        event_facts.started_at,
        event_facts.ended_at
    from event_facts
    inner join viewers on event_facts.profile_id = viewers.profile_id
    left join watched on event_facts.playback_session_id = watched.playback_session_id
    left join titles on event_facts.title_id = titles.title_id
),
chain_flagged as (
    select
        *,
        case
            when is_interactive then 1
            when lag(ended_at) over chain_order is null then 1
            when started_at > lag(ended_at) over chain_order
                + to_milliseconds(cast(${chain_gap_s} * 1000 as bigint)) then 1
            else 0
        end as is_chain_start
    from reconstructed
    window chain_order as (
        partition by profile_id, device_type order by started_at, playback_session_id
    )
),
chain_numbered as (
    select
        *,
        sum(is_chain_start) over (
            partition by profile_id, device_type order by started_at, playback_session_id
            rows between unbounded preceding and current row
        ) as chain_number
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
        partition by profile_id, device_type, chain_number order by started_at, playback_session_id
    )
)
select
    playback_session_id,
    profile_id,
    title_id,
    device_type,
    time_zone,
    is_completed,
    (
        not is_interactive
        and is_autoplay
        and (
            sessions_before_in_chain - 1 >= ${unattended_after_episodes}
            or chain_watch_ms_before >= ${unattended_after_ms}
        )
    ) as is_unattended,
    local_start_date,
    local_end_date
from chain_positioned;

-- 6. Segments: contiguous watching (stretches) split at the viewer's local midnight.
create or replace temp table segments as
with
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
            partition by playback_session_id order by interval_started_at
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
),
located as (
    select
        sessions.playback_session_id,
        sessions.profile_id,
        sessions.title_id,
        sessions.device_type,
        sessions.time_zone,
        sessions.is_unattended,
        stretches.stretch_number,
        stretches.stretch_started_at,
        stretches.stretch_ended_at,
        cast(cast(timezone(sessions.time_zone, cast(stretches.stretch_started_at as timestamptz))
            as timestamp) as date) as local_start_date,
        cast(cast(timezone(sessions.time_zone, cast(stretches.stretch_ended_at as timestamptz))
            as timestamp) as date) as local_end_date
    from sessions
    inner join stretches on sessions.playback_session_id = stretches.playback_session_id
),
day_bounded as (
    select
        located.*,
        cast(timezone(located.time_zone, cast(located.activity_date as timestamp)) as timestamp)
            as day_started_at,
        cast(timezone(located.time_zone, cast(located.activity_date + interval 1 day as timestamp))
            as timestamp) as day_ended_at
    from (
        select
            *,
            cast(unnest(generate_series(
                cast(local_start_date as timestamp), cast(local_end_date as timestamp), interval 1 day
            )) as date) as activity_date
        from located
    ) as located
)
select
    day_bounded.playback_session_id,
    day_bounded.stretch_number,
    day_bounded.profile_id,
    day_bounded.title_id,
    titles.show_id,
    titles.show_title,
    day_bounded.device_type,
    day_bounded.time_zone,
    epoch_ms(day_bounded.day_ended_at) - epoch_ms(day_bounded.day_started_at) as day_length_ms,
    epoch_ms(least(day_bounded.stretch_ended_at, day_bounded.day_ended_at))
        - epoch_ms(greatest(day_bounded.stretch_started_at, day_bounded.day_started_at)) as watch_ms,
    titles.is_episode,
    titles.is_feature,
    not day_bounded.is_unattended as is_attended,
    day_bounded.activity_date,
    greatest(day_bounded.stretch_started_at, day_bounded.day_started_at) as segment_started_at,
    least(day_bounded.stretch_ended_at, day_bounded.day_ended_at) as segment_ended_at
from day_bounded
left join titles on day_bounded.title_id = titles.title_id
where day_bounded.stretch_ended_at > day_bounded.day_started_at
    and day_bounded.stretch_started_at < day_bounded.day_ended_at;

-- 7. Viewer-days: one row per profile and local day with any watching.
create or replace temp table viewer_days as
with
night_bounded as (
    select
        *,
        cast(timezone(time_zone, cast(activity_date as timestamp) + interval 6 hour) as timestamp)
            as night_ended_at
    from segments
),
blocks_flagged as (
    select
        *,
        case
            when segment_started_at > max(segment_ended_at) over day_order
                + to_milliseconds(cast(${marathon_max_gap_s} * 1000 as bigint)) then 1
            when max(segment_ended_at) over day_order is null then 1
            else 0
        end as is_new_block
    from night_bounded
    window day_order as (
        partition by profile_id, activity_date
        order by segment_started_at, playback_session_id, stretch_number
        rows between unbounded preceding and 1 preceding
    )
),
blocks_numbered as (
    select
        *,
        sum(is_new_block) over (
            partition by profile_id, activity_date
            order by segment_started_at, playback_session_id, stretch_number
            rows between unbounded preceding and current row
        ) as block_number
    from blocks_flagged
),
blocks as (
    select
        profile_id,
        activity_date,
        max(epoch_ms(block_ended_at) - epoch_ms(block_started_at)) as longest_continuous_ms
    from (
        select
            profile_id, activity_date, block_number,
            min(segment_started_at) as block_started_at,
            max(segment_ended_at) as block_ended_at
        from blocks_numbered
        group by 1, 2, 3
    )
    group by 1, 2
),
watching as (
    select
        profile_id,
        activity_date,
        min(time_zone) as time_zone,
        min(day_length_ms) as day_length_ms,
        sum(watch_ms) as watch_ms,
        sum(case when is_attended then watch_ms else 0 end) as attended_ms,
        sum(case when not is_attended then watch_ms else 0 end) as unattended_ms,
        sum(case
            when segment_started_at < night_ended_at
                then epoch_ms(least(segment_ended_at, night_ended_at)) - epoch_ms(segment_started_at)
            else 0
        end) as night_watch_ms,
        count(distinct playback_session_id) as sessions,
        count(distinct case when is_episode then show_id end) as distinct_series,
        count(distinct device_type) as devices,
        min(segment_started_at) as first_play_at,
        max(segment_ended_at) as last_play_at
    from night_bounded
    group by 1, 2
),
started as (
    select profile_id, local_start_date as activity_date, count(distinct title_id) as titles_started
    from sessions
    group by 1, 2
),
completed as (
    select
        sessions.profile_id,
        sessions.local_end_date as activity_date,
        count(distinct sessions.title_id) as episodes_completed
    from sessions
    inner join titles on sessions.title_id = titles.title_id
    where sessions.is_completed and titles.is_episode
    group by 1, 2
)
select
    watching.*,
    blocks.longest_continuous_ms,
    coalesce(started.titles_started, 0) as titles_started,
    coalesce(completed.episodes_completed, 0) as episodes_completed
from watching
left join blocks using (profile_id, activity_date)
left join started using (profile_id, activity_date)
left join completed using (profile_id, activity_date);

create or replace table baseline_viewer_days as
select
    viewers.viewer_key,
    viewer_days.time_zone,
    cast(viewer_days.day_length_ms / 1000 as integer) as day_length_s,
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
inner join viewers on viewer_days.profile_id = viewers.profile_id;

-- 8. Notable viewers: the four rules on attended viewing; opted-out viewers never appear.
create or replace table baseline_notable_viewers as
with
activity_days as (
    select profile_id, activity_date, attended_ms from viewer_days
),
completed_episodes as (
    select sessions.profile_id, sessions.title_id, sessions.local_end_date
    from sessions
    inner join titles on sessions.title_id = titles.title_id
    where sessions.is_completed and not sessions.is_unattended and titles.is_episode
),
episodes_7d as (
    select
        activity_days.profile_id,
        'episodes_7d' as rule,
        cast(null as varchar) as evidence,
        cast(count(distinct completed_episodes.title_id) as double) as metric_value,
        cast(${episodes_7d_threshold} as double) as threshold,
        activity_days.activity_date,
        cast(activity_days.activity_date - interval 6 day as date) as window_start_date
    from activity_days
    inner join completed_episodes
        on activity_days.profile_id = completed_episodes.profile_id
        and completed_episodes.local_end_date
            between activity_days.activity_date - interval 6 day and activity_days.activity_date
    where activity_days.attended_ms > 0
    group by activity_days.profile_id, activity_days.activity_date
    having count(distinct completed_episodes.title_id) >= ${episodes_7d_threshold}
),
watch_hours_7d as (
    select
        window_end.profile_id,
        'watch_hours_7d' as rule,
        cast(null as varchar) as evidence,
        cast(sum(window_day.attended_ms) as double) / 3600000 as metric_value,
        cast(${watch_hours_7d_threshold} as double) as threshold,
        window_end.activity_date,
        cast(window_end.activity_date - interval 6 day as date) as window_start_date
    from activity_days as window_end
    inner join activity_days as window_day
        on window_end.profile_id = window_day.profile_id
        and window_day.activity_date
            between window_end.activity_date - interval 6 day and window_end.activity_date
    where window_end.attended_ms > 0
    group by window_end.profile_id, window_end.activity_date
    having cast(sum(window_day.attended_ms) as double) / 3600000 >= ${watch_hours_7d_threshold}
),
title_days as (
    -- the same title (one film, or one episode) day after day; a series followed daily is not
    select
        segments.profile_id,
        segments.title_id,
        min(titles.streak_title) as streak_title,
        segments.activity_date
    from segments
    inner join titles
        on segments.title_id = titles.title_id
    where segments.is_attended and segments.is_feature
    group by segments.profile_id, segments.title_id, segments.activity_date
    having sum(segments.watch_ms) >= ${streak_min_daily_ms}
),
islands as (
    select
        *,
        activity_date - to_days(cast(row_number() over (
            partition by profile_id, title_id order by activity_date) as integer)) as island_key
    from title_days
),
streak_days as (
    select
        *,
        min(activity_date) over (partition by profile_id, title_id, island_key) as streak_started_date
    from islands
),
title_streaks as (
    select
        profile_id,
        'title_streak' as rule,
        streak_title as evidence,
        cast(date_diff('day', streak_started_date, activity_date) + 1 as double) as metric_value,
        cast(${title_streak_days} as double) as threshold,
        activity_date,
        cast(streak_started_date as date) as window_start_date
    from streak_days
    where date_diff('day', streak_started_date, activity_date) + 1 >= ${title_streak_days}
    qualify row_number() over (
        partition by profile_id, activity_date
        order by date_diff('day', streak_started_date, activity_date) desc, streak_title
    ) = 1
),
marathon_flagged as (
    select
        *,
        case
            when max(segment_ended_at) over viewer_order is null then 1
            when segment_started_at > max(segment_ended_at) over viewer_order
                + to_milliseconds(cast(${marathon_max_gap_s} * 1000 as bigint)) then 1
            else 0
        end as is_new_block
    from segments
    where is_attended
    window viewer_order as (
        partition by profile_id
        order by segment_started_at, playback_session_id, stretch_number
        rows between unbounded preceding and 1 preceding
    )
),
marathon_blocks as (
    select
        profile_id,
        min(activity_date) as window_start_date,
        max(activity_date) as activity_date,
        min(segment_started_at) as block_started_at,
        max(segment_ended_at) as block_ended_at
    from (
        select
            *,
            sum(is_new_block) over (
                partition by profile_id
                order by segment_started_at, playback_session_id, stretch_number
                rows between unbounded preceding and current row
            ) as block_number
        from marathon_flagged
    )
    group by profile_id, block_number
),
marathons as (
    select
        profile_id,
        'marathon' as rule,
        cast(null as varchar) as evidence,
        cast(epoch_ms(block_ended_at) - epoch_ms(block_started_at) as double) / 3600000 as metric_value,
        cast(${marathon_hours} as double) as threshold,
        activity_date,
        window_start_date
    from marathon_blocks
    where epoch_ms(block_ended_at) - epoch_ms(block_started_at) >= ${marathon_ms}
),
all_rules as (
    select * from episodes_7d
    union all
    select * from watch_hours_7d
    union all
    select * from title_streaks
    union all
    select * from marathons
)
select
    viewers.viewer_key,
    all_rules.rule,
    all_rules.evidence,
    all_rules.metric_value,
    all_rules.threshold,
    all_rules.activity_date,
    all_rules.window_start_date
from all_rules
inner join viewers on all_rules.profile_id = viewers.profile_id
where not viewers.is_analytics_opt_out;
