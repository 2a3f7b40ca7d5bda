"""The catch-up run over the arrivals dataset: its contract and accounting, a processed file that
changes, a crash before the ledger commit, two writers at once (the ledger of raw files)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import duckdb
import pytest
from arrivals_fixtures import (
    assert_same_snapshot,
    copy_raw,
    events,
    published,
    start_run,
    wait_for,
)

pytestmark = pytest.mark.slow(minutes=4)


def test_published_tables_keep_the_contract_s_columns_and_types(catch_up):
    from bingewatch.contract import MART_DDL

    with duckdb.connect(str(published(catch_up[0])), read_only=True) as con:
        for table, ddl in MART_DDL.items():
            columns = ", ".join(
                f"{name} {type_.lower()}" for name, type_, *_ in con.execute(f"describe {table}").fetchall()
            )
            assert columns == ddl, table


def test_accounting_equals_the_generator_manifest(catch_up):
    data_dir, _ = catch_up
    manifest = json.loads((data_dir / "raw" / "_generator" / "manifest.json").read_text())
    with duckdb.connect(str(published(data_dir)), read_only=True) as con:
        accounting = {
            str(row[0]): row[1:]
            for row in con.execute(
                "select received_date, raw_rows, clean_rows, duplicate_rows, quarantined_rows "
                "from run_accounting"
            ).fetchall()
        }
        mark = con.execute("select * from publication").fetchone()
    # The erased account's rows were removed from raw before the run read it.
    erased = manifest["erased_accounts"]["per_received_date"]
    assert sorted(accounting) == sorted(manifest["per_received_date"])
    for day, counts in manifest["per_received_date"].items():
        gone = erased[day]
        assert accounting[day] == (
            counts["raw_rows"] - gone["raw_rows"],
            counts["clean_rows"] - gone["clean_rows"],
            counts["duplicates"] - gone["duplicates"],
            counts["quarantined_total"] - gone["quarantined_total"],
        ), day
    assert [str(value) for value in mark[:5]] == ["2026-03-05", "2026-03-05", "5", "0", "1"]


def test_sigkill_between_the_models_and_the_ledger_commit_then_a_rerun_processes_each_file_once(
    raw, catch_up, tmp_path, cli
):
    data_dir = copy_raw(raw, tmp_path)
    proc = start_run(data_dir, tmp_path / "pause", pause_at="before_ledger_commit")
    wait_for(tmp_path / "pause" / "before_ledger_commit.reached", proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert (
        not (data_dir / "warehouse" / "ledger.duckdb").exists()
        or not duckdb.connect(str(data_dir / "warehouse" / "ledger.duckdb"), read_only=True)
        .execute("select count(*) from raw_files")
        .fetchone()[0]
    )

    cli("run", data_dir=data_dir)
    with duckdb.connect(str(data_dir / "warehouse" / "ledger.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), count(distinct path) from raw_files").fetchone() == (5, 5)
    assert_same_snapshot(published(catch_up[0]), published(data_dir))


def test_a_modified_processed_file_blocks_with_its_name_until_reprocessed(catch_up, tmp_path, cli):
    data_dir = tmp_path / "copy"
    shutil.copytree(catch_up[0], data_dir, ignore=shutil.ignore_patterns("airflow", "logs"))
    target = events(data_dir) / "received_date=2026-03-04" / "part-0.parquet"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"copy (select * from read_parquet('{target}', hive_partitioning = false) limit 100) "
            f"to '{tmp_path / 'changed.parquet'}' (format parquet)"
        )
    os.replace(tmp_path / "changed.parquet", target)

    refused = subprocess.run(
        [sys.executable, "-m", "bingewatch.cli", "--data-dir", str(data_dir), "run"],
        capture_output=True,
        text=True,
        env={**os.environ, "AIRFLOW_HOME": str(data_dir / "airflow")},
    )
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1, refused.stderr  # one line, no traceback
    assert "received_date=2026-03-04/part-0.parquet" in refused.stderr
    assert "bingewatch reprocess --from" in refused.stderr

    redo = cli("reprocess", "--from", "2026-03-04", data_dir=data_dir)
    assert "received_date=2026-03-04/part-0.parquet" in redo.stdout
    cli("run", data_dir=data_dir)
    with duckdb.connect(str(published(data_dir)), read_only=True) as con:
        raw_rows = con.execute(
            "select raw_rows from run_accounting where received_date = '2026-03-04'"
        ).fetchone()[0]
    assert raw_rows == 100


def test_two_concurrent_runs_one_waits_or_refuses_naming_the_holder(raw, catch_up, tmp_path):
    data_dir = copy_raw(raw, tmp_path)
    pause = tmp_path / "pause"
    first = start_run(data_dir, pause, pause_at="before_ledger_commit")
    wait_for(pause / "before_ledger_commit.reached", first)

    refused = subprocess.run(
        [sys.executable, "-m", "bingewatch.cli", "--data-dir", str(data_dir), "run", "--lock-wait", "0"],
        capture_output=True,
        text=True,
        env={**os.environ, "AIRFLOW_HOME": str(data_dir / "airflow")},
    )
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert f"pid {first.pid} (bingewatch run)" in lines[0]

    second = start_run(data_dir, pause, args=("--end", "2026-03-04"))
    waiting = second.stdout.readline()
    while "waiting for the writer lock" not in waiting:
        assert waiting, "the second run ended without waiting"
        waiting = second.stdout.readline()
    assert f"pid {first.pid}" in waiting
    (pause / "before_ledger_commit.release").touch()
    first_output, _ = first.communicate(timeout=600)
    second_output, _ = second.communicate(timeout=600)
    assert first.returncode == 0, first_output
    assert second.returncode == 0, second_output
    assert "no new raw files" in second_output
    assert_same_snapshot(published(catch_up[0]), published(data_dir))
