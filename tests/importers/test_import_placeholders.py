"""Placeholder timestamps (the Unix epoch, any start before Netflix streamed) are skipped and counted."""

from __future__ import annotations

from datetime import datetime

from netflix_fixtures import (
    activity_row,
    events,
    playback_row,
    write_playback_events,
    write_viewing_activity,
    write_viewing_history,
)

from bingewatch.importers import import_netflix
from bingewatch.importers.dates import is_placeholder
from bingewatch.importers.report import format_summary


def test_an_epoch_row_with_a_duration_is_skipped_and_the_arrival_range_is_the_real_one(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Start_Time="1970-01-01 00:00:00", Duration="00:42:00"),
            activity_row(Start_Time="2006-12-31 23:59:59", Duration="00:10:00"),
            activity_row(Start_Time="2021-12-28 13:02:11", Duration="00:22:05"),
            activity_row(Start_Time="2021-12-30 20:00:00", Duration="00:05:00"),
        ],
    )
    summary = import_netflix(export, data_dir)
    assert summary["rows_skipped"] == {"placeholder_start_time": 2}
    assert summary["arrival_dates"] == ["2021-12-28", "2021-12-29", "2021-12-30"]
    assert sorted(p.name for p in (data_dir / "raw" / "playback_events").iterdir()) == [
        "received_date=2021-12-28",
        "received_date=2021-12-29",
        "received_date=2021-12-30",
    ]
    assert min(e["event_ts"] for e in events(data_dir)).year == 2021
    # The service's first day is real viewing; the second before it is not.
    assert not is_placeholder(datetime(2007, 1, 1)) and is_placeholder(datetime(2006, 12, 31, 23, 59, 59))
    text = format_summary(summary)
    assert "placeholder_start_time 2" in text
    assert "Arrival dates: 2021-12-28 .. 2021-12-30" in text and "1970" not in text


def test_playback_traces_and_history_rows_at_the_epoch_are_skipped(tmp_path, data_dir):
    traces = [
        {"eventType": "start", "sessionOffsetMs": 0, "mediaOffsetMs": 0},
        {"eventType": "stop", "sessionOffsetMs": 60000, "mediaOffsetMs": 60000},
    ]
    write_playback_events(
        tmp_path / "export" / "PlaybackRelatedEvents.csv",
        [
            playback_row(traces, Playback_Start_Utc_Ts="1970-01-01 00:00:00"),
            playback_row(traces, Playback_Start_Utc_Ts="2022-03-01 20:00:00"),
        ],
    )
    write_viewing_history(
        tmp_path / "export" / "NetflixViewingHistory.csv",
        [["Dark: Season 1: Secrets", "1/1/1970"], ["Dark", "3/1/22"]],
    )
    summary = import_netflix(tmp_path / "export", data_dir)
    assert summary["rows_skipped"]["placeholder_start_time"] == 1
    assert summary["rows_skipped"]["placeholder_date"] == 1
    assert summary["arrival_dates"] == ["2022-03-01"]
    assert summary["history_dates"] == {"first": "2022-03-01", "last": "2022-03-01"}
