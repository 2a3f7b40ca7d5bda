"""What the ledger-of-raw-files and incremental tests share: the tiny dataset's dates, the
whole-snapshot and warehouse-table comparisons, and a `bingewatch run` held at a pause point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

DATES = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
LATE_FILE = "received_date=2026-03-02/part-1.parquet"
MARTS = ["viewer_days", "notable_viewers", "public_title_streaks"]
# The incremental models' state: what a later night builds on.
STATE = [
    "int_playback_sessions_reconstructed",
    "int_playback_sessions_classified",
    "int_viewing_segments_split",
    "int_viewer_days_aggregated",
    "int_viewer_title_streaks",
]
WAREHOUSE_TABLES = MARTS + STATE + ["int_playback_events_valid", "run_accounting", "quarantine_reasons"]


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


def differing_rows(left: Path, right: Path, table: str) -> int:
    """Rows in one table's copy that are not in the other's (both directions, with multiplicity)."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as l (read_only)")
    con.execute(f"attach '{right}' as r (read_only)")
    return con.execute(
        f"select (select count(*) from (select * from l.{table} except all select * from r.{table}))"
        f" + (select count(*) from (select * from r.{table} except all select * from l.{table}))"
    ).fetchone()[0]


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


def copy_raw(raw: Path, target: Path) -> Path:
    shutil.copytree(raw / "raw", target / "raw")
    return target


def start_run(data_dir: Path, pause_dir: Path, *, pause_at: str | None = None, args=()) -> subprocess.Popen:
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


def wait_for(sentinel: Path, proc: subprocess.Popen) -> None:
    """Wait until the run reaches its pause point (or fail with its output if it ended)."""
    while not sentinel.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {sentinel.name}:\n{proc.stdout.read()[-4000:]}")
        time.sleep(0.1)
