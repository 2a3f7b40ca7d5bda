"""Erasure requests remove an account from raw files and warehouse tables, and record it."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bingewatch.nightly.apply_erasures import ERASURE_LOG, apply_erasures, request_key
from bingewatch.pseudonyms import viewer_key
from bingewatch.settings import Settings

KEY = "erasure-test-key"
DAY1, DAY2 = date(2026, 3, 2), date(2026, 3, 3)


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def event(event_id: str, account: str | None, profile: str | None) -> dict:
    return {
        "event_id": event_id,
        "account_id": account,
        "profile_id": profile,
        "event_ts": datetime(2026, 3, 1, 20),
        "ip_address": "192.0.2.1",
    }


def rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


@pytest.fixture()
def settings(tmp_path) -> Settings:
    """Two accounts (one to erase) across two partitions, profiles, and a warehouse."""
    s = Settings(tmp_path)
    write(
        s.events_partition(DAY1) / "part-0.parquet",
        [
            event("e1", "ac-erase", "pr-erase-1"),
            event("e2", "ac-keep", "pr-keep"),
            event("e3", None, "pr-erase-2"),  # a null account: found through the profile
            event("e4", None, "pr-keep"),
        ],
    )
    write(s.events_partition(DAY1) / "part-1.parquet", [event("e5", "ac-keep", "pr-keep")])
    write(
        s.raw_dir / "profiles" / "profiles.parquet",
        [
            {"profile_id": "pr-erase-1", "account_id": "ac-erase", "time_zone": "UTC"},
            {"profile_id": "pr-erase-2", "account_id": "ac-erase", "time_zone": "UTC"},
            {"profile_id": "pr-keep", "account_id": "ac-keep", "time_zone": "UTC"},
        ],
    )
    write(
        s.raw_dir / "erasure_requests" / "erasure_requests.parquet",
        [{"account_id": "ac-erase", "requested_at": datetime(2026, 3, 2, 6)}],
    )
    s.warehouse_dir.mkdir(parents=True)
    with duckdb.connect(str(s.warehouse_path)) as con:
        con.execute("create table int_days (profile_id varchar, watch_time_s double)")
        con.execute("insert into int_days values ('pr-erase-1', 1), ('pr-erase-2', 2), ('pr-keep', 3)")
        con.execute("create table viewer_days (viewer_key varchar, watch_time_s double)")
        con.execute(
            "insert into viewer_days values (?, 1), (?, 3)",
            [viewer_key("pr-erase-1", KEY), viewer_key("pr-keep", KEY)],
        )
        con.execute("create table quarantine (account_id varchar, reason varchar)")
        con.execute("insert into quarantine values ('ac-erase', 'x'), (null, 'y')")
        con.execute("create table titles (title_id varchar)")
        con.execute("insert into titles values ('t1')")
    return s


def warehouse(s: Settings) -> dict[str, list[tuple]]:
    with duckdb.connect(str(s.warehouse_path), read_only=True) as con:
        return {
            t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr)
            for t in ("int_days", "viewer_days", "quarantine", "titles")
        }


def test_a_new_request_is_erased_from_raw_history_and_every_warehouse_table(settings):
    record = apply_erasures(settings, DAY2, KEY)

    assert [r["event_id"] for r in rows(settings.events_partition(DAY1) / "part-0.parquet")] == ["e2", "e4"]
    assert [r["event_id"] for r in rows(settings.events_partition(DAY1) / "part-1.parquet")] == ["e5"]
    assert [r["profile_id"] for r in rows(settings.raw_dir / "profiles" / "profiles.parquet")] == ["pr-keep"]
    assert warehouse(settings) == {
        "int_days": [("pr-keep", 3.0)],
        "viewer_days": [(viewer_key("pr-keep", KEY), 3.0)],
        "quarantine": [(None, "y")],
        "titles": [("t1",)],
    }
    assert record["requests_erased_now"] == 1


def test_the_log_records_what_was_removed_and_names_nobody(settings):
    apply_erasures(settings, DAY2, KEY)
    text = (settings.warehouse_dir / ERASURE_LOG).read_text()
    [entry] = json.loads(text)["requests"]
    assert entry["request_key"] == request_key("ac-erase", KEY)
    assert entry["batch"]["raw_rows_removed"] == {
        "playback_events/received_date=2026-03-02/part-0.parquet": 2,
        "profiles/profiles.parquet": 2,
    }
    assert entry["batch"]["warehouse_rows_removed"] == {
        "main.int_days": 2,
        "main.quarantine": 1,
        "main.viewer_days": 1,
    }
    assert "ac-erase" not in text and "pr-erase" not in text


def test_a_rerun_changes_nothing(settings):
    apply_erasures(settings, DAY2, KEY)
    files = {p: p.read_bytes() for p in settings.raw_dir.rglob("*.parquet")}
    log_before = (settings.warehouse_dir / ERASURE_LOG).read_text()
    record = apply_erasures(settings, DAY2, KEY)
    assert record["requests_erased_now"] == 0 and record["partition_rows_removed"] == {}
    assert {p: p.read_bytes() for p in settings.raw_dir.rglob("*.parquet")} == files
    assert (settings.warehouse_dir / ERASURE_LOG).read_text() == log_before


def test_late_rows_of_an_erased_account_are_swept_from_each_new_partition(settings):
    apply_erasures(settings, DAY1, KEY)
    late = settings.events_partition(DAY2) / "part-0.parquet"
    write(late, [event("e6", "ac-erase", "pr-erase-1"), event("e7", "ac-keep", "pr-keep")])
    record = apply_erasures(settings, DAY2, KEY)
    assert [r["event_id"] for r in rows(late)] == ["e7"]
    assert record["partition_rows_removed"] == {"playback_events/received_date=2026-03-03/part-0.parquet": 1}


def test_a_corrupt_file_is_reported_and_the_rest_still_erased(settings):
    bad = settings.events_partition(DAY1) / "part-2.parquet"
    bad.write_bytes(b"PAR1 not really parquet")
    apply_erasures(settings, DAY2, KEY)
    [entry] = json.loads((settings.warehouse_dir / ERASURE_LOG).read_text())["requests"]
    assert entry["batch"]["unreadable_files"] == ["playback_events/received_date=2026-03-02/part-2.parquet"]
    assert bad.read_bytes() == b"PAR1 not really parquet"
    assert [r["event_id"] for r in rows(settings.events_partition(DAY1) / "part-0.parquet")] == ["e2", "e4"]


def test_no_requests_and_no_warehouse_yet_is_fine(tmp_path):
    s = Settings(tmp_path)
    write(s.events_partition(DAY1) / "part-0.parquet", [event("e1", "ac-keep", "pr-keep")])
    record = apply_erasures(s, DAY1, KEY)
    assert record["requests_total"] == 0
    assert [r["event_id"] for r in rows(s.events_partition(DAY1) / "part-0.parquet")] == ["e1"]


def test_a_raw_rewrite_keeps_the_files_own_columns(settings):
    """No received_date column made up from the partition folder lands in the rewritten file."""
    before = pq.read_schema(settings.events_partition(DAY1) / "part-0.parquet").names
    apply_erasures(settings, DAY2, KEY)
    assert pq.read_schema(settings.events_partition(DAY1) / "part-0.parquet").names == before


# --- the spark target's tables: plain Parquet folders, laid out as Spark writes them -------------
SPARK_PART = "part-00000-3f1c-4b7e.c000.snappy.parquet"


def spark_file(s: Settings, table: str, partition: str | None, select: str) -> Path:
    """One Spark-layout table file (with its .crc sibling and the table's _SUCCESS marker)."""
    from bingewatch.warehouse_tables import spark_tables_dir

    table_dir = spark_tables_dir(s) / table
    folder = table_dir / partition if partition else table_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SPARK_PART
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"copy ({select}) to '{path}' (format parquet)")
    (folder / f".{SPARK_PART}.crc").write_bytes(b"crc")
    (table_dir / "_SUCCESS").touch()
    return path


