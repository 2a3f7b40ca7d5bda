"""Background viewing as session plans (SQL), and the expansion of any session plan into events.

A session plan is one row per playback session: who, what, where, when it starts (UTC), how many
seconds it plays, an optional pause and rewind, and flags for the messy realities. Background
plans are drawn here; planted plans come from `planted.py`; both expand to events the same way.

Background viewers can never meet a notable rule, by construction and with margin:
- every sixth local day (per profile phase) is a rest day with no watching at all, and sessions
  touching a rest day are dropped, so no show is watched more than 5 local days running (< 18);
- a day has at most two sittings, a sitting keeps starting sessions for at most 120 min (at most
  6 sessions, about 3.3 h), and the second sitting starts 4 h 15 min or more after the first:
  at most about 6.5 h watched and 12 episodes per starting day, so at most about 45 h and
  84 episodes in any 7 days (< 70 h, < 100);
- sittings start between 06:00 and 23:30 local and end before 03:30, so the longest block of
  viewing with gaps under 30 min is one sitting (< 3.5 h, far under 12 h).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from .rand import between, pick, u

# Evening-heavy start hours for a sitting (local), hours 6..23.
_DIURNAL = {
    6: 1,
    7: 2,
    8: 2,
    9: 2,
    10: 2,
    11: 2,
    12: 3,
    13: 3,
    14: 3,
    15: 3,
    16: 4,
    17: 6,
    18: 9,
    19: 12,
    20: 14,
    21: 13,
    22: 8,
    23: 4,
}

PLAN_COLUMNS = """
    session_id VARCHAR, account_id VARCHAR, profile_id VARCHAR, title_id VARCHAR, runtime_s INT,
    device_type VARCHAR, country VARCHAR, ip_address VARCHAR, app_version VARCHAR, autoplay BOOLEAN,
    start_ts TIMESTAMP, play_s INT, start_offset_ms BIGINT, pause_at_s INT, pause_len_s INT,
    seek_at_s INT, seek_back_ms BIGINT, has_start BOOLEAN, has_stopped BOOLEAN, orphan_heartbeats INT,
    late_days INT, is_planted BOOLEAN
