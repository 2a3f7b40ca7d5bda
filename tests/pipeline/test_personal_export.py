"""A person's own export end to end: a generated five-year household export is imported (each
profile's time zone from its Country), published by one run, and every profile's page shows
the hours, streaks and rule outcomes the generator's truth says; the published file holds no
profile name, and viewer_days holds exactly the export's watch time per profile and local day
(supplemental videos count toward watch time, docs/definitions.md)."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from bingewatch.pseudonyms import viewer_key

pytestmark = pytest.mark.slow(minutes=2)

_FACTS = re.compile(r"<script type='application/json' id='personal-data'>(.*?)</script>", re.S)


@pytest.fixture(scope="module")
def household(tmp_path_factory, cli) -> dict:
    work = tmp_path_factory.mktemp("personal")
    data_dir = work / "data"
    cli("generate", "--personal-export", str(work / "household"), data_dir=data_dir)
    truth = json.loads((work / "household" / "truth.json").read_text())
    imported = cli("import-netflix", truth["export"], data_dir=data_dir)
    run = cli("run", data_dir=data_dir, timeout=1800)
    record = json.loads(next((data_dir / "imports").glob("netflix-*.json")).read_text())
    pages = {}
    for profile in record["profiles"]:
        name = profile["profile_name"]
        page = data_dir / "reports" / "personal" / f"{name.replace(' ', '-')}.html"
        text = page.read_text(encoding="utf-8")
        pages[name] = {"path": page, "text": text, "facts": json.loads(_FACTS.search(text).group(1))}
    return {
        "data_dir": data_dir,
        "truth": truth,
        "import": imported.stdout,
        "run": run.stdout,
        "record": record,
        "pages": pages,
    }


def test_the_household_is_five_years_and_every_profile_has_a_page_printed_and_linked(household):
    truth = household["truth"]
    assert truth["years"] == 5 and set(household["pages"]) == set(truth["profiles"])
    for name, page in household["pages"].items():
        assert f"Your page: {page['path']}" in household["run"]
        assert f"{name}: your viewing" in page["text"]
    index = (household["data_dir"] / "reports" / "index.html").read_text()
    assert "personal/index.html" in index
    personal_index = (household["data_dir"] / "reports" / "personal" / "index.html").read_text()
    assert all(page["path"].name in personal_index for page in household["pages"].values())


def test_time_zones_come_from_the_country_column(household):
    for name, expected in household["truth"]["profiles"].items():
        assert f"{name}: time zone {expected['time_zone']} (from Country" in household["import"]
        assert household["pages"][name]["facts"]["time_zone"] == expected["time_zone"]
    assert {p["time_zone"] for p in household["truth"]["profiles"].values()} == {
        "Europe/Berlin",
        "Europe/Vienna",
    }


def test_viewer_days_hold_the_exports_watch_time_per_profile_and_local_day(household):
    key = "bingewatch-test-key"
    published = household["data_dir"] / "published" / "bingewatch.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        for profile in household["record"]["profiles"]:
            expected = household["truth"]["profiles"][profile["profile_name"]]
            got = dict(
                con.execute(
                    "select activity_date::varchar, round(watch_time_s) from viewer_days "
                    "where viewer_key = ?",
                    [viewer_key(profile["profile_id"], key)],
                ).fetchall()
            )
            assert got == {d: float(s) for d, s in expected["days"].items()}, profile["profile_name"]
            assert round(sum(got.values())) == expected["watch_time_s"]


def test_each_page_shows_the_hours_and_unattended_time_of_the_truth(household):
    for name, expected in household["truth"]["profiles"].items():
        facts = household["pages"][name]["facts"]
        assert round(facts["watch_time_s"]) == expected["watch_time_s"], name
        assert facts["viewing_days"] == expected["viewing_days"], name
        assert abs(facts["unattended_s"] - expected["unattended_s"]) <= 1, name
    assert household["pages"]["Kids"]["facts"]["unattended_s"] > 3600  # the autoplayed cartoons


def test_each_page_shows_the_rule_outcomes_and_peaks_of_the_truth(household):
    for name, expected in household["truth"]["profiles"].items():
        rules = {r["rule"]: r for r in household["pages"][name]["facts"]["rules"]}
        assert sorted(r for r, o in rules.items() if o["fired"]) == expected["rules_fired"], name
        for rule in expected["rules_fired"]:
            rows = [r for r in expected["notable"] if r["rule"] == rule]
            assert rules[rule]["first_date"] == min(r["activity_date"] for r in rows)
            assert rules[rule]["days_flagged"] == len(rows)
            assert rules[rule]["peak"] == pytest.approx(max(r["metric_value"] for r in rows), abs=0.01)
        peaks = expected["peaks"]
        if "title_streak" not in expected["rules_fired"]:
            assert rules["title_streak"]["peak"] == peaks["title_streak_days"], name
        if "episodes_7d" not in expected["rules_fired"]:
            assert rules["episodes_7d"]["peak"] == peaks["episodes_7d"], name
    mara = {r["rule"]: r for r in household["pages"]["Mara"]["facts"]["rules"]}
    assert mara["title_streak"]["peak"] == 19 and mara["title_streak"]["evidence"] == "A Christmas Prince"
    jonas = {r["rule"]: r for r in household["pages"]["Jonas"]["facts"]["rules"]}
    assert jonas["marathon"]["fired"] and not jonas["episodes_7d"]["fired"]
    assert jonas["episodes_7d"]["peak"] == 95  # "best 7 days: 95 episodes of 100"
    assert "best 95 episodes in 7 days of 100" in household["pages"]["Jonas"]["text"]


def test_a_series_followed_every_evening_is_not_a_title_streak(household):
    # Mara follows The Crown two episodes an evening for 24 days: her only streak is the film.
    mara = household["truth"]["profiles"]["Mara"]
    assert {r["rule"] for r in mara["notable"]} == {"title_streak"}
    december = f"{int(household['truth']['first_date'][:4]) + 1}-12-01"
    assert {r["window_start_date"] for r in mara["notable"]} == {december}


def test_the_published_file_holds_no_profile_name(household):
    data = (household["data_dir"] / "published" / "bingewatch.duckdb").read_bytes()
    for name in household["pages"]:
        assert name.encode() not in data, name
        assert name.encode("utf-16-le") not in data, name
