"""Time zones from the export's Country column (the tz database's country table), --time-zone
for every profile or per profile, and the local import record that names the profiles."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from netflix_fixtures import activity_row, snapshot, table, write_viewing_activity

from bingewatch.importers import NetflixImportError, format_summary, import_netflix
from bingewatch.importers.time_zones import candidate_zones, country_zones


def _profiles(data_dir):
    return {r["profile_id"]: r for r in table(data_dir / "raw/profiles/profiles-import.parquet")}


def _zones_by_name(summary):
    return {p["profile_name"]: p["time_zone"] for p in summary["profiles"]}


def test_the_country_table_is_the_tz_databases_own():
    table_ = country_zones()
    assert table_["DE"][0] == "Europe/Berlin" and "Europe/Busingen" in table_["DE"]
    assert len(table_["US"]) > 20 and "America/Toronto" in table_["CA"]
    # Busingen keeps Berlin's clock over any recent history: one choice, not two.
    assert candidate_zones("DE", datetime(2019, 1, 1), datetime(2024, 1, 1)) == ("Europe/Berlin",)
    portugal = candidate_zones("PT", datetime(2019, 1, 1), datetime(2024, 1, 1))
    assert portugal == ("Europe/Lisbon", "Atlantic/Azores")


def test_a_one_zone_country_gives_its_zone_and_the_summary_says_so(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [activity_row(), activity_row(Profile_Name="Sam", Country="GB (United Kingdom)")],
    )
    summary = import_netflix(export, data_dir)
    assert _zones_by_name(summary) == {"Anna": "Europe/Berlin", "Sam": "Europe/London"}
    assert {r["time_zone"] for r in _profiles(data_dir).values()} == {"Europe/Berlin", "Europe/London"}
    text = format_summary(summary)
    assert "Anna: time zone Europe/Berlin (from Country DE: the tz database's only zone for it)" in text


def test_a_several_zone_country_refuses_in_one_line_naming_candidates_and_the_choice(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Profile_Name="Kayla", Country="CA (Canada)"),
            activity_row(Profile_Name="Ben", Country="CA (Canada)", Start_Time="2021-12-29 20:00:00"),
        ],
    )
    before = snapshot(data_dir)
    with pytest.raises(NetflixImportError) as caught:
        import_netflix(export, data_dir)
    message = str(caught.value)
    assert "\n" not in message
    assert "Country CA has" in message and "America/Toronto" in message and "America/Vancouver" in message
    assert '--time-zone "Ben=' in message and "--time-zone ZONE" in message and "Ben, Kayla" in message
    assert snapshot(data_dir) == before


def test_time_zone_per_profile_and_for_everyone_override_the_country(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [
            activity_row(Profile_Name="Kayla", Country="CA (Canada)"),
            activity_row(Profile_Name="Anna"),
        ],
    )
    summary = import_netflix(export, data_dir, time_zone=["Kayla=America/Toronto"])
    assert _zones_by_name(summary) == {"Anna": "Europe/Berlin", "Kayla": "America/Toronto"}
    sources = {p["profile_name"]: p["time_zone_source"] for p in summary["profiles"]}
    assert sources["Kayla"] == "given with --time-zone"
    summary = import_netflix(export, data_dir, time_zone=["Asia/Tokyo"])
    assert _zones_by_name(summary) == {"Anna": "Asia/Tokyo", "Kayla": "Asia/Tokyo"}
    summary = import_netflix(export, data_dir, time_zone="UTC")  # a plain string still works
    assert set(_zones_by_name(summary).values()) == {"UTC"}


def test_a_per_profile_zone_must_be_iana_and_name_a_profile_of_the_export(tmp_path, data_dir):
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row()])
    with pytest.raises(NetflixImportError, match="'Mars/Olympus' is not an IANA time zone"):
        import_netflix(export, data_dir, time_zone=["Anna=Mars/Olympus"])
    with pytest.raises(NetflixImportError, match="profile.*not in the export: Kayla"):
        import_netflix(export, data_dir, time_zone=["Kayla=America/Toronto"])


def test_no_country_means_utc_and_says_so(tmp_path, data_dir):
    export = write_viewing_activity(tmp_path / "ViewingActivity.csv", [activity_row(Country="")])
    summary = import_netflix(export, data_dir)
    assert _zones_by_name(summary) == {"Anna": "UTC"}
    assert "no Country" in summary["profiles"][0]["time_zone_source"]


def test_the_import_record_is_local_and_is_the_only_file_with_the_names(tmp_path, data_dir):
    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [activity_row(Profile_Name="Zebulon Quartermaine"), activity_row(Profile_Name="Anna")],
    )
    summary = import_netflix(export, data_dir, account_id="family")
    records = list((data_dir / "imports").glob("netflix-*.json"))
    assert len(records) == 1
    record = json.loads(records[0].read_text())
    assert record["account_id"] == "family" and record["export_formats"] == ["ViewingActivity.csv"]
    assert [(p["profile_name"], p["time_zone"]) for p in record["profiles"]] == [
        ("Anna", "Europe/Berlin"),
        ("Zebulon Quartermaine", "Europe/Berlin"),
    ]
    assert {p["profile_id"] for p in record["profiles"]} == {p["profile_id"] for p in summary["profiles"]}
    for path, data in snapshot(data_dir).items():
        if not path.startswith("imports/"):
            assert b"Zebulon" not in data, path


def test_the_command_takes_time_zone_repeatedly(tmp_path, data_dir, capsys):
    from bingewatch.cli import main

    export = write_viewing_activity(
        tmp_path / "ViewingActivity.csv",
        [activity_row(Profile_Name="Kayla", Country="CA (Canada)"), activity_row(Profile_Name="Sam")],
    )
    args = ["--data-dir", str(data_dir), "import-netflix", str(export)]
    assert main(args) == 2
    refusal = capsys.readouterr().err
    assert refusal.count("\n") == 1 and "Country CA has" in refusal
    assert main([*args, "--time-zone", "Kayla=America/Toronto", "--time-zone", "Sam=Asia/Tokyo"]) == 0
    out = capsys.readouterr().out
    assert "Kayla: time zone America/Toronto (given with --time-zone)" in out
    assert "Sam: time zone Asia/Tokyo (given with --time-zone)" in out
