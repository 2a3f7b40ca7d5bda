"""Reference data validated per row before dbt (bingewatch/reference_data.py), on hand-made Parquet."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from bingewatch.reference_data import (
    ReferenceDataError,
    prepare_reference_data,
    reference_dir,
    valid_time_zones,
)
from bingewatch.settings import Settings

PROFILES = [
    # profile_id, account_id, time_zone, country, created_at, analytics_opt_out
    ("p-ok", "a1", "Europe/Berlin", "DE", "2026-01-01 00:00:00", False),
    ("p-opted-out", "a1", "UTC", "DE", "2026-01-01 00:00:00", True),
]
TITLES = [
    # title_id, title_type, series_id, series_title, season, episode, title, runtime_s, release_date
    ("t-ok", "film", None, None, None, None, "A Film", 5400, "2020-01-01"),
]


def _write(path, columns: str, rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"create table t ({columns})")
        if rows:
            con.executemany(f"insert into t values ({', '.join('?' * len(rows[0]))})", rows)
        con.execute(f"copy t to '{path}' (format parquet)")


def write_profiles(settings, rows, name="profiles.parquet", opt_out_type="boolean", zone_type="varchar"):
    _write(
        settings.raw_dir / "profiles" / name,
        f"profile_id varchar, account_id varchar, time_zone {zone_type}, country varchar, "
        f"created_at timestamp, analytics_opt_out {opt_out_type}",
        rows,
    )


def write_titles(settings, rows, name="titles.parquet", runtime_type="integer", season_type="integer"):
    _write(
        settings.raw_dir / "titles" / name,
        f"title_id varchar, title_type varchar, series_id varchar, series_title varchar, "
        f"season_number {season_type}, episode_number integer, title varchar, "
        f"runtime_s {runtime_type}, release_date date",
        rows,
    )


def write_erasures(settings, rows):
    _write(
        settings.raw_dir / "erasure_requests" / "erasure_requests.parquet",
        "account_id varchar, requested_at timestamp",
        rows,
    )


@pytest.fixture
def settings(tmp_path):
    settings = Settings.from_env(tmp_path / "data")
    write_profiles(settings, PROFILES)
    write_titles(settings, TITLES)
    write_erasures(settings, [])
    return settings


def _read(settings, name: str, order: str = "all") -> list[tuple]:
    path = reference_dir(settings) / f"{name}.parquet"
    with duckdb.connect() as con:
        return con.execute(f"select * from '{path}' order by {order}").fetchall()


def _rejected(settings) -> list[tuple]:
    return [(table, rid, reason) for table, rid, reason, _ in _read(settings, "rejected")]


def test_valid_reference_data_passes_through_unchanged(settings):
    summary = prepare_reference_data(settings)
    assert [row[0] for row in _read(settings, "profiles")] == ["p-ok", "p-opted-out"]
    assert [row[0] for row in _read(settings, "titles")] == ["t-ok"]
    assert _rejected(settings) == []
    assert summary["profiles"]["rows_read"] == 2
    assert summary["profiles"]["exact_duplicates_collapsed"] == 0


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus",  # not a zone at all
        "europe/berlin",  # IANA names are case-sensitive (ICU would read it, Python would not)
        "localtime",  # Python's zoneinfo knows it, DuckDB's ICU does not
        "Etc/Unknown",  # ICU silently reads it as UTC; it is not an IANA zone
        "",
        None,
    ],
)
def test_a_profile_with_an_unusable_time_zone_is_set_aside_and_the_others_go_on(settings, zone, caplog):
    write_profiles(settings, [*PROFILES, ("p-bad", "a2", zone, "DE", "2026-01-01 00:00:00", False)])
    summary = prepare_reference_data(settings)
    assert [row[0] for row in _read(settings, "profiles")] == ["p-ok", "p-opted-out"]
    assert _rejected(settings) == [("profiles", "p-bad", "invalid_profile_time_zone")]
    assert summary["profiles"]["rejected_by_reason"] == {"invalid_profile_time_zone": 1}
    assert "1 profiles row(s) set aside as invalid_profile_time_zone" in caplog.text
    assert "p-bad" not in caplog.text, "records and logs outlive an erasure: no profile id in them"


def test_every_zone_counted_valid_is_one_duckdb_computes_a_local_time_in():
    zones = sorted(valid_time_zones())
    assert "Europe/Berlin" in zones and "UTC" in zones and "localtime" not in zones
    with duckdb.connect() as con:
        for zone in zones[:: max(1, len(zones) // 60)]:
            con.execute("select timezone(?, timestamptz '2026-03-29 01:30:00+00')", [zone]).fetchone()


def test_exact_duplicate_rows_are_collapsed_and_counted(settings, caplog):
    write_profiles(settings, PROFILES, name="profiles-again.parquet")  # the file delivered twice
    write_titles(settings, TITLES, name="titles-again.parquet")
    summary = prepare_reference_data(settings)
    assert [row[0] for row in _read(settings, "profiles")] == ["p-ok", "p-opted-out"]
    assert summary["profiles"]["exact_duplicates_collapsed"] == 2
    assert summary["titles"]["exact_duplicates_collapsed"] == 1
    assert "2 exact duplicate profiles row(s) collapsed" in caplog.text


def test_conflicting_duplicates_block_naming_the_ids(settings):
    write_profiles(
        settings, [("p-ok", "a1", "Asia/Tokyo", "JP", "2026-01-01 00:00:00", False)], name="b.parquet"
    )
    with pytest.raises(ReferenceDataError, match=r"1 profile_id\(s\) appear with different values \(p-ok\)"):
        prepare_reference_data(settings)


@pytest.mark.parametrize("folder", ["profiles", "titles", "erasure_requests"])
def test_a_missing_reference_folder_is_refused_with_its_path(settings, folder):
    import shutil

    shutil.rmtree(settings.raw_dir / folder)
    with pytest.raises(
        ReferenceDataError, match=f"folder {settings.raw_dir / folder} does not exist"
    ) as error:
        prepare_reference_data(settings)
    assert error.value.retryable is False


def test_a_reference_folder_without_parquet_files_is_refused_with_its_path(settings):
    for path in (settings.raw_dir / "titles").iterdir():
        path.unlink()
    (settings.raw_dir / "titles" / "titles.csv").write_text("title_id\n")
    with pytest.raises(ReferenceDataError, match=f"no Parquet file in {settings.raw_dir / 'titles'}"):
        prepare_reference_data(settings)


def test_a_missing_contract_column_is_refused_naming_it(settings):
    _write(settings.raw_dir / "titles" / "titles.parquet", "title_id varchar, title varchar", [("t", "T")])
    with pytest.raises(ReferenceDataError, match="lacks column.*runtime_s"):
        prepare_reference_data(settings)


@pytest.mark.parametrize(
    ("flag", "expected"),
    [(None, True), ("maybe", True), ("", True), ("no", False), ("TRUE", True), ("0", False)],
)
def test_an_unknown_opt_out_flag_counts_as_opted_out(settings, flag, expected, caplog):
    write_profiles(
        settings,
        [("p-flag", "a3", "UTC", "DE", "2026-01-01 00:00:00", flag)],
        opt_out_type="varchar",
    )
    summary = prepare_reference_data(settings)
    assert _read(settings, "profiles")[0][5] is expected
    unknown = flag is None or flag.strip().lower() not in ("no", "true", "0")
    assert summary["profiles"]["opt_out_unknown_counted_as_opted_out"] == int(unknown)
    assert ("counted as opted out" in caplog.text) is unknown


def test_a_title_without_a_usable_runtime_is_set_aside(settings):
    write_titles(
        settings,
        [
            ("t-ok", "film", None, None, None, None, "A Film", "5400", "2020-01-01"),
            ("t-null", "episode", "s1", "S", "1", 1, "E1", None, None),
            ("t-text", "episode", "s1", "S", "1", 2, "E2", "about an hour", None),
            ("t-zero", "episode", "s1", "S", "1", 3, "E3", "0", None),
            ("t-season", "episode", "s1", "S", "two", 4, "E4", "1500", None),
        ],
        runtime_type="varchar",  # a titles column of the wrong type: read per value, never a crash
        season_type="varchar",
    )
    prepare_reference_data(settings)
    assert _read(settings, "titles") == [
        ("t-ok", "film", None, None, None, None, "A Film", 5400, date(2020, 1, 1))
    ]
    assert _rejected(settings) == [
        ("titles", "t-null", "title_without_runtime"),
        ("titles", "t-season", "invalid_title_season_number"),
        ("titles", "t-text", "title_without_runtime"),
        ("titles", "t-zero", "title_without_runtime"),
    ]
    details = {row[1]: row[3] for row in _read(settings, "rejected")}
    assert details["t-text"] == "runtime_s about an hour" and details["t-null"] == "runtime_s is NULL"


def test_profiles_and_titles_without_an_id_or_account_are_set_aside(settings):
    write_profiles(
        settings,
        [*PROFILES, (None, "a4", "UTC", "DE", None, False), ("p-no-account", None, "UTC", "DE", None, False)],
    )
    write_titles(settings, [*TITLES, (None, "film", None, None, None, None, "?", 100, None)])
    prepare_reference_data(settings)
    assert set(_rejected(settings)) == {
        ("profiles", None, "null_profile_id"),
        ("profiles", "p-no-account", "null_profile_account_id"),
        ("titles", None, "null_title_id"),
    }


def test_an_erasure_request_without_an_account_is_rejected_with_its_row(settings, caplog):
    write_erasures(settings, [("a1", "2026-03-01 10:00:00"), (None, "2026-03-01 11:00:00")])
    summary = prepare_reference_data(settings)
    assert _read(settings, "erasure_requests")[0][0] == "a1"
    assert _read(settings, "rejected") == [
        ("erasure_requests", None, "erasure_request_without_account", "requested_at 2026-03-01 11:00:00")
    ]
    assert summary["erasure_requests"]["rejected_by_reason"] == {"erasure_request_without_account": 1}
    assert "erasure_request_without_account" in caplog.text


def test_the_report_counts_what_was_set_aside_and_the_rejected_erasure_requests(settings):
    from bingewatch.nightly.apply_erasures import apply_erasures
    from bingewatch.nightly.write_report import write_report

    day = date(2026, 3, 2)
    write_profiles(
        settings,
        [
            *PROFILES,
            ("p-bad", "a2", "Mars/Olympus", "DE", None, False),
            ("p-x", "a3", "UTC", "DE", None, None),
        ],
    )
    write_titles(settings, [*TITLES, ("t-null", "film", None, None, None, None, "?", None, None)])
    write_erasures(settings, [(None, "2026-03-01 11:00:00")])
    apply_erasures(settings, day, "report-test-key")
    prepare_reference_data(settings, day)
    page = write_report(settings, day).read_text()
    section = page[page.index("<h2>Reference data</h2>") :]
    assert (
        "set aside: invalid_profile_time_zone</td><td class='num'>1</td><td>time_zone Mars/Olympus" in section
    )
    assert "set aside: title_without_runtime</td><td class='num'>1</td><td>t-null" in section
    assert "analytics_opt_out unknown: counted as opted out</td><td class='num'>1" in section
    assert "rejected: erasure_request_without_account" in section
    assert "erasure_requests/erasure_requests.parquet row 0" in section
    assert "p-bad" not in page
