"""The `small` preset (about 10k viewers; 18 arrival dates, the fewest that plant a title streak)
through the nightly DAG: one catch-up run over the first 16 arrival dates, then one nightly run
for each of the last 2 (an increment on the catch-up, and one on an increment). The published
notable_viewers equals the generator's ground truth exactly (precision and recall 1.0 by viewer,
rule and local date, with the same window and metric), including the planted late-data,
cross-midnight and DST cases, among thousands of background viewers."""

from __future__ import annotations

import csv
import json
import os
from datetime import date, timedelta

import duckdb
import pytest

from bingewatch.pseudonyms import viewer_key

pytestmark = pytest.mark.slow(minutes=4)

TEST_KEY = os.environ["BINGEWATCH_PSEUDONYM_KEY"]
# The planted cases the issue names: they must be among the rows compared.
HARD_CASES = ("planted-late-1", "planted-midnight-1", "planted-dst-1")
RULES = {"episodes_7d", "watch_hours_7d", "title_streak", "marathon"}
DAYS = 18
NIGHTLY = 2  # the last arrival dates, one nightly run each after the catch-up
FIRST = date(2026, 3, 2)  # the generator's default first arrival date
CATCH_UP_END = FIRST + timedelta(days=DAYS - NIGHTLY - 1)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, cli) -> dict:
    data_dir = tmp_path_factory.mktemp("small-run")
    cli("generate", "--scale", "small", "--days", str(DAYS), data_dir=data_dir)
    catch_up = cli("run", "--end", CATCH_UP_END.isoformat(), data_dir=data_dir, timeout=3600)
    nightly = cli(
        "run",
        "--each-date",
        "--start",
        (CATCH_UP_END + timedelta(days=1)).isoformat(),
        data_dir=data_dir,
        timeout=3600,
    )
    generator_dir = data_dir / "raw" / "_generator"
    return {
        "data_dir": data_dir,
        "stdout": catch_up.stdout + nightly.stdout,
        "manifest": json.loads((generator_dir / "manifest.json").read_text()),
        "truth": list(csv.DictReader((generator_dir / "ground_truth.csv").open())),
    }


def notable_rows(rows) -> set[tuple]:
    return {(key, rule, day, start, round(float(metric), 6)) for key, rule, day, start, metric in rows}


def test_every_arrival_date_ran_and_published(small_run):
    assert small_run["manifest"]["days"] == DAYS
    stdout = small_run["stdout"]
    assert f"arrival dates {FIRST}..{CATCH_UP_END} ({DAYS - NIGHTLY} dates)" in stdout
    assert f"[{NIGHTLY}/{NIGHTLY}] logical date" in stdout
    assert stdout.count(": success in ") == 1 + NIGHTLY


def test_published_notable_viewers_equal_the_ground_truth_exactly(small_run):
    expected = notable_rows(
        (
            viewer_key(r["profile_id"], TEST_KEY),
            r["rule"],
            r["activity_date"],
            r["window_start_date"],
            r["metric_value"],
        )
        for r in small_run["truth"]
    )
    published = small_run["data_dir"] / "published" / "bingewatch.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        got = notable_rows(
            con.execute(
                "select viewer_key, rule, activity_date::varchar, window_start_date::varchar, metric_value "
                "from notable_viewers"
            ).fetchall()
        )
        background = con.execute("select count(distinct viewer_key) from viewer_days").fetchone()[0]
    assert background > 1000, "thousands of background viewers around the planted ones"
    missing, extra = expected - got, got - expected
    assert not missing and not extra, (
        f"missing (recall): {sorted(missing)}\nextra (precision): {sorted(extra)}"
    )


def test_the_hard_cases_are_in_the_truth_that_was_compared(small_run):
    truth_profiles = {r["profile_id"] for r in small_run["truth"]}
    assert set(HARD_CASES) <= truth_profiles
    assert {r["rule"] for r in small_run["truth"]} == RULES
    assert small_run["manifest"]["not_planted"] == [], "every planted case fits in the window"
    assert small_run["manifest"]["late_arrivals"]["rows"] > 0, "the small preset carries late-arriving rows"
