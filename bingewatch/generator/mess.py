"""Messy realities, injected into background data only, each at a rate and each countable.

Session level (on `session_plan`, before expansion): sessions without `stopped` or `start`,
orphan heartbeats after `stopped`, whole sessions arriving 1-29 days late.
Row level (on `events`, after expansion): at most one defect per row, chosen from disjoint slices
of one uniform draw, so the quarantine reason of every row is known (see docs/definitions.md).
Duplicates: exact copies (same event_id and content) of defect-free rows, received later.
Planted viewers are never damaged; their rows may be duplicated, which cannot change any result.
"""

from __future__ import annotations

from datetime import date

import duckdb

from .presets import ROW_DEFECTS
from .rand import pick, u

MAX_LATE_DAYS = 29  # events more than 30 days old are quarantined `too_late`; stay clear of it


def apply_session_mess(con: duckdb.DuckDBPyConnection, seed: int, rates: dict, last_date: date) -> None:
    """Mark background session plans as crashed, start-less, chatty after stop, or late."""
    ld = f"DATE '{last_date.isoformat()}'"
    con.execute(f"""
        update session_plan set
            has_stopped = not ({u(seed, "nostop", "session_id")} < {rates["missing_stopped_rate"]}),
            has_start = not ({u(seed, "nostart", "session_id")} < {rates["missing_start_rate"]})
        where not is_planted
    """)
    con.execute(f"""
        update session_plan set orphan_heartbeats = 1 + {pick(seed, "norph", 3, "session_id")}
        where not is_planted and has_stopped
          and {u(seed, "orphan", "session_id")} < {rates["orphan_heartbeat_rate"]}
    """)
    # Late sessions arrive L days after they end; L is bounded so the arrival date is generated.
    con.execute(f"""
        update session_plan set late_days = 1 + {pick(seed, "lated", "room", "session_id")}
        from (
            select session_id as sid,
                   least({MAX_LATE_DAYS},
                         date_diff('day', (start_ts + to_seconds((play_s + pause_len_s + 600)::BIGINT))::DATE,
                                   {ld})) as room
            from session_plan
        ) as r
        where session_plan.session_id = r.sid and not is_planted and r.room >= 1
          and {u(seed, "late", "session_id")} < {rates["late_session_rate"]}
    """)


def create_events(con: duckdb.DuckDBPyConnection, seed: int, rates: dict, base_sql: str) -> None:
    """Materialise `events` from the expansion query `base_sql`, giving some background rows one
    defect each; the defect name is kept in `_defect`."""
    cases, lo = [], 0.0
    for d in ROW_DEFECTS:
        hi = lo + rates[f"{d}_rate"]
        cases.append(f"when _u >= {lo!r} and _u < {hi!r} then '{d}'")
        lo = hi
    draw = u(seed, "defect", "_rk")
    which = pick(seed, "nullcol", 6, "_rk")
    future_s = f"(3600 + {pick(seed, 'future', 255600, '_rk')})::BIGINT"
    old_s = f"(31 * 86400 + {pick(seed, 'old', 29 * 86400, '_rk')})::BIGINT"
    con.execute(f"""
        create or replace table events as
        with base as ({base_sql}),
        drawn as (
            select *, case when _is_planted then 1.0 else {draw} end as _u from base
        ),
        marked as (
            select * exclude (_u),
                   case {" ".join(cases)} else null end as _defect,
                   {which} as _which
            from drawn
        )
        select
            case when _defect = 'null_key' and _which = 0 then null else event_id end as event_id,
            account_id,
            case when _defect = 'null_key' and _which = 1 then null
                 when _defect = 'unknown_profile' then 'pr-ghost-' || {pick(seed, "ghost", 100000, "_rk")}
                 else profile_id end as profile_id,
            case when _defect = 'null_key' and _which = 2 then null else playback_session_id end
                as playback_session_id,
            case when _defect = 'null_key' and _which = 3 then null
                 when _defect = 'unknown_title' then 'tt-unknown-' || {pick(seed, "utitle", 100000, "_rk")}
                 else title_id end as title_id,
            case when _defect = 'null_key' and _which = 4 then null
                 when _defect = 'unknown_event_type'
                 then ['buffering', 'qoe_report', 'ad_impression', 'bitrate_change']
                      [1 + {pick(seed, "uet", 4, "_rk")}]
                 else event_type end as event_type,
            case when _defect = 'null_key' and _which = 5 then null
                 when _defect = 'clock_in_future' then received_at + to_seconds({future_s})
                 when _defect = 'too_late' then received_at - to_seconds({old_s})
                 else event_ts end as event_ts,
            received_at,
            case when _defect = 'absurd_offset'
                 then case when {u(seed, "neg", "_rk")} < 0.5
                           then -(1000 + {pick(seed, "negv", 600000, "_rk")})
                           else (_runtime_s::BIGINT + 3600 + {pick(seed, "bigv", 36000, "_rk")}) * 1000 end
                 else media_offset_ms end as media_offset_ms,
            device_type, country, ip_address, app_version, autoplay,
            _rk, _is_planted, _late_days, _is_orphan, _defect, false as _is_duplicate
        from marked
    """)


def add_duplicates(con: duckdb.DuckDBPyConnection, seed: int, rate: float, window_end: date) -> None:
    """Append resent copies of defect-free rows; a copy arrives after its original.

    Most copies come seconds later (client retry), some 1-3 days later (a replayed upload queue).
    A copy stays within 29 days of its event_ts and within the generated window, so it is a
    valid row and counts as a duplicate, never as quarantined.
    """
    we = f"TIMESTAMP '{window_end.isoformat()} 00:00:00'"
    con.execute(f"""
        insert into events
        with chosen as (
            select *,
                   case when {u(seed, "dupwhen", "_rk")} < 0.7
                        then to_microseconds(1000000 + {pick(seed, "dups", 600000000, "_rk")})
                        else to_microseconds(86400000000 + {pick(seed, "dupd", 172800000000, "_rk")})
                   end as _lag
            from events
            where _defect is null and {u(seed, "dup", "_rk")} < {rate}
        ),
        copies as (
            select * exclude (received_at, _lag, _is_duplicate),
                   case when received_at + _lag < {we}
                             and received_at + _lag <= event_ts + to_days(29)
                        then received_at + _lag
                        else received_at + to_microseconds(1000000) end as received_at,
                   true as _is_duplicate
            from chosen
        )
        select event_id, account_id, profile_id, playback_session_id, title_id, event_type, event_ts,
               received_at, media_offset_ms, device_type, country, ip_address, app_version, autoplay,
               _rk, _is_planted, _late_days, _is_orphan, _defect, _is_duplicate
        from copies
        where received_at < {we}
    """)