"""


def create_plan_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create or replace table session_plan ({PLAN_COLUMNS})")


def plan_background(
    con: duckdb.DuckDBPyConnection,
    seed: int,
    start_date: date,
    days: int,
    second_sitting: float = 0.35,
    chain_skew: float = 1.7,
) -> None:
    """Append background session plans for local days start-1 .. start+days to `session_plan`.

    Sittings starting more than 5 h before the window or after it are dropped early (they could
    only send events outside it). `second_sitting` is the chance of a second sitting on an active
    day; `chain_skew` shapes the chain length 1 + floor(6 u^skew) (higher: shorter chains).
    """
    ws = f"TIMESTAMP '{start_date.isoformat()} 00:00:00'"
    we = f"TIMESTAMP '{(start_date + timedelta(days=days)).isoformat()} 00:00:00'"
    total = sum(_DIURNAL.values())
    cum, rows = 0, []
    for h, w in _DIURNAL.items():
        rows.append(f"({h}, {cum / total}, {(cum + w) / total})")
        cum += w
    con.execute(
        f"create or replace table diurnal as select * from (values {', '.join(rows)}) as t(hour, lo, hi)"
    )
    sd = f"DATE '{start_date.isoformat()}'"
    con.execute(f"""
        create or replace table bg_sittings as
        select * from (
        with profile_days as (
            select b.*, d as day_idx, ({sd} + to_days(d::INT))::DATE as local_date
            from behaviour as b, range(-1, {days + 1}) as t(d)
        ),
        active as (
            select *
            from profile_days
            where (date_diff('day', DATE '1970-01-01', local_date) + rest_phase) % 6 <> 0
              and {u(seed, "active", "profile_idx", "day_idx")} < activity_p
        ),
        first_sitting as (
            select a.*, dh.hour,
                   {u(seed, "minute", "profile_idx", "day_idx")} as u_minute,
                   {u(seed, "second", "profile_idx", "day_idx")} < {second_sitting} as wants_second
            from active as a
            join diurnal as dh on {u(seed, "hour", "profile_idx", "day_idx")} >= dh.lo
                and {u(seed, "hour", "profile_idx", "day_idx")} < dh.hi
        ),
        first_start as (
            select *,
                   hour * 3600 + (case when hour = 23 then 1800 else 3600 end * u_minute)::INT as start_s
            from first_sitting
        ),
        both_sittings as (
            select *, 0 as sitting, start_s as sitting_start_s from first_start
            union all
            select *, 1, start_s + 15300 + (10800 * {u(seed, "s2", "profile_idx", "day_idx")})::INT
            from first_start
            where wants_second
        )
        select
            profile_idx, profile_id, account_id, time_zone, country, ip_address, rest_phase, day_idx,
            local_date, sitting,
            -- local wall time of the sitting start, then the UTC instant it names
            timezone('UTC', timezone(time_zone, local_date::TIMESTAMP + to_seconds(sitting_start_s::BIGINT)))
                as sitting_start_utc,
            case {pick(seed, "devslot", "n_devices", "profile_idx", "day_idx", "sitting")}
                when 0 then dev0 when 1 then dev1 else dev2 end as device_idx,
            {u(seed, "kind", "profile_idx", "day_idx", "sitting")} < 0.78 as is_series,
            case when {u(seed, "favq", "profile_idx", "day_idx", "sitting")} < 0.85
                 then case {pick(seed, "favk", 3, "profile_idx", "day_idx", "sitting")}
                      when 0 then fav0 when 1 then fav1 else fav2 end
                 else {u(seed, "anys", "profile_idx", "day_idx", "sitting")} end as u_series,
            {u(seed, "film", "profile_idx", "day_idx", "sitting")} as u_film,
            1 + floor(6 * pow({u(seed, "chain", "profile_idx", "day_idx", "sitting")}, {chain_skew}))::INT
                as chain_len,
            {u(seed, "ep0", "profile_idx", "day_idx", "sitting")} as u_ep0,
            {u(seed, "extra", "profile_idx", "day_idx", "sitting")} < 0.15 as has_extra
        from both_sittings
        where sitting_start_s <= 23 * 3600 + 1800
        )
        where sitting_start_utc >= {ws} - interval 5 hour and sitting_start_utc < {we}
    """)
    n_series = con.execute("select count(*) from bg_series").fetchone()[0]
    n_films = con.execute("select count(*) from bg_films").fetchone()[0]
    n_extras = con.execute("select count(*) from bg_extras").fetchone()[0]
    # Popular titles are watched more: index = floor(n * u^2).
    con.execute(f"""
        create or replace table bg_items as
        with series_sessions as (
            select s.*, i,
                   floor({n_series} * s.u_series * s.u_series)::BIGINT as series_idx
            from bg_sittings as s, unnest(range(s.chain_len)) as t(i)
            where s.is_series
        ),
        series_items as (
            select ss.*, e.title_id, e.runtime_s, 'episode' as title_type
            from series_sessions as ss
            join bg_series_size as z using (series_idx)
            join bg_episodes as e
              on e.series_idx = ss.series_idx
             and e.ep_index = (floor(ss.u_ep0 * z.n_eps)::BIGINT + ss.i) % z.n_eps
        ),
        film_items as (
            select s.*, 0 as i, floor({n_films} * s.u_film * s.u_film)::BIGINT as series_idx,
                   f.title_id, f.runtime_s, 'film' as title_type
            from bg_sittings as s
            join bg_films as f on f.film_idx = floor({n_films} * s.u_film * s.u_film)::BIGINT
            where not s.is_series
        ),
        extra_items as (
            select s.*, -1 as i, -1 as series_idx, x.title_id, x.runtime_s, x.title_type
            from bg_sittings as s
            join bg_extras as x
              on x.extra_idx = {pick(seed, "xpick", n_extras, "s.profile_idx", "s.day_idx", "s.sitting")}
            where s.has_extra
        )
        select * exclude (series_idx) from series_items
        union all by name
        select * exclude (series_idx) from film_items
        union all by name
        select * exclude (series_idx) from extra_items
    """)
    key = "profile_idx, day_idx, sitting, i"
    con.execute(f"""
        create or replace table bg_timed as
        with p as (
            select *,
                   max(i) over (partition by profile_idx, day_idx, sitting) as last_i,
                   case when i < 0 then true
                        when i = 0 then false
                        else {u(seed, "auto", key)} < 0.75 end as autoplay,
                   case when i = 0 and {u(seed, "resume", key)} < 0.2
                        then (runtime_s * {between(seed, "resoff", 0.1, 0.7, key)})::BIGINT * 1000
                        else 0 end as start_offset_ms
            from bg_items
        ),
        played as (
            select *,
                   greatest(30, case
                       when i < 0 then runtime_s
                       when i = last_i and {u(seed, "early", key)} < 0.35
                           then ((runtime_s - start_offset_ms // 1000)
                                 * {between(seed, "frac", 0.15, 0.85, key)})::INT
                       else runtime_s - start_offset_ms // 1000 - 15 - {pick(seed, "credits", 75, key)}
                   end)::INT as play_s
            from p
        ),
        paused as (
            select *,
                   case when i >= 0 and play_s > 200 and {u(seed, "pause", key)} < 0.2
                        then (60 * floor((play_s - 70) * {u(seed, "pauseat", key)} / 60) + 10
                              + {pick(seed, "pauser", 45, key)})::INT end as pause_at_s,
                   case when i >= 0 and play_s > 200 and {u(seed, "seek", key)} < 0.08
                        then (60 * floor((play_s - 70) * {u(seed, "seekat", key)} / 60) + 3
                              + {pick(seed, "seekr", 3, key)})::INT end as seek_at_s
            from played
        ),
        sized as (
            select *,
                   case when pause_at_s is null then 0
                        when {u(seed, "plong", key)} < 0.8 then 20 + {pick(seed, "plen", 280, key)}
                        else 300 + {pick(seed, "plen2", 600, key)} end::INT as pause_len_s,
                   case when seek_at_s is null then 0
                        else least(start_offset_ms + seek_at_s * 1000,
                                   10000 + {pick(seed, "back", 50000, key)}) end::BIGINT as seek_back_ms,
                   case when i <= 0 then 0
                        when autoplay then 5 + {pick(seed, "agap", 10, key)}
                        else 30 + {pick(seed, "ugap", 240, key)} end as gap_before_s
            from paused
        ),
        placed as (
            select *,
                   case when i < 0 then -(play_s + 5 + {pick(seed, "xgap", 20, key)})
                        else sum(gap_before_s + play_s + pause_len_s) over (
                                 partition by profile_idx, day_idx, sitting, (i >= 0)
                                 order by i rows between unbounded preceding and current row)
                             - (play_s + pause_len_s) end as start_rel_s
            from sized
        )
        select *,
               sitting_start_utc + to_seconds(start_rel_s::BIGINT) as start_ts,
               sitting_start_utc + to_seconds((start_rel_s + play_s + pause_len_s)::BIGINT) as end_ts
        from placed
        where start_rel_s < 7200
    """)
    con.execute(f"""
        insert into session_plan
        select
            printf('ps-%07d-%03d-%d-%s', profile_idx, day_idx + 1, sitting,
                   case when i < 0 then 'x' else i::VARCHAR end) as session_id,
            t.account_id, t.profile_id, t.title_id, t.runtime_s, d.device_type, t.country, t.ip_address,
            d.app_prefix || (1 + {pick(seed, "appv", 4, "profile_idx", "device_idx")})::VARCHAR || '.0'
                as app_version,
            t.autoplay, t.start_ts, t.play_s, t.start_offset_ms, t.pause_at_s, t.pause_len_s,
            t.seek_at_s, t.seek_back_ms, true, true, 0, 0, false
        from bg_timed as t
        join devices as d using (device_idx)
        where (date_diff('day', DATE '1970-01-01', timezone(t.time_zone, timezone('UTC', t.start_ts))::DATE)
               + t.rest_phase) % 6 <> 0
          and (date_diff('day', DATE '1970-01-01', timezone(t.time_zone, timezone('UTC', t.end_ts))::DATE)
               + t.rest_phase) % 6 <> 0
    """)


def events_sql(seed: int, window_start: date, window_end: date) -> str:
    """SQL expanding `session_plan` into events (heartbeat every 60 s of play), arrivals in the window.

    Watching time of a session is exactly `play_s`: heartbeats are 60 s apart while playing, the
    pause is the only gap, and pause/rewind never share a second with a heartbeat.
    Internal columns start with `_` and are dropped by the writer. The caller materialises it
    (mess.create_events adds row defects in the same pass, saving a copy of the biggest table).
    """
    ws = f"TIMESTAMP '{window_start.isoformat()} 00:00:00'"
    we = f"TIMESTAMP '{window_end.isoformat()} 00:00:00'"
    return f"""
        with numbered as materialized (
            select *, row_number() over (order by session_id) as session_num from session_plan
        ),
        points as (
            select session_num, 0 as seq, 'start' as event_type, 0 as p from numbered where has_start
            union all
            select session_num, k, 'heartbeat', 60 * k
            from numbered, unnest(range(1, (play_s - 1) // 60 + 1)) as t(k)
            union all
            select session_num, 1000001, 'paused', pause_at_s from numbered where pause_at_s is not null
            union all
            select session_num, 1000002, 'playing', pause_at_s from numbered where pause_at_s is not null
            union all
            select session_num, 1000003, 'reposition', seek_at_s from numbered where seek_at_s is not null
            union all
            select session_num, 1000004, 'stopped', play_s from numbered where has_stopped
            union all
            select session_num, 2000000 + j, 'heartbeat', play_s
            from numbered, unnest(range(1, orphan_heartbeats + 1)) as t(j)
            where orphan_heartbeats > 0
        ),
        timed as (
            select
                s.*, pt.seq, pt.event_type, pt.p,
                s.start_ts + to_seconds((
                    pt.p
                    + case when s.pause_at_s is not null
                                and (pt.p > s.pause_at_s or pt.seq = 1000002) then s.pause_len_s
                           else 0 end
                    + case when pt.seq > 2000000 then 60 * (pt.seq - 2000000) else 0 end
                )::BIGINT) as event_ts,
                s.start_offset_ms + pt.p * 1000
                    - case when s.seek_at_s is not null and pt.p >= s.seek_at_s then s.seek_back_ms
                           else 0 end as media_offset_ms,
                s.start_ts + to_seconds((s.play_s + s.pause_len_s)::BIGINT) as session_end_ts
            from numbered as s
            join points as pt using (session_num)
        ),
        received as (
            select *,
                printf('%s-%07d', session_id, seq) as event_id,
                case when late_days > 0
                     then session_end_ts + to_days(late_days) + to_seconds(300)
                          + to_microseconds(
                              ({pick(seed, "ldelay", 120000, "session_num", "seq")} * 1000)::BIGINT)
                     when {u(seed, "slow", "session_num", "seq")} < 0.05
                     then event_ts + to_microseconds(
                         ({pick(seed, "sdelay", 400000, "session_num", "seq")} * 1000
                                                        + 30000000)::BIGINT)
                     else event_ts + to_microseconds(({pick(seed, "delay", 4000, "session_num", "seq")} * 1000
                                                        + 150000)::BIGINT)
                end as received_at
            from timed
        )
        select
            event_id, account_id, profile_id, session_id as playback_session_id, title_id, event_type,
            event_ts, received_at, media_offset_ms, device_type, country, ip_address, app_version, autoplay,
            session_num * 4194304 + seq as _rk, runtime_s as _runtime_s, is_planted as _is_planted,
            late_days as _late_days, seq > 2000000 as _is_orphan
        from received
        where received_at >= {ws} and received_at < {we}
    """
