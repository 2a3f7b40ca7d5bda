"""A run processes what has arrived, not what the calendar scheduled (the ledger of raw files).

Every scenario runs the real DAG through `bingewatch run` on tiny generated data and compares
the whole published snapshot, every table and column, with one reference: the same raw files
run one night at a time, in order, each present on its own night.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from arrivals_fixtures import (
    LATE_FILE,
    WAREHOUSE_TABLES,
    assert_same_snapshot,
    copy_raw,
    differing_rows,
    events,
    published,
    snapshot,
)

from bingewatch.settings import Settings

pytestmark = pytest.mark.slow(minutes=5)


def test_each_night_processed_its_own_files(in_order):
    ledger = duckdb.connect(str(in_order / "warehouse" / "ledger.duckdb"), read_only=True)
    rows = ledger.execute("select path, received_date::varchar from raw_files").fetchall()
    assert len(rows) == 5
    assert all(received_date in path for path, received_date in rows)
    # Four runs, each of which processed its own night's files.
    runs = ledger.execute(
        "select run_id, list(distinct received_date) from raw_files group by run_id"
    ).fetchall()
    assert sorted(len(dates) for _, dates in runs) == [1, 1, 1, 1]


def test_a_catch_up_in_one_run_equals_nightly_runs(in_order, catch_up):
    data_dir, stdout = catch_up
    assert "[1/1] logical date 2026-03-05: 5 new raw file(s), arrival dates 2026-03-02..2026-03-05" in stdout
    assert_same_snapshot(published(in_order), published(data_dir))
    # The warehouse too, so the next night builds on the same state either way.
    warehouses = [Settings.from_env(path).warehouse_path for path in (in_order, data_dir)]
    for table in WAREHOUSE_TABLES:
        assert differing_rows(*warehouses, table) == 0, table


def test_skipped_date_late_file_and_a_later_date_first_equal_an_in_order_run(raw, in_order, tmp_path, cli):
    data_dir = copy_raw(raw, tmp_path)
    held_back = tmp_path / "held-back"
    held_back.mkdir()
    shutil.move(events(data_dir) / LATE_FILE, held_back / "part-1.parquet")
    shutil.move(events(data_dir) / "received_date=2026-03-03", held_back / "received_date=2026-03-03")

    cli("run", "--end", "2026-03-02", data_dir=data_dir)  # 03-02 without its late file
    cli("run", "--end", "2026-03-04", data_dir=data_dir)  # 03-03 missing: skipped
    # 03-03 lands, the late file lands in the processed 03-02, and 03-05 runs before 03-03.
    shutil.move(held_back / "received_date=2026-03-03", events(data_dir) / "received_date=2026-03-03")
    shutil.move(held_back / "part-1.parquet", events(data_dir) / LATE_FILE)
    late = cli("run", "--end", "2026-03-05", data_dir=data_dir)
    assert "3 new raw file(s), arrival dates 2026-03-02..2026-03-05 (3 dates)" in late.stdout
    assert_same_snapshot(published(in_order), published(data_dir))

    # 03-03's own run now finds nothing new, and changes nothing.
    before = snapshot(published(data_dir))
    quiet = cli("run", "--end", "2026-03-05", data_dir=data_dir)
    assert "no new raw files" in quiet.stdout
    assert snapshot(published(data_dir)) == before
