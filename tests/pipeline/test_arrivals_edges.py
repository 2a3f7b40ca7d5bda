"""Arrivals at the edges: a file that lands while the run builds its batch, and a dataset five
years old (the ledger of raw files)."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from arrivals_fixtures import (
    LATE_FILE,
    copy_raw,
    events,
    published,
    start_run,
    wait_for,
)

pytestmark = pytest.mark.slow(minutes=2)


def test_a_file_that_lands_after_the_plan_blocks_publication_naming_its_date(raw, tmp_path, cli):
    data_dir = copy_raw(raw, tmp_path)
    shutil.move(events(data_dir) / LATE_FILE, tmp_path / "late.parquet")
    # The file lands while the run builds its batch (held at the ledger commit).
    proc = start_run(data_dir, tmp_path / "pause", pause_at="before_ledger_commit")
    wait_for(tmp_path / "pause" / "before_ledger_commit.reached", proc)
    shutil.move(tmp_path / "late.parquet", events(data_dir) / LATE_FILE)
    (tmp_path / "pause" / "before_ledger_commit.release").touch()
    output, _ = proc.communicate(timeout=600)
    assert proc.returncode == 1, output
    assert "nothing was published" in output
    record = json.loads((data_dir / "runs" / "2026-03-05" / "marts.json").read_text())
    check = next(c for c in record["checks"] if c["name"] == "marts.raw_files_complete")
    assert not check["success"]
    assert "2026-03-02 (1)" in str(check["observed_value"])
    assert not published(data_dir).exists()
    cli("run", data_dir=data_dir)  # the next run processes it and publishes


def test_a_2021_dataset_runs_through_the_dag_and_publishes(tmp_path, cli):
    data_dir = tmp_path / "old"
    cli("generate", "--scale", "tiny", "--days", "2", "--start", "2021-02-27", data_dir=data_dir)
    cli("run", data_dir=data_dir)
    with duckdb.connect(str(published(data_dir)), read_only=True) as con:
        dates = con.execute(
            "select min(received_date)::varchar, max(received_date)::varchar, sum(raw_rows) "
            "from run_accounting"
        ).fetchone()
        viewer_days = con.execute("select count(*), max(activity_date)::varchar from viewer_days").fetchone()
    assert dates[:2] == ("2021-02-27", "2021-02-28") and dates[2] > 0
    assert viewer_days[0] > 0 and viewer_days[1].startswith("2021-0")
