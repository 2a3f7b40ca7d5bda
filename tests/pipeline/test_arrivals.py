"""A run processes what has arrived, not what the calendar scheduled (the ledger of raw files).

Every scenario runs the real DAG through `bingewatch run` on tiny generated data and compares
the whole published snapshot, every table and column, with one reference: the same raw files
run one night at a time, in order, each present on its own night.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

DATES = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
LATE_FILE = "received_date=2026-03-02/part-1.parquet"


def events(data_dir: Path) -> Path:
    return data_dir / "raw" / "playback_events"


def published(data_dir: Path) -> Path:
    return data_dir / "published" / "bingewatch.duckdb"


def snapshot(path: Path) -> dict[str, tuple[list, list]]:
    """Every table of a published file: (columns with types, rows sorted)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [row[0] for row in con.execute("show tables").fetchall()]
        result = {}
        for table in tables:
            columns = con.execute(f"describe {table}").fetchall()
            rows = con.execute(f"select * from {table}").fetchall()
            result[table] = ([column[:2] for column in columns], sorted(rows, key=repr))
        return result


def assert_same_snapshot(left: Path, right: Path) -> None:
    a, b = snapshot(left), snapshot(right)
    assert sorted(a) == sorted(b)
    for table in a:
        assert a[table][0] == b[table][0], f"{table}: columns differ"
        assert a[table][1] == b[table][1], f"{table}: rows differ"


def split_partition(data_dir: Path) -> None:
    """Make 2026-03-02 two files: part-0 (even rows) and part-1 (odd rows), the late file."""
    folder = events(data_dir) / "received_date=2026-03-02"
    source = folder / "part-0.parquet"
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        f"create table t as select * from read_parquet('{source}', hive_partitioning = false, "
        "file_row_number = true)"
    )
    for name, parity in (("part-0.tmp", 0), ("part-1.parquet", 1)):
        con.execute(
            f"copy (select * exclude (file_row_number) from t where file_row_number % 2 = {parity} "
            f"order by file_row_number) to '{folder / name}' (format parquet)"
        )
    os.replace(folder / "part-0.tmp", source)


@pytest.fixture(scope="module")
def raw(tmp_path_factory, cli) -> Path:
    """Tiny raw data over four arrival dates, 2026-03-02 split in two files."""
    data_dir = tmp_path_factory.mktemp("arrivals-raw")
    cli("generate", "--scale", "tiny", "--days", "4", "--start", DATES[0], data_dir=data_dir)
    split_partition(data_dir)
    return data_dir


def copy_raw(raw: Path, target: Path) -> Path:
    shutil.copytree(raw / "raw", target / "raw")
    return target


@pytest.fixture(scope="module")
def in_order(raw, tmp_path_factory, cli) -> Path:
    """The reference: one nightly run per arrival date, in order, every file there on time."""
    data_dir = copy_raw(raw, tmp_path_factory.mktemp("arrivals-in-order"))
    cli("run", "--each-date", "--start", DATES[0], "--end", DATES[-1], data_dir=data_dir)
    return data_dir


@pytest.fixture(scope="module")
def catch_up(raw, tmp_path_factory, cli) -> tuple[Path, str]:
    """The same dates in one run (`bingewatch run` with no dates)."""
    data_dir = copy_raw(raw, tmp_path_factory.mktemp("arrivals-catch-up"))
    result = cli("run", data_dir=data_dir)
    return data_dir, result.stdout


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


def test_published_tables_keep_the_contract_s_columns_and_types(catch_up):
    from bingewatch.quality.suites import MART_DDL

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


def test_a_file_that_lands_after_the_plan_blocks_publication_naming_its_date(raw, tmp_path, cli):
    data_dir = copy_raw(raw, tmp_path)
    shutil.move(events(data_dir) / LATE_FILE, tmp_path / "late.parquet")
    # The file lands while the run builds its batch (held at the ledger commit).
    proc = _start_run(data_dir, tmp_path / "pause", pause_at="before_ledger_commit")
    _wait_for(tmp_path / "pause" / "before_ledger_commit.reached", proc)
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


def _start_run(data_dir: Path, pause_dir: Path, *, pause_at: str | None = None, args=()) -> subprocess.Popen:
    env = {**os.environ, "AIRFLOW_HOME": str(data_dir / "airflow"), "BINGEWATCH_PAUSE_DIR": str(pause_dir)}
    if pause_at:
        env["BINGEWATCH_PAUSE_AT"] = pause_at
    return subprocess.Popen(
        [sys.executable, "-m", "bingewatch.cli", "--data-dir", str(data_dir), "run", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for(sentinel: Path, proc: subprocess.Popen) -> None:
    """Wait until the run reaches its pause point (or fail with its output if it ended)."""
    import time

    while not sentinel.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {sentinel.name}:\n{proc.stdout.read()[-4000:]}")
        time.sleep(0.1)


def test_sigkill_between_the_models_and_the_ledger_commit_then_a_rerun_processes_each_file_once(
    raw, catch_up, tmp_path, cli
):
    data_dir = copy_raw(raw, tmp_path)
    proc = _start_run(data_dir, tmp_path / "pause", pause_at="before_ledger_commit")
    _wait_for(tmp_path / "pause" / "before_ledger_commit.reached", proc)
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
    first = _start_run(data_dir, pause, pause_at="before_ledger_commit")
    _wait_for(pause / "before_ledger_commit.reached", first)

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

    second = _start_run(data_dir, pause, args=("--end", "2026-03-04"))
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
