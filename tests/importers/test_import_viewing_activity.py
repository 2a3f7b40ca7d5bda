"""ViewingActivity.csv quirks, one test each, through import_netflix."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from netflix_fixtures import activity_row, events, table, watch_seconds, write_viewing_activity

from bingewatch.importers import import_netflix
from bingewatch.importers.model import profile_id_for


def _sessions(data_dir):
    grouped = defaultdict(list)
    for event in events(data_dir):
        grouped[event["playback_session_id"]].append(event)
    return grouped


def _titles(data_dir):
    return {r["title_id"]: r for r in table(data_dir / "raw/titles/titles-import.parquet")}


def test_a_row_becomes_a_session_that_watches_exactly_its_duration(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Start_Time="2021-12-28 13:02:11", Duration="00:22:05", Bookmark="00:25:00"),
        ],
    )
    summary = import_netflix(export, data_dir)
    (session,) = _sessions(data_dir).values()
    types = [e["event_type"] for e in session]
    assert types[0] == "start" and types[-1] == "stopped" and set(types[1:-1]) == {"heartbeat"}
    assert len(types) == 2 + 22  # heartbeats at 60 s .. 1320 s
    start, stop = session[0], session[-1]
    assert start["event_ts"] == datetime(2021, 12, 28, 13, 2, 11)
    assert stop["event_ts"] - start["event_ts"] == timedelta(seconds=1325)
    assert start["media_offset_ms"] == (1500 - 1325) * 1000 and stop["media_offset_ms"] == 1500 * 1000
    assert watch_seconds(session) == 1325
    assert {e["autoplay"] for e in session} == {False}
    assert {e["ip_address"] for e in session} == {None}
    assert {e["country"] for e in session} == {"DE"}
    assert all(e["received_at"] == e["event_ts"] for e in session)
    assert summary["sessions_written"] == 1 and summary["events_written"] == 24
    assert summary["files"][0]["format"] == "viewing_activity"
    assert summary["arrival_dates"] == ["2021-12-28"]


def test_titles_with_commas_and_quotes_survive_csv_quoting(tmp_path, data_dir):
    title = 'Haus des Geldes: Teil 1: Folge 1, "Der Plan"'
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row(Title=title)])
    assert '"Haus des Geldes: Teil 1: Folge 1, ""Der Plan"""' in export.read_text()
    import_netflix(export, data_dir)
    (row,) = _titles(data_dir).values()
    assert row["series_title"] == "Haus des Geldes" and row["title"] == 'Folge 1, "Der Plan"'
    assert row["season_number"] == 1 and row["title_type"] == "episode"


def test_not_latest_view_is_only_metadata(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Latest_Bookmark="Not latest view"),
            activity_row(Start_Time="2021-12-29 10:00:00", Latest_Bookmark="00:22:05"),
        ],
    )
    summary = import_netflix(export, data_dir)
    assert summary["sessions_written"] == 2 and summary["rows_skipped"] == {}


def test_autoplay_attributes_with_trailing_separator(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Start_Time="2021-12-28 10:00:00", Attributes="Autoplayed: user action: None; "),
            activity_row(
                Start_Time="2021-12-28 11:00:00", Attributes="Autoplayed: user action: User_Interaction; "
            ),
            activity_row(Start_Time="2021-12-28 12:00:00", Attributes=""),
            activity_row(Start_Time="2021-12-28 13:00:00", Attributes="Has branched playback; "),
        ],
    )
    import_netflix(export, data_dir)
    by_start = {s[0]["event_ts"].hour: s for s in _sessions(data_dir).values()}
    unattended, touched, started, branched = by_start[10], by_start[11], by_start[12], by_start[13]
    # Autoplay, no user action: autoplay and nothing interactive.
    assert {e["autoplay"] for e in unattended} == {True}
    assert not {"paused", "reposition"} & {e["event_type"] for e in unattended}
    # Autoplay the viewer interacted with: still autoplay, made interactive by one reposition.
    assert {e["autoplay"] for e in touched} == {True}
    assert [e["event_type"] for e in touched].count("reposition") == 1
    assert watch_seconds(touched) == watch_seconds(unattended) == 1325
    # No attribute: the viewer started it.
    assert {e["autoplay"] for e in started} == {False}
    assert {e["autoplay"] for e in branched} == {False}


