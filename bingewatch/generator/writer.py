"""Writes what the generator built: raw Parquet in the contract layout, the manifest, the truth.

Layout (docs/architecture.md): raw/playback_events/received_date=YYYY-MM-DD/part-0.parquet for
every arrival date (possibly empty, always with the schema), raw/profiles, raw/titles,
raw/erasure_requests, and raw/_generator/{manifest.json, ground_truth.csv}.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ..settings import Settings
from .presets import ROW_DEFECTS

EVENT_COLUMNS = (
    "event_id",
    "account_id",
    "profile_id",
    "playback_session_id",
    "title_id",
    "event_type",
    "event_ts",
    "received_at",
    "media_offset_ms",
    "device_type",
    "country",
    "ip_address",
    "app_version",
    "autoplay",
)
GENERATED_DIRS = ("playback_events", "profiles", "titles", "erasure_requests", "_generator")
TRUTH_COLUMNS = ("profile_id", "rule", "activity_date", "window_start_date", "metric_value")


def clear_raw(settings: Settings) -> None:
    """Remove earlier generated raw folders so no stale partition survives a smaller rerun."""
    for name in GENERATED_DIRS:
        path = settings.raw_dir / name
        if path.exists():
            shutil.rmtree(path)


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy ({query}) to '{path.as_posix()}' (format parquet, compression zstd)")


def write_reference(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """profiles, titles and erasure_requests, each one sorted Parquet file."""
    raw = settings.raw_dir
    _copy(
        con,
        """
        select profile_id::VARCHAR as profile_id, account_id::VARCHAR as account_id,
               time_zone::VARCHAR as time_zone, country::VARCHAR as country,
               created_at::TIMESTAMP as created_at, analytics_opt_out::BOOLEAN as analytics_opt_out
        from profiles order by profile_id""",
        raw / "profiles" / "profiles.parquet",
    )
    _copy(
        con,
        """
        select title_id::VARCHAR as title_id, title_type::VARCHAR as title_type,
               series_id::VARCHAR as series_id, series_title::VARCHAR as series_title,
               season_number::INT as season_number, episode_number::INT as episode_number,
               title::VARCHAR as title, runtime_s::INT as runtime_s, release_date::DATE as release_date
        from titles order by title_id""",
        raw / "titles" / "titles.parquet",
    )
    _copy(
        con,
        """
        select account_id::VARCHAR as account_id, requested_at::TIMESTAMP as requested_at
        from erasure_requests order by account_id, requested_at""",
        raw / "erasure_requests" / "erasure_requests.parquet",
    )


def write_events(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    start_date: date,
    days: int,
    progress: Callable[[str], None] | None,
) -> None:
    """One part-0.parquet per arrival date, rows ordered by received_at (ties: session, sequence)."""
    cols = ", ".join(
        f"{c}::TIMESTAMP as {c}"
        if c in ("event_ts", "received_at")
        else f"{c}::BIGINT as {c}"
        if c == "media_offset_ms"
        else f"{c}::BOOLEAN as {c}"
        if c == "autoplay"
        else f"{c}::VARCHAR as {c}"
        for c in EVENT_COLUMNS
    )
    # Sorting once lets each day's scan skip other days' row groups (zone maps on received_at).
    con.execute("create or replace table events_sorted as select * from events order by received_at")
    for k in range(days):
        d = start_date + timedelta(days=k)
        lo, hi = d.isoformat(), (d + timedelta(days=1)).isoformat()
        _copy(
            con,
            f"""
            select {cols} from events_sorted
            where received_at >= TIMESTAMP '{lo} 00:00:00' and received_at < TIMESTAMP '{hi} 00:00:00'
            order by received_at, _rk, _is_duplicate""",
            settings.events_partition(d) / "part-0.parquet",
        )
        if progress:
            progress(f"wrote arrival date {lo} ({k + 1}/{days})")
    con.execute("drop table events_sorted")


def accounting(con: duckdb.DuckDBPyConnection, start_date: date, days: int) -> dict:
    """Per-arrival-date and total counts: raw rows, duplicates, quarantined by reason, and more.

    `orphan_heartbeat_rows` counts clean heartbeats after a clean `stopped` (what the pipeline
    ignores and counts); `late_rows` and `planted_rows` count original rows (not resent copies).
    `erased_accounts` repeats the counts for the rows of accounts with an erasure request, so
    the accounting can be checked after the pipeline has removed them from raw.
    """
    con.execute("""
        create or replace temp table clean_stops as
        select distinct playback_session_id as sid from events
        where event_type = 'stopped' and _defect is null and _is_orphan is false
    """)
    everything = _count(con, start_date, days, "true")
    erased = _count(con, start_date, days, "account_id in (select account_id from erasure_requests)")
    return {**everything, "erased_accounts": erased}


def _count(con: duckdb.DuckDBPyConnection, start_date: date, days: int, where: str) -> dict:
    rows = con.execute(
        """
        select received_at::DATE as d,
               count(*) as raw_rows,
               count(*) filter (where _is_duplicate) as duplicates,
               count(*) filter (where _late_days > 0 and not _is_duplicate) as late_rows,
               count(*) filter (where _is_orphan and not _is_duplicate and _defect is null
                                and playback_session_id in (select sid from clean_stops))
                   as orphan_heartbeat_rows,
               count(*) filter (where _is_planted and not _is_duplicate) as planted_rows,
               """
        + ",\n".join(f"count(*) filter (where _defect = '{r}') as q_{r}" for r in ROW_DEFECTS)
        + f"""
        from events where {where} group by all
    """
    ).fetchall()
    names = ["raw_rows", "duplicates", "late_rows", "orphan_heartbeat_rows", "planted_rows"]
    per = {}
    for k in range(days):
        d = start_date + timedelta(days=k)
        per[d.isoformat()] = _entry(dict.fromkeys(names, 0), dict.fromkeys(ROW_DEFECTS, 0))
    for r in rows:
        base = dict(zip(names, r[1:6], strict=True))
        q = dict(zip(ROW_DEFECTS, r[6:], strict=True))
        per[r[0].isoformat()] = _entry(base, q)
    totals = _entry(
        {n: sum(v[n] for v in per.values()) for n in names},
        {q: sum(v["quarantined"][q] for v in per.values()) for q in ROW_DEFECTS},
    )
    return {"per_received_date": per, "totals": totals}


def _entry(base: dict, quarantined: dict) -> dict:
    qt = sum(quarantined.values())
    return {
        **base,
        "quarantined": quarantined,
        "quarantined_total": qt,
        "clean_rows": base["raw_rows"] - base["duplicates"] - qt,
    }


def late_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """Late sessions and rows, with histograms by lateness in days (1-29)."""
    rows = con.execute("""
        select _late_days, count(*), count(distinct playback_session_id)
        from events where _late_days > 0 and not _is_duplicate group by all order by 1
    """).fetchall()
    return {
        "rows": sum(r[1] for r in rows),
        "sessions": sum(r[2] for r in rows),
        "rows_by_lateness_days": {str(r[0]): r[1] for r in rows},
        "sessions_by_lateness_days": {str(r[0]): r[2] for r in rows},
    }


def format_metric(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.6f}".rstrip("0")


def write_truth(settings: Settings, truth_rows: list, manifest: dict) -> None:
    out = settings.raw_dir / "_generator"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "ground_truth.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(TRUTH_COLUMNS)
        for r in sorted(truth_rows, key=lambda r: (r.profile_id, r.rule, r.activity_date)):
            w.writerow(
                [
                    r.profile_id,
                    r.rule,
                    r.activity_date.isoformat(),
                    r.window_start_date.isoformat(),
                    format_metric(r.metric_value),
                ]
            )
    with open(out / "manifest.json", "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=False)
        f.write("\n")
