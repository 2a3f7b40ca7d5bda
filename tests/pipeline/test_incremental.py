"""A full refresh equals the incremental builds, reruns change nothing, and late events built
one arrival date at a time land exactly where on-time events would have. Whole tables are
compared, not counts. (The tiny run itself is one catch-up run over its three dates; that
nightly runs equal a catch-up run, state tables included, is tests/pipeline/test_arrivals.py's.)"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from arrivals_fixtures import MARTS, WAREHOUSE_TABLES, differing_rows

from bingewatch import ledger
from bingewatch.nightly.dbt_build import build_batch
from bingewatch.settings import Settings

pytestmark = pytest.mark.slow(minutes=4)

START, END = date(2026, 3, 2), date(2026, 3, 4)


def warehouse(data_dir: Path) -> Path:
    return Settings.from_env(data_dir).warehouse_path


def start_over(data_dir: Path) -> Settings:
    """Forget every build: no warehouse, no ledger."""
    settings = Settings.from_env(data_dir)
    warehouse(data_dir).unlink()
    ledger.ledger_path(settings).unlink()
    return settings


def run_day_by_day(data_dir: Path) -> None:
    day = START
    while day <= END:
        build_batch(Settings.from_env(data_dir), day, f"day-{day}", echo=None)
        day += timedelta(days=1)


def test_full_refresh_equals_the_incremental_builds(tiny_run, copy_of_tiny_run):
    build_batch(Settings.from_env(copy_of_tiny_run), END, "full", full_refresh=True, echo=None)
    for table in WAREHOUSE_TABLES:
        assert differing_rows(warehouse(tiny_run["data_dir"]), warehouse(copy_of_tiny_run), table) == 0, table


def test_building_a_batch_again_changes_nothing(tiny_run, copy_of_tiny_run):
    """What a rerun after a crash before the ledger commit does: the same files, built again."""
    settings = Settings.from_env(copy_of_tiny_run)
    assert ledger.forget_from(settings, START + timedelta(days=1))
    summary = build_batch(settings, END, "again", echo=None)
    assert summary["files"] == 2
    for table in WAREHOUSE_TABLES:
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
    start_over(copy_of_tiny_run)
    assert deliver_late_events_on_time(copy_of_tiny_run) > 0
    run_day_by_day(copy_of_tiny_run)
    for table in MARTS:
        assert differing_rows(warehouse(tiny_run["data_dir"]), warehouse(copy_of_tiny_run), table) == 0, table
