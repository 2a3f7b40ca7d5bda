"""A publisher killed with SIGKILL leaves the previous snapshot whole; a rerun publishes.

(Killing dbt_build mid-build and retrying is covered against a real scheduler in
tests/scheduler.)
"""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from bingewatch.nightly.publish import publish
from bingewatch.nightly.stage_candidate import stage_candidate
from bingewatch.nightly.validate_marts import validate_marts
from bingewatch.settings import Settings

pytestmark = pytest.mark.slow

KILLED_PUBLISHER = """
import os, sys, time
from pathlib import Path

from bingewatch.nightly.publish import publish
from bingewatch.settings import Settings

real_replace = os.replace

def replace_after_a_pause(src, dst):
    print("COPIED", flush=True)  # the new snapshot is written to its temporary file
    time.sleep(120)
    real_replace(src, dst)

os.replace = replace_after_a_pause
publish(Settings.from_env(sys.argv[1]), Path(sys.argv[2]))
"""


def table_rows(path, table):
    with duckdb.connect(str(path), read_only=True) as con:
        return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def test_sigkill_during_publish_keeps_the_old_snapshot_and_a_rerun_completes(copy_of_tiny_run):
    settings = Settings.from_env(copy_of_tiny_run)
    day = date(2026, 3, 4)
    old_bytes = settings.published_path.read_bytes()

    # Change the warehouse so the new snapshot differs from the published one.
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("delete from notable_viewers where rule = 'marathon'")
    candidate = stage_candidate(settings, day)
    validate_marts(settings, candidate, day)

    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUBLISHER, str(copy_of_tiny_run), str(candidate)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "COPIED"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert settings.published_path.read_bytes() == old_bytes
    assert list(settings.published_dir.glob(".*incoming-*")), "the killed publisher left its temp file"

    publish(settings, candidate)
    assert not list(settings.published_dir.glob(".*incoming-*"))
    for table in ("viewer_days", "notable_viewers", "run_accounting"):
        assert table_rows(settings.published_path, table) == table_rows(candidate, table), table
    assert not [row for row in table_rows(settings.published_path, "notable_viewers") if row[1] == "marathon"]
