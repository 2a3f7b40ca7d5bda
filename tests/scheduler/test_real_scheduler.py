"""The nightly DAG under a real scheduler: LocalExecutor, PostgreSQL metadata DB, api-server.

The tests share one stack and run in file order: two consecutive arrival dates, the Asset-driven
public export, a missing partition, then a backfill that reruns finished dates (identical outputs).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import time
from pathlib import Path

import duckdb
import pytest
from harness import NIGHTLY, PUBLIC

pytestmark = pytest.mark.slow(minutes=5)

DATES = ("2026-03-02", "2026-03-03")
RUN_TIMEOUT_S = 600


def published(stack) -> Path:
    return stack.data_dir / "published" / "bingewatch.duckdb"


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every published table's rows, sorted: what 'identical outputs' compares."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main' order by 1"
            ).fetchall()
        ]
        return {t: sorted(con.execute(f'select * from "{t}"').fetchall(), key=repr) for t in tables}


def failure_message(stack, run_id: str, task_id: str) -> str:
    return stack.task_log(NIGHTLY, run_id, task_id)


@pytest.fixture(scope="module")
def two_dates(stack) -> dict:
    """Trigger the two arrival dates in order (the second after the first) and wait for both."""
    started = time.monotonic()
    run_ids = []
    for day in DATES:
        run_ids.append(stack.trigger(NIGHTLY, day))
    runs = stack.wait_for_runs(NIGHTLY, run_ids, timeout_s=RUN_TIMEOUT_S)
    stack.timings["two_runs_s"] = round(time.monotonic() - started, 1)
    return {"run_ids": run_ids, "runs": runs}


def test_two_arrival_dates_succeed_in_order_and_publish(stack, two_dates):
    runs = two_dates["runs"]
    for run_id, run in runs.items():
        if run["state"] != "success":
            failed = {t: ti["state"] for t, ti in stack.task_instances(NIGHTLY, run_id).items()}
            pytest.fail(f"{run_id} ended {run['state']}: {failed}\n{stack.logs_tail()}")
    first, second = (runs[r] for r in two_dates["run_ids"])
    assert first["end_date"] <= second["start_date"], "one writer: the second date ran after the first"
    pools = {t: ti["pool"] for t, ti in stack.task_instances(NIGHTLY, two_dates["run_ids"][0]).items()}
    writers = {"apply_erasures", "plan_batch", "dbt_build", "stage_candidate", "publish"}
    assert {t for t, pool in pools.items() if pool == "bingewatch_warehouse"} == writers, pools

    with duckdb.connect(str(published(stack)), read_only=True) as con:
        days = {str(d) for (d,) in con.execute("select distinct activity_date from viewer_days").fetchall()}
        assert set(DATES) <= days
        assert con.execute("select count(*) from notable_viewers").fetchone()[0] > 0
        accounted = {str(d) for (d,) in con.execute("select received_date from run_accounting").fetchall()}
        assert set(DATES) <= accounted


def test_publication_triggers_the_public_aggregates_export(stack, two_dates):
    """The Asset event from `publish` schedules the downstream DAG, which exports the CSV."""
    target = stack.data_dir / "reports" / "public" / "title_streaks.csv"

    def exported() -> bool:
        runs = stack.dag_runs(PUBLIC)
        return target.exists() and any(run["state"] == "success" for run in runs)

    stack._wait_for(exported, 180, f"{PUBLIC} to export {target}", poll_s=3)
    with duckdb.connect(str(published(stack)), read_only=True) as con:
        expected = con.execute("select count(*) from public_title_streaks").fetchone()[0]
        columns = [c[0] for c in con.execute("select * from public_title_streaks limit 0").description]
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == expected
    assert "viewer_key" not in columns and "viewer_key" not in (rows[0] if rows else {})


def test_missing_raw_partition_fails_naming_date_and_path_and_publishes_nothing(stack, two_dates):
    """Unpausing created the latest closed interval's scheduled run (catchup=False); the test
    data has no partition for that date, so it is the missing-partition case, for free."""
    [run] = [r for r in stack.dag_runs(NIGHTLY) if r["run_type"] == "scheduled"]
    run_id = run["dag_run_id"]
    run = stack.wait_for_runs(NIGHTLY, [run_id], timeout_s=RUN_TIMEOUT_S)[run_id]
    missing_date = run["data_interval_start"][:10]
    assert missing_date not in DATES

    assert run["state"] == "failed"
    states = {task: ti["state"] for task, ti in stack.task_instances(NIGHTLY, run_id).items()}
    assert states["wait_for_raw_partition"] == "failed"
    assert states["publish"] == "upstream_failed"  # never started: nothing published
    assert states["write_report"] == "failed"  # the teardown reports, then fails the run loudly
    message = failure_message(stack, run_id, "wait_for_raw_partition")
    assert f"raw partition for arrival date {missing_date} not found" in message
    assert f"received_date={missing_date}" in message
    with duckdb.connect(str(published(stack)), read_only=True) as con:
        accounted = {str(d) for (d,) in con.execute("select received_date from run_accounting").fetchall()}
    assert missing_date not in accounted
    assert (stack.data_dir / "reports" / f"{missing_date}.html").exists()
    alerts_file = stack.data_dir / "alerts" / "alerts.jsonl"
    alerts = [json.loads(line) for line in alerts_file.read_text().splitlines()]
    assert {(a["arrival_date"], a["task_id"]) for a in alerts} >= {
        (missing_date, "wait_for_raw_partition"),
        (missing_date, "write_report"),
    }


def kill_task_at_pause_point(stack, point: str) -> int:
    """Wait for a task to reach the armed pause point, disarm it (so the retry goes on) and
    SIGKILL the task's process, whose pid the point recorded: no sleeping and hoping."""
    folder = stack.data_dir / "pause-points"
    reached = folder / f"{point}.reached"
    stack._wait_for(reached.exists, RUN_TIMEOUT_S, f"a task to reach {point}")
    pid = int(reached.read_text())
    (folder / f"{point}.armed").unlink()
    reached.unlink()
    os.kill(pid, signal.SIGKILL)
    return pid


