"""Benchmark of a quiet night's fixed cost (docs/benchmarks.md, "A quiet night").

The `sample` preset (about 110k events an arrival date) is caught up to its second-to-last
date; then, each through Airflow's `dag.test()` (`bingewatch run --end D`):

1. a night with one new 110k-event batch (the last arrival date), twice from the same state:
   with dbt's process started inside the dbt_build task (BINGEWATCH_DBT_AHEAD=0), then as
   `bingewatch run` does it, started ahead while Airflow starts;
2. the same logical date again with nothing new (the run plans an empty batch and leaves the
   current publication alone).

For each run: the command's wall time (process start to exit), the DAG run's own time (what
`bingewatch run` prints: "success in X s"), every task's duration from Airflow's metadata
database, and Airflow's share (the run's time minus the tasks' sum: task start-up through the
in-process execution API). Run on a quiet machine:

    .venv/bin/python bench/quiet_night.py [--results-dir bench/results] [--keep DIR]

Writes <date>-quiet-night.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "BINGEWATCH_ALLOW_DEV_KEY": "1", "DO_NOT_TRACK": "1"}
DAYS = 4
FIRST = date(2026, 3, 2)  # the generator's default first arrival date
_SUCCESS = re.compile(r"arrival date (\S+): (\S+) in ([0-9.]+)s")


def bingewatch(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run the CLI; return its wall time and the DAG run's own time it printed."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bingewatch.cli", "--data-dir", str(data_dir), *args],
        env={**ENV, "AIRFLOW_HOME": str(data_dir / "airflow"), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = round(time.monotonic() - started, 2)
    if result.returncode != 0:
        output = result.stdout[-3000:] + result.stderr[-3000:]
        raise SystemExit(f"bingewatch {' '.join(args)} failed:\n{output}")
    runs = _SUCCESS.findall(result.stdout)
    if not runs:
        return {"wall_s": wall, "dag_run_s": None, "state": None}
    return {"wall_s": wall, "dag_run_s": float(runs[-1][2]), "state": runs[-1][1]}


def task_durations(data_dir: Path) -> dict[str, float]:
    """Each task's duration in the latest DAG run, from Airflow's SQLite metadata database."""
    with sqlite3.connect(data_dir / "airflow" / "airflow.db") as con:
        [run_id] = con.execute("select run_id from dag_run order by id desc limit 1").fetchone()
        rows = con.execute(
            "select task_id, coalesce(duration, 0) from task_instance where run_id = ? order by start_date",
            [run_id],
        ).fetchall()
    return {task: round(seconds, 3) for task, seconds in rows}


def measure(work: Path) -> dict:
    data_dir = work / "data"
    last = FIRST + timedelta(days=DAYS - 1)
    generate = bingewatch(data_dir, "generate", "--scale", "sample", "--days", str(DAYS))
    catch_up = bingewatch(data_dir, "run", "--end", (last - timedelta(days=1)).isoformat())
    files = sorted((data_dir / "raw" / "playback_events" / f"received_date={last}").glob("*.parquet"))
    results = {"generate": generate, "catch_up_to_day_before": catch_up, "files_in_the_night": len(files)}
    # The new batch twice from the same state at the same path (dbt's partial parse stays
    # valid): first with dbt started inside the dbt_build task, then as `bingewatch run` does it,
    # dbt started ahead while Airflow starts (bingewatch.nightly.dbt_ahead).
    before = work / "before-the-night"
    shutil.copytree(data_dir, before)
    runs = (
        ("new_batch_dbt_started_in_its_task", {"BINGEWATCH_DBT_AHEAD": "0"}),
        ("new_batch", {}),
        ("nothing_new", {}),
    )
    for name, env in runs:
        if name == "new_batch":
            shutil.rmtree(data_dir)
            shutil.copytree(before, data_dir)
        run = bingewatch(data_dir, "run", "--end", last.isoformat(), env=env)
        tasks = task_durations(data_dir)
        run["tasks"] = tasks
        run["tasks_sum_s"] = round(sum(tasks.values()), 2)
        if run["dag_run_s"] is not None:
            run["airflow_overhead_s"] = round(run["dag_run_s"] - run["tasks_sum_s"], 2)
        results[name] = run
    return results


def markdown(results: dict) -> str:
    lines = [
        f"# A quiet night ({results['measured_at']})",
        "",
        f"Machine: {results['machine']}. Sample preset, {DAYS} arrival dates, caught up to the",
        "second-to-last; then the last date through `dag.test()`, then that date again.",
        "",
        "| run | command wall | DAG run | tasks' sum | Airflow's share |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ("new_batch_dbt_started_in_its_task", "new_batch", "nothing_new"):
        run = results[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {run['wall_s']:.1f} s | {run['dag_run_s']:.1f} s | "
            f"{run['tasks_sum_s']:.1f} s | {run.get('airflow_overhead_s', 0):.1f} s |"
        )
    lines += [
        "",
        "The new batch runs twice from the same state: first with dbt started inside its task,",
        "then as `bingewatch run` does it, dbt's process started ahead while Airflow starts.",
        "",
        "| task | new batch, dbt started in its task | new batch | nothing new |",
        "|---|---:|---:|---:|",
    ]
    for task, seconds in results["new_batch"]["tasks"].items():
        in_task = results["new_batch_dbt_started_in_its_task"]["tasks"].get(task, 0)
        quiet = results["nothing_new"]["tasks"].get(task, 0)
        lines.append(f"| `{task}` | {in_task:.2f} s | {seconds:.2f} s | {quiet:.2f} s |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bingewatch-quiet-night-"))
    load_before = os.getloadavg()[0]
    try:
        results = measure(work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"] = f"{os.cpu_count()} cores, load average before {load_before:.2f}"
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stem = args.results_dir / f"{datetime.now(UTC).date()}-quiet-night"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
