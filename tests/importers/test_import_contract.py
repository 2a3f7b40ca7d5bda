"""What an import writes: exactly the raw contract, idempotently, replacing its own files only."""

from __future__ import annotations

import duckdb
from netflix_fixtures import activity_row, events, snapshot, table, write_viewing_activity

from bingewatch.importers import import_netflix

# docs/architecture.md, "Raw contract as written by the generator (Parquet types)".
CONTRACT = {
    "playback_events": [
        ("event_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("profile_id", "VARCHAR"),
        ("playback_session_id", "VARCHAR"),
        ("title_id", "VARCHAR"),
        ("event_type", "VARCHAR"),
        ("event_ts", "TIMESTAMP"),
        ("received_at", "TIMESTAMP"),
        ("media_offset_ms", "BIGINT"),
        ("device_type", "VARCHAR"),
        ("country", "VARCHAR"),
        ("ip_address", "VARCHAR"),
        ("app_version", "VARCHAR"),
        ("autoplay", "BOOLEAN"),
    ],
    "profiles": [
        ("profile_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("time_zone", "VARCHAR"),
        ("country", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("analytics_opt_out", "BOOLEAN"),
    ],
    "titles": [
        ("title_id", "VARCHAR"),
        ("title_type", "VARCHAR"),
        ("series_id", "VARCHAR"),
        ("series_title", "VARCHAR"),
        ("season_number", "INTEGER"),
        ("episode_number", "INTEGER"),
        ("title", "VARCHAR"),
        ("runtime_s", "INTEGER"),
        ("release_date", "DATE"),
    ],
    "erasure_requests": [("account_id", "VARCHAR"), ("requested_at", "TIMESTAMP")],
}
EXPORT = [
    activity_row(
        Start_Time="2021-12-28 23:50:00",
        Duration="0:20:00",
        Bookmark="0:20:00",
        Attributes="Autoplayed: user action: User_Interaction; ",
    ),
    activity_row(
        Profile_Name="Ben",
        Start_Time="2021-12-30 10:00:00",
        Title="Bird Box",
        Supplemental_Video_Type="TRAILER",
        Duration="0:01:00",
        Bookmark="0:01:00",
    ),
]


def _describe(path) -> list[tuple[str, str]]:
    rows = (
        duckdb.connect()
        .execute(f"describe select * from read_parquet('{path.as_posix()}', hive_partitioning = false)")
        .fetchall()
    )
    return [(r[0], r[1]) for r in rows]


def test_written_files_have_exactly_the_contract_columns_and_types(tmp_path, data_dir):
    import_netflix(write_viewing_activity(tmp_path / "ViewingActivity.csv", EXPORT), data_dir)
    raw = data_dir / "raw"
    event_files = sorted((raw / "playback_events").glob("received_date=*/part-import-*.parquet"))
    assert len(event_files) == 3  # 12-28, 12-29 (after midnight), 12-30
    for path in event_files:
        assert _describe(path) == CONTRACT["playback_events"], path
    assert _describe(raw / "profiles/profiles-import.parquet") == CONTRACT["profiles"]
    assert _describe(raw / "titles/titles-import.parquet") == CONTRACT["titles"]
    assert _describe(raw / "erasure_requests/erasure_requests.parquet") == CONTRACT["erasure_requests"]
    assert table(raw / "erasure_requests/erasure_requests.parquet") == []
    # received_date (the folder) is received_at::date, and every event type is in the contract
    for event in events(data_dir):
        assert event["received_date"] == event["received_at"].date()
        assert event["event_type"] in {"start", "playing", "paused", "reposition", "heartbeat", "stopped"}
        assert (
            event["event_id"] and event["profile_id"] and event["playback_session_id"] and event["title_id"]
        )
    assert not list(data_dir.glob(".import-staging-*"))


def test_event_ids_are_unique_and_stable(tmp_path, data_dir):
    import_netflix(write_viewing_activity(tmp_path / "ViewingActivity.csv", EXPORT), data_dir)
    first = events(data_dir)
    assert len({e["event_id"] for e in first}) == len(first)
    other = tmp_path / "other-data"
    import_netflix(write_viewing_activity(tmp_path / "copy/ViewingActivity.csv", EXPORT), other)
    assert events(other) == first


def test_reimporting_the_same_file_is_idempotent(tmp_path, data_dir):
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", EXPORT)
    first_summary = import_netflix(export, data_dir)
    first_files = snapshot(data_dir)
    first_events = events(data_dir)
    second_summary = import_netflix(export, data_dir)
    assert events(data_dir) == first_events
    assert snapshot(data_dir) == first_files  # same files, byte for byte: nothing duplicated
    # the erasure file is only written when missing, so the second import writes one file less
    first_summary.pop("files_written"), second_summary.pop("files_written")
    assert second_summary == first_summary


def test_a_newer_export_replaces_the_earlier_import_of_the_same_account(tmp_path, data_dir):
    import_netflix(write_viewing_activity(tmp_path / "old/ViewingActivity.csv", EXPORT), data_dir)
    newer = [activity_row(Start_Time="2021-12-30 10:00:00"), activity_row(Start_Time="2021-12-31 10:00:00")]
    summary = import_netflix(write_viewing_activity(tmp_path / "new/ViewingActivity.csv", newer), data_dir)
    assert (
        summary["files_removed"] == [p for p in summary["files_removed"] if "received_date=2021-12-2" in p]
        and len(summary["files_removed"]) == 2
    )
    assert sorted({str(e["received_date"]) for e in events(data_dir)}) == ["2021-12-30", "2021-12-31"]
    assert not (data_dir / "raw/playback_events/received_date=2021-12-28").exists()
    # reference rows are merged, never dropped: Ben's profile and the trailer stay
    assert len(table(data_dir / "raw/profiles/profiles-import.parquet")) == 2


def test_two_accounts_live_side_by_side(tmp_path, data_dir):
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", EXPORT)
    import_netflix(export, data_dir, account_id="alice", time_zone="Europe/Berlin")
    import_netflix(export, data_dir, account_id="bob", time_zone="America/New_York")
    assert {e["account_id"] for e in events(data_dir)} == {"alice", "bob"}
    assert len(events(data_dir)) == 2 * len(
        {e["event_id"] for e in events(data_dir) if e["account_id"] == "bob"}
    )
    profiles = table(data_dir / "raw/profiles/profiles-import.parquet")
    assert sorted((p["account_id"], p["time_zone"]) for p in profiles) == [
        ("alice", "Europe/Berlin"),
        ("alice", "Europe/Berlin"),
        ("bob", "America/New_York"),
        ("bob", "America/New_York"),
    ]
    assert len(table(data_dir / "raw/titles/titles-import.parquet")) == 2  # titles are shared


def test_an_existing_erasure_file_is_left_alone(tmp_path, data_dir):
    erasure = data_dir / "raw/erasure_requests/erasure_requests.parquet"
    erasure.parent.mkdir(parents=True)
    duckdb.connect().execute(
        f"copy (select 'acct'::VARCHAR as account_id, TIMESTAMP '2022-01-01' as requested_at) "
        f"to '{erasure.as_posix()}' (format parquet)"
    )
    import_netflix(write_viewing_activity(tmp_path / "ViewingActivity.csv", EXPORT), data_dir)
    assert [r["account_id"] for r in table(erasure)] == ["acct"]


def test_the_summary_reports_everything_and_reads_well(tmp_path, data_dir):
    from bingewatch.importers import format_summary

    summary = import_netflix(write_viewing_activity(tmp_path / "ViewingActivity.csv", EXPORT), data_dir)
    assert {
        "files",
        "files_ignored",
        "rows_read",
        "sessions_written",
        "events_written",
        "rows_skipped",
        "history_without_duration",
        "profiles",
        "titles",
        "arrival_dates",
        "arrival_dates_with_events",
        "files_written",
        "files_removed",
        "notes",
        "account_id",
        "time_zone",
        "data_dir",
    } <= set(summary)
    text = format_summary(summary)
    assert "Rows read: 2; sessions written: 2;" in text
    assert "Arrival dates: 2021-12-28 .. 2021-12-30 (3 day(s), 3 with viewing)" in text
    assert f"Next: bingewatch --data-dir {data_dir} run" in text.splitlines()
