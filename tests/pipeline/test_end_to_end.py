"""The nightly DAG, run through Airflow on tiny generated data, publishes the planted truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from bingewatch.pseudonyms import viewer_key

pytestmark = pytest.mark.slow

TEST_KEY = os.environ["BINGEWATCH_PSEUDONYM_KEY"]


def published(tiny_run) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(tiny_run["data_dir"] / "published" / "bingewatch.duckdb"), read_only=True)


def planted(tiny_run, role: str) -> dict:
    return next(case for case in tiny_run["manifest"]["planted"] if case["role"] == role)


def test_run_prints_progress_locations_and_summary(tiny_run):
    out = tiny_run["stdout"]
    # One run catches up on the three arrival dates (the ledger's batch), with its progress.
    assert "[1/1] logical date 2026-03-04: 3 new raw file(s), arrival dates 2026-03-02..2026-03-04" in out
    assert "[1/1] arrival date 2026-03-04: success in" in out
    assert "published snapshot" in out and "data-quality report" in out
    assert "notable viewers by rule" in out


def test_planted_binger_is_notable_under_episodes_7d(tiny_run):
    binger = planted(tiny_run, "binger")
    with published(tiny_run) as con:
        rows = con.execute(
            "select activity_date::varchar, metric_value from notable_viewers "
            "where viewer_key = ? and rule = 'episodes_7d' order by 1",
            [viewer_key(binger["profile_id"], TEST_KEY)],
        ).fetchall()
    expected = [
        (row["activity_date"], float(row["metric_value"]))
        for row in tiny_run["truth"]
        if row["profile_id"] == binger["profile_id"] and row["rule"] == "episodes_7d"
    ]
    assert expected, "the tiny preset must plant an episodes_7d binger"
    assert rows == expected


def test_published_notable_viewers_equal_ground_truth(tiny_run):
    """Precision and recall 1.0, by viewer, rule and local date."""
    expected = {
        (viewer_key(row["profile_id"], TEST_KEY), row["rule"], row["activity_date"])
        for row in tiny_run["truth"]
    }
    with published(tiny_run) as con:
        got = set(
            con.execute("select viewer_key, rule, activity_date::varchar from notable_viewers").fetchall()
        )
    assert got == expected


def test_near_misses_and_ordinary_viewers_are_not_notable(tiny_run):
    innocent = [
        case["profile_id"] for case in tiny_run["manifest"]["planted"] if case.get("expected") != "notable"
    ]
    assert innocent
    keys = [viewer_key(profile_id, TEST_KEY) for profile_id in innocent]
    with published(tiny_run) as con:
        flagged = con.execute(
            "select count(*) from notable_viewers where list_contains(?, viewer_key)", [keys]
        ).fetchone()[0]
    assert flagged == 0


def test_viewer_days_has_the_known_watch_time(tiny_run):
    known = tiny_run["manifest"]["known_viewer_days"]
    assert known
    with published(tiny_run) as con:
        for day in known:
            row = con.execute(
                "select watch_time_s from viewer_days where viewer_key = ? and activity_date = ?",
                [viewer_key(day["profile_id"], TEST_KEY), day["activity_date"]],
            ).fetchone()
            assert row is not None, day
            assert row[0] == pytest.approx(float(day["watch_time_s"]), abs=0.001), day


def test_raw_accounting_matches_the_generator_manifest(tiny_run):
    with published(tiny_run) as con:
        accounting = {
            str(row[0]): row[1:]
            for row in con.execute(
                "select received_date, raw_rows, clean_rows, duplicate_rows, quarantined_rows "
                "from run_accounting"
            ).fetchall()
        }
    # The generator counts the erased accounts' rows apart: the run removed them from raw first.
    erased = tiny_run["manifest"]["erased_accounts"]["per_received_date"]
    assert sum(e["raw_rows"] for e in erased.values()) > 0, "the planted erased viewer had rows"
    for received_date, counts in tiny_run["manifest"]["per_received_date"].items():
        gone = erased[received_date]
        assert accounting[received_date] == (
            counts["raw_rows"] - gone["raw_rows"],
            counts["clean_rows"] - gone["clean_rows"],
            counts["duplicates"] - gone["duplicates"],
            counts["quarantined_total"] - gone["quarantined_total"],
        )


def test_erasure_log_matches_the_generator_count_of_erased_rows(tiny_run):
    log = json.loads((tiny_run["data_dir"] / "warehouse" / "erasure_log.json").read_text())
    batches = {json.dumps(entry["batch"], sort_keys=True) for entry in log["requests"]}
    removed = sum(
        n
        for batch in map(json.loads, batches)
        for path, n in batch["raw_rows_removed"].items()
        if path.startswith("playback_events/")
    )
    assert removed == tiny_run["manifest"]["erased_accounts"]["totals"]["raw_rows"]


def test_no_direct_identifiers_in_published_tables(tiny_run):
    with published(tiny_run) as con:
        columns = {
            row[0] for row in con.execute("select column_name from information_schema.columns").fetchall()
        }
        profile_ids = [case["profile_id"] for case in tiny_run["manifest"]["planted"]]
        leaked = con.execute(
            "select count(*) from viewer_days where list_contains(?, viewer_key)", [profile_ids]
        ).fetchone()[0]
    assert not columns & {"account_id", "profile_id", "ip_address", "playback_session_id"}
    assert leaked == 0


def test_a_second_process_can_query_the_published_file_read_only(tiny_run):
    path = tiny_run["data_dir"] / "published" / "bingewatch.duckdb"
    code = (
        "import duckdb, sys\n"
        f"con = duckdb.connect({str(path)!r}, read_only=True)\n"
        "print(con.execute('select count(*) from viewer_days').fetchone()[0])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 0
