"""Day-by-day incremental runs equal a full refresh, reruns change nothing, and late events
land exactly where on-time events would have. Whole tables are compared, not counts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from bingewatch.settings import Settings
from bingewatch.transform import run_dbt

pytestmark = pytest.mark.slow

START, END = date(2026, 3, 2), date(2026, 3, 4)
MARTS = ["viewer_days", "notable_viewers", "public_title_streaks"]
STATE = [
    "int_playback_sessions_reconstructed",
    "int_playback_sessions_classified",
    "int_viewing_segments_split",
    "int_viewer_days_aggregated",
    "int_viewer_show_streaks",
]


def differing_rows(left: Path, right: Path, table: str) -> int:
    """Rows in one table's copy that are not in the other's (both directions, with multiplicity)."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as l (read_only)")
    con.execute(f"attach '{right}' as r (read_only)")
    return con.execute(
        f"select (select count(*) from (select * from l.{table} except all select * from r.{table}))"
        f" + (select count(*) from (select * from r.{table} except all select * from l.{table}))"
    ).fetchone()[0]


def warehouse(data_dir: Path) -> Path:
    return Settings.from_env(data_dir).warehouse_path


def run_day_by_day(data_dir: Path) -> None:
    day = START
    while day <= END:
        run_dbt(Settings.from_env(data_dir), day, day, echo=None)
        day += timedelta(days=1)


def test_full_refresh_equals_day_by_day(tiny_run, copy_of_tiny_run):
    warehouse(copy_of_tiny_run).unlink()
    run_dbt(Settings.from_env(copy_of_tiny_run), START, END, full_refresh=True, echo=None)
    for table in MARTS + STATE + ["run_accounting", "quarantine_reasons"]:
        assert differing_rows(warehouse(tiny_run["data_dir"]), warehouse(copy_of_tiny_run), table) == 0, table


def test_rerunning_a_date_changes_nothing(tiny_run, copy_of_tiny_run):
    run_dbt(
        Settings.from_env(copy_of_tiny_run), START + timedelta(days=1), START + timedelta(days=1), echo=None
    )
    for table in MARTS + STATE + ["run_accounting", "quarantine_reasons"]:
        assert differing_rows(warehouse(tiny_run["data_dir"]), warehouse(copy_of_tiny_run), table) == 0, table


def deliver_late_events_on_time(data_dir: Path) -> int:
    """Rewrite the raw partitions as if every late event had arrived the day it happened."""
    events = Settings.from_env(data_dir).events_dir
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        f"create table events as select * exclude (received_date), received_date::date as received_date "
        f"from read_parquet('{events}/*/*.parquet', hive_partitioning = true)"
    )
    moved = con.execute(
        "update events set received_at = event_ts + interval 5 second, "
        "received_date = (event_ts + interval 5 second)::date "
        "where event_ts is not null and received_date > (event_ts + interval 5 second)::date "
        "and (event_ts + interval 5 second)::date >= ?",
        [START],
    ).rowcount
    for folder in events.glob("received_date=*"):
        for file in folder.glob("*.parquet"):
            file.unlink()
    day = START
    while day <= END:
        folder = events / f"received_date={day}"
        folder.mkdir(exist_ok=True)
        con.execute(
            f"copy (select * exclude (received_date) from events where received_date = '{day}' "
            f"order by received_at, event_id) to '{folder}/part-0.parquet' (format parquet)"
        )
        day += timedelta(days=1)
    return moved


def test_late_events_give_the_same_marts_as_on_time_events(tiny_run, copy_of_tiny_run):
    assert tiny_run["manifest"]["late_arrivals"]["rows"] > 0
    warehouse(copy_of_tiny_run).unlink()
    assert deliver_late_events_on_time(copy_of_tiny_run) > 0
    run_day_by_day(copy_of_tiny_run)
    for table in MARTS:
        assert differing_rows(warehouse(tiny_run["data_dir"]), warehouse(copy_of_tiny_run), table) == 0, table
