"""dbt's parse state shared between data directories (bingewatch.nightly.parse_state).

The end-to-end test builds a fresh data directory's first night with the parse state the
shared tiny run left: dbt must accept it (no full parse) and read and write only that
directory. The shared folder is the test's own (BINGEWATCH_DBT_PARSE_STATE_DIR), so builds on
other workers, with other profiles, cannot change what it reads.
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import duckdb
import pytest

from bingewatch.nightly import parse_state
from bingewatch.nightly.dbt_build import build_batch
from bingewatch.settings import DBT_PROJECT_DIR, Settings

NIGHT = "2026-03-02"


@pytest.fixture()
def shared(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    monkeypatch.setenv("BINGEWATCH_DBT_PARSE_STATE_DIR", str(folder))
    return folder


def test_a_directory_without_state_gets_the_shared_one_and_keeps_its_own(tmp_path, shared):
    target_dir = tmp_path / "data" / "warehouse" / "dbt_target"
    assert not parse_state.seed(target_dir, "duckdb"), "nothing shared yet: nothing given"
    shared.mkdir()
    parse_state.shared_state("duckdb").write_bytes(b"shared")
    assert parse_state.seed(target_dir, "duckdb")
    assert (target_dir / parse_state.PARSE_STATE).read_bytes() == b"shared"
    (target_dir / parse_state.PARSE_STATE).write_bytes(b"own")
    assert not parse_state.seed(target_dir, "duckdb"), "a directory's own state is never replaced"
    assert (target_dir / parse_state.PARSE_STATE).read_bytes() == b"own"
    assert not parse_state.seed(target_dir, "spark"), "each dbt target has its own"


def test_the_newest_state_is_shared_and_an_older_one_never_replaces_it(tmp_path, shared):
    older, newer = tmp_path / "a", tmp_path / "b"
    for folder, content, mtime in ((older, b"older", 1_000), (newer, b"newer", 2_000)):
        folder.mkdir()
        (folder / parse_state.PARSE_STATE).write_bytes(content)
        os.utime(folder / parse_state.PARSE_STATE, (mtime, mtime))
    parse_state.keep(newer, "duckdb")
    parse_state.keep(older, "duckdb")
    assert parse_state.shared_state("duckdb").read_bytes() == b"newer"
    assert [p.name for p in shared.iterdir()] == ["partial_parse.duckdb.msgpack"], "no temporary left"


def test_an_unwritable_shared_folder_shares_nothing_and_fails_nothing(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BINGEWATCH_DBT_PARSE_STATE_DIR", str(blocker / "state"))
    own = tmp_path / "target"
    own.mkdir()
    (own / parse_state.PARSE_STATE).write_bytes(b"own")
    parse_state.keep(own, "duckdb")  # no exception
    assert not parse_state.seed(tmp_path / "other", "duckdb")


@pytest.mark.slow
def test_a_new_data_directory_first_build_starts_from_the_shared_state(tiny_run, tmp_path, cli, monkeypatch):
    """A fresh directory's first nightly build (build_batch: plan, dbt build, ledger) with the
    tiny run's parse state: dbt parses nothing, and every path dbt read and wrote was the fresh
    directory's (its raw rows counted, in its warehouse)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv("BINGEWATCH_DBT_PARSE_STATE_DIR", str(shared))
    tiny_state = tiny_run["data_dir"] / "warehouse" / "dbt_target" / parse_state.PARSE_STATE
    shutil.copy(tiny_state, parse_state.shared_state("duckdb"))
    data_dir = tmp_path / "fresh"
    cli("generate", "--scale", "tiny", "--days", "1", "--start", NIGHT, "--seed", "7", data_dir=data_dir)
    summary = build_batch(Settings(data_dir), date.fromisoformat(NIGHT), "test-parse-state", echo=None)
    assert summary["files"] > 0 and set(summary["statuses"]) <= {"success", "pass"}, summary

    log = (data_dir / "logs" / "dbt" / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log and "Starting full parse" not in log
    assert "Partial parsing enabled" in log
    partition = data_dir / "raw" / "playback_events" / f"received_date={NIGHT}"
    with duckdb.connect() as con:
        raw_rows = con.execute(f"select count(*) from read_parquet('{partition}/*.parquet')").fetchone()[0]
    with duckdb.connect(str(data_dir / "warehouse" / "bingewatch.duckdb"), read_only=True) as con:
        accounted = con.execute("select received_date::varchar, raw_rows from run_accounting").fetchall()
    assert accounted == [(NIGHT, raw_rows)]
    assert not (DBT_PROJECT_DIR / "warehouse").exists(), "dbt ran outside the data directory"