@pytest.fixture()
def spark_settings(settings) -> Settings:
    """The same accounts in Spark's tables: a date-partitioned mart and an unpartitioned table."""
    erased, kept = viewer_key("pr-erase-1", KEY), viewer_key("pr-keep", KEY)
    for day in ("2026-03-01", "2026-03-02"):
        spark_file(
            settings,
            "daily_viewers",
            f"activity_date={day}",
            f"select * from (values ('{erased}', 1.5, timestamptz '{day} 20:00:00+00'), "
            f"('{kept}', 3.0, timestamptz '{day} 21:00:00+00')) "
            "as t(viewer_key, watch_time_s, first_play_at)",
        )
    spark_file(
        settings,
        "int_days",
        None,
        "select * from (values ('pr-erase-2', 2::bigint), ('pr-keep', 3::bigint)) as t(profile_id, watch_ms)",
    )
    spark_file(settings, "public_title_streaks", None, "select 'Show' as show_title, 12::bigint as viewers")
    return settings


def columns(path: Path) -> list[tuple[str, str]]:
    return [(field.name, str(field.type)) for field in pq.read_schema(path)]


def spark_rows(path: Path) -> list[tuple]:
    return [tuple(r.values()) for r in pq.read_table(path).to_pylist()]


def test_a_new_request_is_erased_from_the_spark_targets_parquet_tables(spark_settings):
    s = spark_settings
    from bingewatch.warehouse_tables import spark_tables_dir

    tables = spark_tables_dir(s)
    partitions = [tables / "daily_viewers" / f"activity_date={day}" for day in ("2026-03-01", "2026-03-02")]
    days = [partition / SPARK_PART for partition in partitions]
    schema_before = columns(days[0])
    untouched = {p: p.read_bytes() for p in (tables / "public_title_streaks").rglob("*") if p.is_file()}

    apply_erasures(s, DAY2, KEY)

    kept = viewer_key("pr-keep", KEY)
    for path in days:
        assert [r[0] for r in spark_rows(path)] == [kept]
        # Same columns and types as Spark wrote them: no partition column, timestamps still instants.
        assert columns(path) == schema_before
        # The stale checksum is gone (Hadoop would refuse the file), Spark's marker stays.
        assert not path.with_name(f".{SPARK_PART}.crc").exists()
    assert (tables / "daily_viewers" / "_SUCCESS").exists()
    assert spark_rows(tables / "int_days" / SPARK_PART) == [("pr-keep", 3)]
    streaks = tables / "public_title_streaks"
    assert {p: p.read_bytes() for p in streaks.rglob("*") if p.is_file()} == untouched

    [entry] = json.loads((s.warehouse_dir / ERASURE_LOG).read_text())["requests"]
    removed = entry["batch"]["warehouse_rows_removed"]
    assert {table: rows for table, rows in removed.items() if table.startswith("spark/")} == {
        f"spark/warehouse.db/int_days/{SPARK_PART}": 1,
        f"spark/warehouse.db/daily_viewers/activity_date=2026-03-01/{SPARK_PART}": 1,
        f"spark/warehouse.db/daily_viewers/activity_date=2026-03-02/{SPARK_PART}": 1,
    }
    # The DuckDB warehouse beside them was erased as before.
    assert removed["main.viewer_days"] == 1


