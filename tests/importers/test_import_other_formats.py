"""PlaybackRelatedEvents.csv, NetflixViewingHistory.csv, folders and format detection."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from netflix_fixtures import (
    activity_row,
    events,
    playback_row,
    table,
    watch_seconds,
    write_csv,
    write_playback_events,
    write_viewing_activity,
    write_viewing_history,
)

from bingewatch.importers import import_netflix
from bingewatch.importers.playback_events import map_event_type

TRACES = [
    {"eventType": "start", "sessionOffsetMs": 0, "mediaOffsetMs": 0},
    {"eventType": "playing", "sessionOffsetMs": 1000, "mediaOffsetMs": 0},
    {"eventType": "paused", "sessionOffsetMs": 61000, "mediaOffsetMs": 60000},
    {"eventType": "playing", "sessionOffsetMs": 121000, "mediaOffsetMs": 60000},
    {"eventType": "repositioned", "sessionOffsetMs": 150000, "mediaOffsetMs": 600000},
    {"eventType": "stop", "sessionOffsetMs": 210000, "mediaOffsetMs": 660000},
]


@pytest.mark.parametrize(
    ("netflix", "ours"),
    [
        ("start", "start"),
        ("PLAYING", "playing"),
        ("resume", "playing"),
        ("paused", "paused"),
        ("repositioned", "reposition"),
        ("seek", "reposition"),
        ("keep_alive", "heartbeat"),
        ("heartbeat", "heartbeat"),
        ("stop", "stopped"),
        ("stopped", "stopped"),
        ("teleport", None),
    ],
)
def test_event_type_mapping(netflix, ours):
    assert map_event_type(netflix) == ours


def test_playtraces_map_directly_to_events(tmp_path, data_dir):
    export = write_playback_events(tmp_path / "PlaybackRelatedEvents.csv", [playback_row(TRACES)])
    summary = import_netflix(export, data_dir)
    session = events(data_dir)
    assert [e["event_type"] for e in session] == [
        "start",
        "playing",
        "paused",
        "playing",
        "reposition",
        "stopped",
    ]
    start = datetime(2022, 3, 1, 20, 0)
    assert [e["event_ts"] for e in session] == [
        start + timedelta(milliseconds=t["sessionOffsetMs"]) for t in TRACES
    ]
    assert [e["media_offset_ms"] for e in session] == [t["mediaOffsetMs"] for t in TRACES]
    assert {e["autoplay"] for e in session} == {False}
    assert watch_seconds(session) == 210 - 60  # the pause is not watched
    assert summary["files"][0]["format"] == "playback_related_events"
    (title,) = table(data_dir / "raw/titles/titles-import.parquet")
    assert title["runtime_s"] == 660 and title["series_title"] == "Dark"


def test_empty_playtraces_and_unknown_event_types_are_counted(tmp_path, data_dir):
    export = write_playback_events(
        tmp_path / "PlaybackRelatedEvents.csv",
        [
            playback_row("[]"),
            playback_row(
                [{"eventType": "teleport", "sessionOffsetMs": 0, "mediaOffsetMs": 0}],
                Playback_Start_Utc_Ts="2022-03-02 20:00:00",
            ),
            playback_row(
                TRACES + [{"eventType": "teleport", "sessionOffsetMs": 5, "mediaOffsetMs": 0}],
                Playback_Start_Utc_Ts="2022-03-03 20:00:00",
            ),
        ],
    )
    summary = import_netflix(export, data_dir)
    assert summary["rows_skipped"] == {"empty_playtraces": 1, "no_known_event_types": 1}
    assert summary["sessions_written"] == 1 and summary["events_written"] == len(TRACES)
    assert summary["notes"] == {"unknown eventType left out: teleport": 2}


def test_viewing_history_gives_titles_but_never_viewing(tmp_path, data_dir):
    export = write_viewing_history(
        tmp_path / "NetflixViewingHistory.csv",
        [
            ["The Office (U.S.): Season 3: The Convict (Episode 9)", "12/28/21"],
            ["Bird Box", "1/2/22"],
        ],
    )
    summary = import_netflix(export, data_dir)
    assert summary["files"][0]["format"] == "viewing_history"
    assert summary["events_written"] == 0 and summary["sessions_written"] == 0
    assert summary["rows_skipped"] == {"history_without_duration": 2}
    assert summary["history_without_duration"] == 2
    assert summary["history_dates"] == {"first": "2021-12-28", "last": "2022-01-02"}
    assert not (data_dir / "raw/playback_events").exists()
    assert not (data_dir / "raw/profiles").exists()
    titles = table(data_dir / "raw/titles/titles-import.parquet")
    assert sorted((t["title"], t["runtime_s"]) for t in titles) == [("Bird Box", None), ("The Convict", None)]
    assert (data_dir / "raw/erasure_requests/erasure_requests.parquet").is_file()


def test_format_is_detected_by_header_not_name(tmp_path, data_dir):
    export = write_viewing_activity(tmp_path / "my-netflix (1).csv", [activity_row()])
    summary = import_netflix(export, data_dir)
    assert summary["files"][0]["format"] == "viewing_activity"


def test_a_folder_is_searched_recursively_and_other_csvs_are_ignored(tmp_path, data_dir):
    root = tmp_path / "netflix-report"
    write_viewing_activity(root / "CONTENT_INTERACTION/ViewingActivity.csv", [activity_row()])
    write_viewing_history(root / "extra/NetflixViewingHistory.csv", [["Bird Box", "1/2/22"]])
    write_csv(root / "ACCOUNT/AccountDetails.csv", ["First Name", "Email"], [["A", "a@example.org"]])
    summary = import_netflix(root, data_dir)
    assert sorted(f["format"] for f in summary["files"]) == ["viewing_activity", "viewing_history"]
    assert summary["files_ignored"] == ["ACCOUNT/AccountDetails.csv"]
    assert summary["sessions_written"] == 1 and summary["titles"] == 2


def test_viewing_activity_wins_over_playback_events_for_the_same_profile(tmp_path, data_dir):
    root = tmp_path / "export"
    write_viewing_activity(root / "ViewingActivity.csv", [activity_row(Profile_Name="Anna")])
    write_playback_events(
        root / "PlaybackRelatedEvents.csv",
        [
            playback_row(TRACES, Profile_Name="Anna"),
            playback_row(TRACES, Profile_Name="Ben"),
        ],
    )
    summary = import_netflix(root, data_dir)
    assert summary["rows_skipped"] == {"profile_imported_from_viewing_activity": 1}
    assert summary["sessions_written"] == 2
    by_session = defaultdict(set)
    for e in events(data_dir):
        by_session[e["profile_id"]].add(e["app_version"])
    assert sorted(min(v) for v in by_session.values()) == [
        "netflix-export:PlaybackRelatedEvents",
        "netflix-export:ViewingActivity",
    ]


def test_events_at_the_same_instant_keep_the_export_order(tmp_path, data_dir):
    traces = [
        {"eventType": "start", "sessionOffsetMs": 0, "mediaOffsetMs": 0},
        {"eventType": "playing", "sessionOffsetMs": 0, "mediaOffsetMs": 0},
        {"eventType": "paused", "sessionOffsetMs": 60000, "mediaOffsetMs": 60000},
        {"eventType": "playing", "sessionOffsetMs": 60000, "mediaOffsetMs": 60000},
        {"eventType": "stop", "sessionOffsetMs": 120000, "mediaOffsetMs": 120000},
    ]
    export = write_playback_events(tmp_path / "PlaybackRelatedEvents.csv", [playback_row(traces)])
    import_netflix(export, data_dir)
    ordered = sorted(events(data_dir), key=lambda e: (e["event_ts"], e["event_id"]))
    assert [e["event_type"] for e in ordered] == ["start", "playing", "paused", "playing", "stopped"]
    assert watch_seconds(ordered) == 120


def test_extra_columns_in_a_newer_export_are_tolerated(tmp_path, data_dir):
    header = [
        "Profile Name",
        "Start Time",
        "Duration",
        "Attributes",
        "Title",
        "Supplemental Video Type",
        "Device Type",
        "Bookmark",
        "Latest Bookmark",
        "Country",
        "Something New",
    ]
    row = activity_row()
    export = write_csv(tmp_path / "ViewingActivity.csv", header, [{**row, "Something New": "x"}])
    summary = import_netflix(export, data_dir)
    assert summary["files"][0]["format"] == "viewing_activity" and summary["sessions_written"] == 1


def test_heartbeats_are_filled_in_while_the_trace_says_playing(tmp_path, data_dir):
    # Playtraces hold state changes only; without the client's 60 s heartbeats the pipeline
    # would cap each stretch of playing at 300 s.
    minute = 60_000
    traces = [
        {"eventType": "start", "sessionOffsetMs": 0, "mediaOffsetMs": 0},
        {"eventType": "playing", "sessionOffsetMs": 0, "mediaOffsetMs": 0},
        {"eventType": "paused", "sessionOffsetMs": 10 * minute, "mediaOffsetMs": 10 * minute},
        {"eventType": "playing", "sessionOffsetMs": 15 * minute, "mediaOffsetMs": 10 * minute},
        {"eventType": "stop", "sessionOffsetMs": 40 * minute, "mediaOffsetMs": 35 * minute},
    ]
    stalled = [
        {"eventType": "start", "sessionOffsetMs": 0, "mediaOffsetMs": 0},
        {"eventType": "stop", "sessionOffsetMs": 60 * minute, "mediaOffsetMs": 10 * minute},
    ]
    export = write_playback_events(
        tmp_path / "PlaybackRelatedEvents.csv",
        [playback_row(traces), playback_row(stalled, Playback_Start_Utc_Ts="2022-03-02 20:00:00")],
    )
    summary = import_netflix(export, data_dir)
    by_session = defaultdict(list)
    for event in events(data_dir):
        by_session[event["event_ts"].day].append(event)
    assert watch_seconds(by_session[1]) == 35 * 60  # 10 min, a 5 min pause, 25 min
    # The media advanced 10 minutes in an hour: heartbeats cover those, then the 300 s cap.
    assert watch_seconds(by_session[2]) == 9 * 60 + 300
    assert summary["notes"]["heartbeats added between playtraces"] == 9 + 24 + 9
    heartbeats = [e for e in by_session[1] if e["event_type"] == "heartbeat"]
    assert all(e["media_offset_ms"] <= 35 * minute for e in heartbeats)