def test_backfill_reruns_a_finished_range_in_order_with_identical_outputs(stack, two_dates):
    """The documented backfill command, rerunning finished dates after `bingewatch reprocess`
    forgot their files; the first date's dbt_build is SIGKILLed between the models and the
    ledger commit (crash safety): its retry must still give identical published tables."""
    import subprocess
    import sys

    before = snapshot(published(stack))
    forgot = subprocess.run(
        [
            sys.executable,
            "-m",
            "bingewatch.cli",
            "--data-dir",
            str(stack.data_dir),
            "reprocess",
            "--from",
            DATES[0],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"received_date={DATES[0]}/" in forgot.stdout
    (stack.data_dir / "pause-points").mkdir(exist_ok=True)
    (stack.data_dir / "pause-points" / "before_ledger_commit.armed").touch()
    started = time.monotonic()
    # The documented command (docs/operations.md): in order, one run at a time.
    stack.airflow(
        "backfill",
        "create",
        "--dag-id",
        NIGHTLY,
        "--from-date",
        DATES[0],
        "--to-date",
        DATES[-1],
        "--max-active-runs",
        "1",
        "--reprocess-behavior",
        "completed",
    )

    def backfill_runs() -> list[dict]:
        return sorted(
            (r for r in stack.dag_runs(NIGHTLY) if r["run_type"] == "backfill"),
            key=lambda r: r["logical_date"],
        )

    stack._wait_for(lambda: len(backfill_runs()) == len(DATES), 120, "the backfill runs to be created")
    first_run_id = backfill_runs()[0]["dag_run_id"]
    kill_task_at_pause_point(stack, "before_ledger_commit")
    runs = backfill_runs()
    stack.wait_for_runs(NIGHTLY, [r["dag_run_id"] for r in runs], timeout_s=RUN_TIMEOUT_S)
    runs = backfill_runs()
    stack.timings["backfill_s"] = round(time.monotonic() - started, 1)
    assert [r["state"] for r in runs] == ["success"] * len(DATES), runs
    assert [r["logical_date"][:10] for r in runs] == list(DATES)
    assert runs[0]["end_date"] <= runs[1]["start_date"], "backfill dates ran in order, one at a time"
    killed = stack.task_instances(NIGHTLY, first_run_id)["dbt_build"]
    assert killed["try_number"] >= 2, "the SIGKILL forced a retry of dbt_build"
    assert snapshot(published(stack)) == before