def test_a_rerun_changes_no_spark_file(spark_settings):
    from bingewatch.warehouse_tables import spark_tables_dir

    apply_erasures(spark_settings, DAY2, KEY)
    files = {p: p.read_bytes() for p in spark_tables_dir(spark_settings).rglob("*") if p.is_file()}
    record = apply_erasures(spark_settings, DAY2, KEY)
    assert record["requests_erased_now"] == 0
    assert {p: p.read_bytes() for p in spark_tables_dir(spark_settings).rglob("*") if p.is_file()} == files


def test_the_spark_views_read_the_erased_tables_in_utc(spark_settings):
    """What stage_candidate reads on the spark target: erased rows gone, timestamps as UTC wall clock."""
    from bingewatch.warehouse_tables import readable_warehouse

    apply_erasures(spark_settings, DAY2, KEY)
    views = readable_warehouse(spark_settings, target="spark")
    with duckdb.connect(str(views), read_only=True) as con:
        con.execute("set TimeZone = 'America/New_York'")
        got = con.execute("select viewer_key, activity_date, first_play_at from daily_viewers order by 2")
        got = got.fetchall()
    kept = viewer_key("pr-keep", KEY)
    assert got == [
        (kept, date(2026, 3, 1), datetime(2026, 3, 1, 21)),
        (kept, date(2026, 3, 2), datetime(2026, 3, 2, 21)),
    ]


def test_a_request_that_names_no_account_is_recorded_as_rejected_with_its_row(settings):
    write(
        settings.raw_dir / "erasure_requests" / "erasure_requests.parquet",
        [
            {"account_id": "ac-erase", "requested_at": datetime(2026, 3, 2, 6)},
            {"account_id": None, "requested_at": datetime(2026, 3, 2, 7)},
        ],
    )
    record = apply_erasures(settings, DAY1, KEY)
    assert record["requests_erased_now"] == 1 and record["requests_rejected"] == 1
    erasure_log = json.loads((settings.warehouse_dir / ERASURE_LOG).read_text())
    assert erasure_log["rejected_requests"] == [
        {
            "reason": "erasure_request_without_account",
            "file": "erasure_requests/erasure_requests.parquet",
            "row_number": 1,
            "row": {"requested_at": "2026-03-02 07:00:00"},
        }
    ]
    # A rerun with nothing new keeps the record (and the erased account's entry) as it is.
    apply_erasures(settings, DAY1, KEY)
    assert json.loads((settings.warehouse_dir / ERASURE_LOG).read_text()) == erasure_log
