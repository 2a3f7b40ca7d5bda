"""The household export generator: realistic files the importer reads, the same bytes for the
same seed, and a truth whose planted stories hold."""

from __future__ import annotations

import csv

import pytest

from bingewatch.generator.personal_export import write_personal_export
from bingewatch.importers import import_netflix


@pytest.fixture(scope="module")
def household(tmp_path_factory):
    out = tmp_path_factory.mktemp("household")
    truth = write_personal_export(out, years=4)
    return out, truth


def _activity(out):
    path = out / "export" / "CONTENT_INTEREST" / "ViewingActivity.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_files_carry_the_quirks_of_real_exports(household):
    out, truth = household
    rows = _activity(out)
    assert {r["Profile Name"] for r in rows} == set(truth["profiles"])
    assert sum(r["Start Time"].startswith("1970-01-01") for r in rows) == truth["placeholder_rows"] == 3
    assert any(
        r["Latest Bookmark"] == "Not latest view" for r in rows if not r["Start Time"].startswith("1970")
    )
    assert {r["Supplemental Video Type"] for r in rows} >= {"", "HOOK", "TRAILER"}
    assert any(r["Attributes"] == "Autoplayed: user action: None; " for r in rows)
    resaved = [r["Start Time"] for r in rows if not r["Start Time"].startswith("1970")]
    assert all("/" in t and t.count(":") == 1 for t in resaved)  # month first, seconds lost
    assert (out / "export" / "NetflixViewingHistory.csv").is_file()
    assert (out / "export" / "CONTENT_INTEREST" / "PlaybackRelatedEvents.csv").is_file()


def test_the_same_seed_writes_the_same_bytes(household, tmp_path):
    import json

    out, _ = household
    write_personal_export(tmp_path, years=4)
    for name in ("export/CONTENT_INTEREST/ViewingActivity.csv", "export/NetflixViewingHistory.csv"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    again, first = (json.loads((d / "truth.json").read_text()) for d in (tmp_path, out))
    assert again.pop("export") != first.pop("export") and again == first


def test_the_planted_stories_hold_in_the_truth(household):
    profiles = household[1]["profiles"]
    mara, jonas = profiles["Mara"], profiles["Jonas"]
    assert [(r["rule"], r["metric_value"]) for r in mara["notable"]] == [
        ("title_streak", 18),
        ("title_streak", 19),
    ]
    assert mara["peaks"]["title_streak_title"] == "A Christmas Prince"
    assert jonas["rules_fired"] == ["marathon"] and jonas["peaks"]["episodes_7d"] == 95
    assert profiles["Kids"]["unattended_s"] > 0 and profiles["Kids"]["rules_fired"] == []
    assert profiles["Oma Ilse"]["time_zone"] == "Europe/Vienna"


def test_the_importer_reads_it_all_with_zones_from_country(household, tmp_path):
    out, truth = household
    summary = import_netflix(out / "export", tmp_path / "data")
    assert summary["rows_skipped"]["placeholder_start_time"] == 3
    assert summary["rows_skipped"]["profile_imported_from_viewing_activity"] == 20
    assert summary["sessions_written"] == sum(p["rows_written"] for p in truth["profiles"].values())
    assert {p["profile_name"]: p["time_zone"] for p in summary["profiles"]} == {
        name: p["time_zone"] for name, p in truth["profiles"].items()
    }


def test_fewer_than_four_years_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 4 years"):
        write_personal_export(tmp_path, years=3)
