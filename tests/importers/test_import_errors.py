"""Malformed exports: a NetflixImportError naming file, line and reason, and nothing written."""

from __future__ import annotations

import pytest
from netflix_fixtures import (
    activity_row,
    playback_row,
    snapshot,
    write_csv,
    write_playback_events,
    write_viewing_activity,
    write_viewing_history,
)

from bingewatch.importers import ImportError_, NetflixImportError, import_netflix


@pytest.fixture
def earlier_import(tmp_path, data_dir):
    """A data dir that already holds an import: a failed import must leave it byte for byte."""
    import_netflix(
        write_viewing_activity(tmp_path / "earlier/ViewingActivity.csv", [activity_row()]), data_dir
    )
    return snapshot(data_dir)


def _fails(export, data_dir, before, *fragments, **kwargs):
    with pytest.raises(NetflixImportError) as caught:
        import_netflix(export, data_dir, **kwargs)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(data_dir) == before
    return message


def test_the_api_name_for_the_exception():
    assert ImportError_ is NetflixImportError


def test_bad_start_time(tmp_path, data_dir, earlier_import):
    rows = [activity_row(Start_Time=f"2022-01-{d:02d} 10:00:00") for d in range(1, 16)]
    rows.append(activity_row(Start_Time="2022-01-99 10:00:00"))
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", rows)
    _fails(
        export, data_dir, earlier_import, "ViewingActivity.csv line 17:", "Start Time '2022-01-99 10:00:00'"
    )


def test_bad_duration(tmp_path, data_dir, earlier_import):
    rows = [activity_row(Start_Time=f"2022-01-{d:02d} 10:00:00") for d in range(1, 16)]
    rows.append(activity_row(Duration="12:xx:00"))
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", rows)
    message = _fails(export, data_dir, earlier_import, "ViewingActivity.csv line 17:")
    assert message == "ViewingActivity.csv line 17: Duration '12:xx:00' is not HH:MM:SS"


def test_bad_bookmark_and_country(tmp_path, data_dir, earlier_import):
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row(Bookmark="soon")])
    _fails(export, data_dir, earlier_import, "line 2: Bookmark 'soon' is not HH:MM:SS")
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row(Country="Germany")])
    _fails(export, data_dir, earlier_import, "line 2: Country 'Germany'")


def test_mixed_date_orders_cannot_be_read_safely(tmp_path, data_dir, earlier_import):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Start_Time="28/12/2021 10:00"),
            activity_row(Start_Time="12/29/2021 10:00"),
        ],
    )
    _fails(export, data_dir, earlier_import, "ViewingActivity.csv line 3:", "month-first", "day-first")


def test_wrong_header(tmp_path, data_dir, earlier_import):
    export = write_csv(tmp_path / "ViewingActivity.csv", ["Profile", "When", "What"], [["a", "b", "c"]])
    _fails(
        export,
        data_dir,
        earlier_import,
        "ViewingActivity.csv line 1: unknown header",
        "Profile Name,Start Time,Duration,Attributes,Title,Supplemental Video Type,Device Type,"
        "Bookmark,Latest Bookmark,Country",
        "Title,Date",
    )


def test_a_folder_without_any_export(tmp_path, data_dir, earlier_import):
    write_csv(tmp_path / "folder/Other.csv", ["A"], [["1"]])
    _fails(tmp_path / "folder", data_dir, earlier_import, "no Netflix export found")


def test_bad_json_in_playtraces(tmp_path, data_dir, earlier_import):
    export = write_playback_events(
        tmp_path / "PlaybackRelatedEvents.csv",
        [
            playback_row("[]"),
            playback_row('[{"eventType": "start", "sessionOffsetMs": 0,'),
        ],
    )
    _fails(
        export, data_dir, earlier_import, "PlaybackRelatedEvents.csv line 3:", "Playtraces is not valid JSON"
    )


@pytest.mark.parametrize(
    ("traces", "reason"),
    [
        ('{"eventType": "start"}', "not a JSON array"),
        ('[{"sessionOffsetMs": 0}]', "item 1 has no eventType"),
        ('[{"eventType": "start", "sessionOffsetMs": "soon"}]', "sessionOffsetMs 'soon' is not a number"),
    ],
)
def test_malformed_playtraces(tmp_path, data_dir, earlier_import, traces, reason):
    export = write_playback_events(tmp_path / "PlaybackRelatedEvents.csv", [playback_row(traces)])
    _fails(export, data_dir, earlier_import, "PlaybackRelatedEvents.csv line 2:", reason)


def test_bad_history_date(tmp_path, data_dir, earlier_import):
    export = write_viewing_history(tmp_path / "NetflixViewingHistory.csv", [["Bird Box", "someday"]])
    _fails(export, data_dir, earlier_import, "NetflixViewingHistory.csv line 2: Date 'someday'")


def test_a_row_with_the_wrong_number_of_fields(tmp_path, data_dir, earlier_import):
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row()])
    with open(export, "a") as f:
        f.write("Anna,2021-12-28 13:02:11,00:22:05\n")
    _fails(export, data_dir, earlier_import, "ViewingActivity.csv line 3: has 3 fields, expected 10")


def test_line_numbers_count_physical_lines_of_quoted_multi_line_fields(tmp_path, data_dir, earlier_import):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Title="A title\nover two lines"),
            activity_row(Duration="bad"),
        ],
    )
    _fails(export, data_dir, earlier_import, "ViewingActivity.csv line 4: Duration 'bad'")


def test_an_error_in_one_file_of_a_folder_imports_nothing(tmp_path, data_dir, earlier_import):
    root = tmp_path / "export"
    write_viewing_activity(root / "a/ViewingActivity.csv", [activity_row(Start_Time="2022-02-01 10:00:00")])
    write_viewing_activity(root / "b/ViewingActivity.csv", [activity_row(Duration="1h")])
    _fails(root, data_dir, earlier_import, "b/ViewingActivity.csv line 2: Duration '1h'")


def test_time_zone_must_be_iana(tmp_path, data_dir, earlier_import):
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row()])
    _fails(
        export, data_dir, earlier_import, "'Mars/Olympus' is not an IANA time zone", time_zone="Mars/Olympus"
    )
    _fails(export, data_dir, earlier_import, "is not an IANA time zone", time_zone="../etc/passwd")
    _fails(export, data_dir, earlier_import, "is not an IANA time zone", time_zone="localtime")


def test_nothing_is_created_when_the_data_dir_did_not_exist(tmp_path):
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row(Duration="x")])
    with pytest.raises(NetflixImportError):
        import_netflix(export, tmp_path / "new-data")
    assert not (tmp_path / "new-data").exists()


def test_a_missing_path(tmp_path, data_dir):
    with pytest.raises(NetflixImportError, match="no such file or folder"):
        import_netflix(tmp_path / "nope.csv", data_dir)


def test_an_unreadable_earlier_titles_file_is_reported_not_overwritten(tmp_path, data_dir, earlier_import):
    titles = data_dir / "raw/titles/titles-import.parquet"
    titles.write_bytes(b"not parquet")
    before = snapshot(data_dir)
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row()])
    _fails(export, data_dir, before, "titles-import.parquet: an earlier import's file cannot be read")