def test_supplemental_video_types_become_trailers_hooks_and_recaps(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(
                Title="Bird Box", Supplemental_Video_Type="HOOK", Duration="0:00:30", Bookmark="0:00:30"
            ),
            activity_row(
                Title="Bird Box",
                Supplemental_Video_Type="TEASER_TRAILER",
                Duration="0:01:30",
                Bookmark="0:01:30",
            ),
            activity_row(
                Title="Dark: Season 2: Lost and Found (Episode 1)",
                Supplemental_Video_Type="RECAP",
                Duration="0:01:00",
                Bookmark="0:01:00",
            ),
            activity_row(
                Title="Bird Box",
                Supplemental_Video_Type="PROMOTIONAL",
                Start_Time="2021-12-28 14:00:00",
                Duration="0:00:10",
                Bookmark="0:00:10",
            ),
            activity_row(
                Title="Bird Box", Duration="2:04:00", Bookmark="2:04:00", Start_Time="2021-12-28 20:00:00"
            ),
        ],
    )
    summary = import_netflix(export, data_dir)
    kinds = sorted((r["title"], r["title_type"]) for r in _titles(data_dir).values())
    assert kinds == [
        ("Bird Box", "film"),
        ("Bird Box", "hook"),
        ("Bird Box", "trailer"),
        ("Lost and Found", "recap"),
    ]
    assert summary["sessions_written"] == 5 and summary["titles"] == 4


def test_resumes_stay_separate_sessions_and_runtime_is_the_largest_bookmark(tmp_path, data_dir):
    episode = "The Office (U.S.): Season 3: The Convict (Episode 9)"
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(
                Title=episode,
                Start_Time="2021-12-28 20:00:00",
                Duration="0:10:00",
                Bookmark="0:10:00",
                Latest_Bookmark="Not latest view",
            ),
            activity_row(
                Title=episode, Start_Time="2021-12-28 21:00:00", Duration="0:12:00", Bookmark="0:22:00"
            ),
        ],
    )
    summary = import_netflix(export, data_dir)
    sessions = sorted(_sessions(data_dir).values(), key=lambda s: s[0]["event_ts"])
    assert len(sessions) == 2 and summary["sessions_written"] == 2
    assert len({s[0]["title_id"] for s in sessions}) == 1
    assert sessions[1][0]["media_offset_ms"] == 600_000 and sessions[1][-1]["media_offset_ms"] == 1_320_000
    (title,) = _titles(data_dir).values()
    assert title["runtime_s"] == 22 * 60


def test_runtime_falls_back_to_the_longest_duration_without_bookmarks(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Title="Klaus", Duration="1:30:00", Bookmark=""),
            activity_row(Title="Klaus", Duration="0:20:00", Bookmark="", Start_Time="2021-12-29 10:00:00"),
        ],
    )
    import_netflix(export, data_dir)
    (title,) = _titles(data_dir).values()
    assert title["runtime_s"] == 5400


def test_spreadsheet_dates_and_durations(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Start_Time="12/28/2021 13:02", Duration="0:00:02", Bookmark="0:00:02"),
            activity_row(Start_Time="12/29/2021 9:05", Duration="1:02", Bookmark="1:02"),
        ],
    )
    import_netflix(export, data_dir)
    sessions = sorted(_sessions(data_dir).values(), key=lambda s: s[0]["event_ts"])
    assert sessions[0][0]["event_ts"] == datetime(2021, 12, 28, 13, 2, 0)
    assert watch_seconds(sessions[0]) == 2
    assert sessions[1][0]["event_ts"] == datetime(2021, 12, 29, 9, 5)
    assert watch_seconds(sessions[1]) == 3720  # a two-part duration is H:MM (seconds lost)


def test_day_first_spreadsheet_dates_are_detected_per_file(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Start_Time="12/04/2021 13:02"),
            activity_row(Start_Time="13/04/2021 13:02"),
        ],
    )
    import_netflix(export, data_dir)
    starts = sorted(s[0]["event_ts"] for s in _sessions(data_dir).values())
    assert starts == [datetime(2021, 4, 12, 13, 2), datetime(2021, 4, 13, 13, 2)]


def test_minutes_seconds_column_is_detected(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Duration="45:10", Bookmark="45:10"),
            activity_row(Duration="1:02", Bookmark="1:02", Start_Time="2021-12-29 10:00:00"),
        ],
    )
    import_netflix(export, data_dir)
    assert sorted(watch_seconds(s) for s in _sessions(data_dir).values()) == [62, 2710]


