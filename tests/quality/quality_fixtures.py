"""Builders for the quality tests: a small contract-shaped warehouse and raw partition."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

RUN_DATE = date(2026, 3, 10)
VIEWERS = 40
DAYS = 5


def viewer_key(i: int) -> str:
    return hashlib.sha256(f"viewer-{i}".encode()).hexdigest()


# The fixture run recomputed the last RECOMPUTED_DAYS local days of every viewer.
RECOMPUTED_DAYS = 2


def build_intermediate(con, viewers: int, days: int, run_date: date) -> None:
    """The dbt intermediate tables the reconciliation reads, consistent with each other.

    One session per viewer per day (one segment), plus, for viewer 0, a session crossing local
    midnight into run_date (two segments). Older days lie outside the recompute scope.
    """
    from bingewatch.contract import WAREHOUSE_DDL

    for table, ddl in WAREHOUSE_DDL.items():
        con.execute(f"create or replace table {table} ({ddl})")
    recompute_from = run_date - timedelta(days=RECOMPUTED_DAYS - 1)
    sessions, segments = [], []
    for i in range(viewers):
        for d in range(days):
            day = run_date - timedelta(days=d)
            watch_ms = (3600 + i * 10) * 1000
            session = f"s-{i}-{day}"
            sessions.append((session, f"prof-{i}", watch_ms, day, day))
            segments.append((session, 1, f"prof-{i}", watch_ms, day))
    midnight = "s-0-midnight"
    sessions.append((midnight, "prof-0", 7_200_000, run_date - timedelta(days=1), run_date))
    segments.append((midnight, 1, "prof-0", 3_600_000, run_date - timedelta(days=1)))
    segments.append((midnight, 1, "prof-0", 3_600_000, run_date))
    con.executemany("insert into int_playback_sessions_classified values (?, ?, ?, ?, ?)", sessions)
    con.executemany("insert into int_viewing_segments_split values (?, ?, ?, ?, ?)", segments)
    con.execute(
        "insert into int_viewer_days_aggregated select profile_id, sum(watch_ms), activity_date "
        "from int_viewing_segments_split group by profile_id, activity_date"
    )
    con.execute(
        "insert into int_recompute_scope select distinct profile_id, null, ? from int_viewing_segments_split",
        [recompute_from],
    )
    for i in range(viewers):
        con.execute(
            "update int_recompute_scope set viewer_key = ? where profile_id = ?", [viewer_key(i), f"prof-{i}"]
        )


def build_warehouse(path, viewers: int = VIEWERS, days: int = DAYS, run_date: date = RUN_DATE):
    """A warehouse with every mart table (and the intermediate tables the reconciliation
    reads), consistent and passing every expectation."""
    import duckdb

    from bingewatch.contract import MART_DDL

    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        for table, ddl in MART_DDL.items():
            con.execute(f"create or replace table {table} ({ddl})")
        build_intermediate(con, viewers, days, run_date)
        rows = []
        for i in range(viewers):
            for d in range(days):
                day = run_date - timedelta(days=d)
                watch = 3600.0 + i * 10
                start = datetime.combine(day, datetime.min.time()) + timedelta(hours=19)
                rows.append(
                    (
                        viewer_key(i),
                        "Europe/Berlin",
                        day,
                        86400,
                        watch,
                        watch - 600,
                        600.0,
                        0.0,
                        1800.0,
                        2,
                        2,
                        1,
                        1,
                        1,
                        start,
                        start + timedelta(seconds=watch),
                    )
                )
        con.executemany(
            "insert into viewer_days (viewer_key, time_zone, activity_date, day_length_s, "
            "watch_time_s, attended_s, unattended_s, night_watch_s, longest_continuous_s, sessions, "
            "titles_started, episodes_completed, distinct_series, devices, first_play_at, "
            "last_play_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.execute(
            "insert into notable_viewers values (?, 'watch_hours_7d', null, 75.5, 70, ?, ?),"
            " (?, 'title_streak', 'The Office', 18, 18, ?, ?)",
            [
                viewer_key(1),
                run_date,
                run_date - timedelta(days=6),
                viewer_key(2),
                run_date,
                run_date - timedelta(days=17),
            ],
        )
        con.execute("insert into public_title_streaks values ('The Office', 12), ('Dark', 10)")
        for d in range(days):
            day = run_date - timedelta(days=d)
            con.execute("insert into run_accounting values (?, 1000, 950, 30, 20)", [day])
            con.execute(
                "insert into quarantine_reasons values (?, 'null_key', 15), (?, 'unknown_title', 5)",
                [day, day],
            )
    return path


RAW_SQL = """
select
    'e' || i::varchar as event_id,
    'acct-' || (i % 7)::varchar as account_id,
    'prof-' || (i % 11)::varchar as profile_id,
    'sess-' || (i % 13)::varchar as playback_session_id,
    'title-' || (i % 5)::varchar as title_id,
    case when i % 50 = 0 then 'mystery' else 'heartbeat' end as event_type,
    timestamp '2026-03-10 12:00:00' + to_seconds(i) as event_ts,
    timestamp '2026-03-10 12:00:05' + to_seconds(i) as received_at,
    (i * 1000)::bigint as media_offset_ms,
    'Chrome' as device_type,
    'DE' as country,
    '10.0.0.1' as ip_address,
    '1.2.3' as app_version,
    false as autoplay
from range({n}) as t(i)
"""


def write_raw_partition(settings, received_date=RUN_DATE, n=200, files=2, sql=RAW_SQL):
    """Write a raw partition and plan the run's batch as the DAG's plan_batch does (the ledger
    then holds them once ``commit_batch`` says dbt built them)."""
    import duckdb

    from bingewatch.nightly.plan_batch import plan_batch

    partition = settings.events_partition(received_date)
    partition.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        for part in range(files):
            out = partition / f"part-{part}.parquet"
            con.execute(f"copy ({sql.format(n=n)}) to '{out}' (format parquet)")
    plan_batch(settings, received_date, f"fixture-{received_date}")
    return partition