def test_several_profiles_in_one_file(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Profile_Name="Anna"),
            activity_row(Profile_Name="Ben", Country="US (United States)"),
            activity_row(Profile_Name="Kids", Start_Time="2021-12-30 08:00:00", Country=""),
        ],
    )
    summary = import_netflix(export, data_dir, time_zone="Europe/Berlin", account_id="acct-1")
    profiles = {r["profile_id"]: r for r in table(data_dir / "raw/profiles/profiles-import.parquet")}
    assert set(profiles) == {profile_id_for("acct-1", n) for n in ("Anna", "Ben", "Kids")}
    anna = profiles[profile_id_for("acct-1", "Anna")]
    assert anna["time_zone"] == "Europe/Berlin" and anna["account_id"] == "acct-1"
    assert anna["country"] == "DE" and anna["analytics_opt_out"] is False
    assert anna["created_at"] == datetime(2021, 12, 28, 13, 2, 11)
    assert profiles[profile_id_for("acct-1", "Ben")]["country"] == "US"
    assert profiles[profile_id_for("acct-1", "Kids")]["country"] is None
    assert [p["profile_name"] for p in summary["profiles"]] == ["Anna", "Ben", "Kids"]
    assert {e["profile_id"] for e in events(data_dir)} == set(profiles)


def test_bom_and_crlf_line_endings(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Title='Show, with comma: Season 1: "Quoted" (Episode 2)'),
            activity_row(Start_Time="2021-12-29 10:00:00"),
        ],
        bom=True,
        crlf=True,
    )
    assert export.read_bytes().startswith(b"\xef\xbb\xbfProfile Name") and b"\r\n" in export.read_bytes()
    summary = import_netflix(export, data_dir)
    assert summary["rows_read"] == 2 and summary["sessions_written"] == 2
    assert {r["series_title"] for r in _titles(data_dir).values()} == {
        "Show, with comma",
        "The Office (U.S.)",
    }


def test_semicolon_delimited_cp1252_spreadsheet_save(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Title="Amélie", Start_Time="28.12.2021 20:00"),
        ],
        delimiter=";",
        encoding="cp1252",
        crlf=True,
    )
    summary = import_netflix(export, data_dir)
    assert summary["files"][0]["encoding"] == "cp1252"
    assert [r["title"] for r in _titles(data_dir).values()] == ["Amélie"]


def test_identical_rows_are_skipped_and_zero_durations_write_nothing(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(),
            activity_row(),
            activity_row(Start_Time="2021-12-28 15:00:00", Duration="0:00:00", Bookmark="0:00:00"),
        ],
    )
    summary = import_netflix(export, data_dir)
    assert summary["sessions_written"] == 1
    assert summary["rows_skipped"] == {"duplicate_row": 1, "zero_duration": 1}


def test_a_session_across_utc_midnight_and_days_without_viewing(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Start_Time="2021-12-28 23:50:00", Duration="0:20:00", Bookmark="0:20:00"),
            activity_row(Start_Time="2022-01-01 10:00:00"),
        ],
    )
    summary = import_netflix(export, data_dir)
    assert summary["arrival_dates"] == ["2021-12-28", "2021-12-29", "2021-12-30", "2021-12-31", "2022-01-01"]
    assert summary["arrival_dates_with_events"] == 3
    first = min(_sessions(data_dir).values(), key=lambda s: s[0]["event_ts"])
    assert {str(e["received_date"]) for e in first} == {"2021-12-28", "2021-12-29"}
    assert watch_seconds(first) == 1200
    empty_day = data_dir / "raw/playback_events/received_date=2021-12-30"
    assert [table(p) for p in empty_day.glob("*.parquet")] == [[]]


def test_runtime_covers_every_written_offset(tmp_path, data_dir):
    # A Bookmark of 0 with a long Duration (seen on real rows) runs offsets from 0 to the
    # Duration; the runtime must cover them or the pipeline would quarantine them as absurd.
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Title="Klaus", Duration="0:30:00", Bookmark="0:00:00"),
            activity_row(
                Title="Klaus", Duration="0:05:00", Bookmark="0:10:00", Start_Time="2021-12-29 10:00:00"
            ),
        ],
    )
    import_netflix(export, data_dir)
    (title,) = _titles(data_dir).values()
    assert title["runtime_s"] == 1800
    assert max(e["media_offset_ms"] for e in events(data_dir)) <= title["runtime_s"] * 1000


def test_utf16_tab_separated_unicode_text_save(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.txt.csv",
        [activity_row(Title="Élite: Temporada 1: Bienvenidos (Episodio 1)")],
        delimiter="\t",
        encoding="utf-16",
        crlf=True,
    )
    assert export.read_bytes()[:2] == b"\xff\xfe"
    summary = import_netflix(export, data_dir)
    assert summary["files"][0]["encoding"] == "utf-16"
    assert [r["series_title"] for r in _titles(data_dir).values()] == ["Élite"]
