"""`bingewatch bench`: the nightly run measured against a hand-written DuckDB baseline (issue #7).

One invocation, one data directory (a temporary one under /tmp unless given), one results file:

1. **generate** the scale's raw data (`bingewatch generate` in a child process: wall time and
   peak RSS of the generator alone).
2. **pipeline**, ``repeats`` times from an empty warehouse (dbt's partial-parse state kept, as
   each night finds the one the night before left; one full parse is timed first): for each
   arrival date in order, the functions the DAG's tasks call (wait, raw validation, dbt build,
   stage candidate, mart validation, publish, report), each timed, in a worker process whose
   process tree (dbt included) is sampled for RSS. Airflow is not in this path: its start-up
   is measured apart.
3. **baseline**, ``repeats`` times: ``bench/baseline.sql``, one hand-written script run straight
   in DuckDB on the same raw Parquet, computing viewer_days and notable_viewers from scratch.
   Its two tables are compared with the published ones, row for row (EXCEPT ALL both ways).
4. **fixed overhead**: dbt start-up (a build selecting nothing, wall minus dbt's own
   elapsed time per build, and the full parse a project change costs once), Airflow start-up
   and per-run overhead (``dag.test`` of a date with no raw data, so every task is trivial).
5. **growth** (optional, its own scale): the nightly run for arrival day ``growth_days`` against
   the run for day 2 at the same daily volume; the days between are built by one dbt run over
   their range (the models take a multi-date window), then the last day is audited and published.

Medians are taken over the repeats; the machine (cores, memory, load average) is recorded.
Results: ``bench/results/<date>-<scale>.json`` and ``.md``. Reproduce: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bingewatch.contract import RAW_COLUMNS
from bingewatch.nightly.parse_state import PARSE_STATE
from bingewatch.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings

BASELINE_SQL = PROJECT_ROOT / "bench" / "baseline.sql"
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
RESULTS_VERSION = 1
# Stages of one nightly run, in DAG order. "publish" in the table is stage + publish.
RUN_STAGES = (
    "wait",
    "raw_validation",
    "dbt",
    "stage_candidate",
    "mart_validation",
    "publish",
    "report",
)
WORK_STAGES = ("raw_validation", "dbt", "stage_candidate", "mart_validation", "publish")
VALIDATION_STAGES = ("raw_validation", "mart_validation")
COMPARED_TABLES = {
    "viewer_days": ("viewer_key", "activity_date"),
    "notable_viewers": ("viewer_key", "rule", "activity_date"),
}
TARGETS = {
    "pipeline_vs_baseline": 1.25,
    "growth_day_n_vs_day_2": 1.2,
    "validation_share": 0.15,
    "peak_rss_gb": 6.0,
}
DEFAULT_MEMORY_LIMIT = "3GB"
# RSS sampling period: often enough for stages lasting seconds, cheap on a busy 2-core machine.
SAMPLE_INTERVAL_S = 0.5
# A date after the DAG's start_date that no generator writes (they start 2026-03-02): the Airflow
# probe's run finds no partition, so every task is scheduled and does next to nothing (the sensor
# fails at once, the rest is skipped, the report is written). Before start_date nothing would run.
PROBE_DATE = date(2026, 1, 5)


class BenchFailed(Exception):
    """A benchmark step failed; the message names the step and where its log is.

    ``progress`` holds what a stopped pipeline worker had measured (its stages so far, and the
    stage it was in with its time and peak memory), so the partial results keep them.
    """

    def __init__(self, message: str, progress: dict | None = None):
        super().__init__(message)
        self.progress = progress


# --- measuring ------------------------------------------------------------------------------
def machine_info() -> dict[str, Any]:
    """Cores, memory and load: the context every number here needs."""
    import psutil

    memory = psutil.virtual_memory()
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "memory_total_gb": round(memory.total / 2**30, 1),
        "memory_available_gb": round(memory.available / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "apache-airflow"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


class RssSampler:
    """Samples the resident memory of this process and all its descendants (summed).

    ``stage(name)`` labels the samples; ``peaks`` holds the largest tree total per label, in
    bytes. A sum over the tree is the honest figure for "the run's memory": dbt's process and
    its parent are both resident while dbt runs.
    """

    def __init__(self, interval_s: float = SAMPLE_INTERVAL_S):
        import psutil

        self._process = psutil.Process()
        self._interval_s = interval_s
        self._label = "idle"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.peaks: dict[str, int] = {}
        # Called every 30 s with (current stage, its peak so far): a long stage leaves a trace.
        self.on_tick: Callable[[str, int], None] | None = None
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _tree_rss(self) -> int:
        import psutil

        total = 0
        try:
            processes = [self._process, *self._process.children(recursive=True)]
        except psutil.Error:
            return 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:  # ended between listing and reading
                continue
        return total

    def sample(self) -> None:
        rss = self._tree_rss()
        with self._lock:
            self.peaks[self._label] = max(self.peaks.get(self._label, 0), rss)

    def _run(self) -> None:
        ticks = 0
        while not self._stop.wait(self._interval_s):
            self.sample()
            ticks += 1
            if self.on_tick is not None and ticks % 60 == 0:  # every 30 s
                try:
                    self.on_tick(self._label, self.peaks.get(self._label, 0))
                except Exception:  # a progress note must never stop the measurement
                    pass

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @contextmanager
    def stage(self, label: str):
        self.sample()
        with self._lock:
            self._label = label
        try:
            yield
        finally:
            self.sample()
            with self._lock:
                self._label = "idle"


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its reaped children, e.g. dbt.

    On a shared machine wall time measures the neighbours too; CPU time barely does, so every
    stage records both and the ratios are given both ways.
    """
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _mb(n_bytes: float | None) -> float | None:
    return None if n_bytes is None else round(n_bytes / 2**20, 1)


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def timed_child(args: list[str], env: dict[str, str], log_path: Path, cwd: Path | None = None) -> dict:
    """Run a child process to completion; its wall time, exit status and peak RSS.

    A sampler records the summed tree peak and the largest single process. The kernel's
    ``ru_maxrss`` (``wait4``) is kept as ``peak_rss_mb`` but is not the single-process figure:
    it counts a forked child's copy of its parent before exec, so a child of a large process
    (a pytest worker after many tests: 3.3 GB at tiny scale) reports the parent's size.
    """
    import psutil

    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        tree_peak = [0]
        process_peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_INTERVAL_S):
                try:
                    watched = psutil.Process(proc.pid)
                    sizes = [p.memory_info().rss for p in [watched, *watched.children(recursive=True)]]
                    tree_peak[0] = max(tree_peak[0], sum(sizes))
                    process_peak[0] = max(process_peak[0], max(sizes))
                except psutil.Error:
                    pass

        sampler = threading.Thread(target=sample, name="child-rss-sampler", daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    tree_peak = tree_peak[0]
    elapsed = time.monotonic() - started
    return {
        "seconds": round(elapsed, 3),
        "returncode": proc.returncode,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": _mb(usage.ru_maxrss * 1024),
        "peak_tree_rss_mb": _mb(tree_peak),
        "peak_process_rss_mb": _mb(process_peak[0]),
        "log": str(log_path),
    }


# --- the worker: stages in their own process --------------------------------------------------
def _bench_env(data_dir: Path, memory_limit: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "BINGEWATCH_DATA_DIR": str(data_dir),
            "BINGEWATCH_RAW_WAIT_TIMEOUT_S": "0",
            "BINGEWATCH_DUCKDB_MEMORY_LIMIT": memory_limit,
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "GX_ANALYTICS_ENABLED": "false",
            "SCARF_ANALYTICS": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if not env.get("BINGEWATCH_PSEUDONYM_KEY"):
        env["BINGEWATCH_ALLOW_DEV_KEY"] = "1"  # generated data only; the bench data is thrown away
    return env


def _worker(kind: str, data_dir: Path, memory_limit: str, out: Path, log: Path, *extra: str) -> dict:
    """Run one worker (``python bench/harness.py --worker KIND``); return its JSON result."""
    out.unlink(missing_ok=True)
    args = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--data-dir", str(data_dir)]
    args += ["--out", str(out), *extra]
    child = timed_child(args, _bench_env(data_dir, memory_limit), log)
    if child["returncode"] != 0 or not out.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        progress_path = out.with_suffix(".progress.json")
        progress = json.loads(progress_path.read_text()) if progress_path.is_file() else None
        raise BenchFailed(
            f"bench worker {kind} failed (exit {child['returncode']}); log {log}:\n{tail}", progress
        )
    result = json.loads(out.read_text())
    result["process"] = child
    return result


def run_stages(
    settings: Settings, received_date: date, sampler: RssSampler, progress_path: Path | None = None
) -> dict[str, Any]:
    """One nightly run of arrival date D: the DAG's task functions in order, each timed.

    With ``progress_path``, the figures so far are written there after every stage, so a run
    stopped half-way (hours into the large scale) still says where its time and memory went.
    """
    from bingewatch.nightly.dbt_build import build_batch
    from bingewatch.nightly.plan_batch import plan_batch
    from bingewatch.nightly.publish import publish
    from bingewatch.nightly.stage_candidate import stage_candidate
    from bingewatch.nightly.validate_marts import validate_marts
    from bingewatch.nightly.validate_raw_batch import validate_raw_batch
    from bingewatch.nightly.wait_for_raw_partition import wait_for_raw_partition
    from bingewatch.nightly.write_report import write_report

    stages: dict[str, dict[str, Any]] = {}
    details: dict[str, Any] = {}
    stage_started = [time.monotonic()]

    def note_progress(running: str | None = None, peak: int = 0) -> None:
        if progress_path is None:
            return
        note = {"date": received_date.isoformat(), "stages": stages, "details": details}
        if running:
            note["running"] = {
                "stage": running,
                "seconds_so_far": round(time.monotonic() - stage_started[0], 1),
                "peak_tree_rss_mb_so_far": _mb(peak),
            }
        progress_path.parent.mkdir(parents=True, exist_ok=True)
        progress_path.write_text(json.dumps(note, default=str))

    sampler.on_tick = note_progress

    def timed(name: str, call: Callable[[], Any]) -> Any:
        started, cpu = time.monotonic(), cpu_seconds()
        stage_started[0] = started
        with sampler.stage(name):
            value = call()
        stages[name] = {
            "seconds": round(time.monotonic() - started, 3),
            "cpu_s": round(cpu_seconds() - cpu, 3),
            "peak_tree_rss_mb": _mb(sampler.peaks.get(name)),
        }
        note_progress()
        return value

    timed("wait", lambda: wait_for_raw_partition(settings, received_date, timeout_s=0))
    plan = timed("plan", lambda: plan_batch(settings, received_date, f"bench-{received_date}"))
    raw = timed("raw_validation", lambda: validate_raw_batch(settings, received_date))
    details["raw_validation"] = {"row_count": raw.get("row_count"), "timings": raw.get("timings")}
    dbt = timed(
        "dbt",
        lambda: build_batch(settings, received_date, plan["run_id"], plan=plan, echo=None),
    )
    details["dbt"] = {**dbt, "slowest_nodes": slowest_dbt_nodes(settings)}
    candidate = timed("stage_candidate", lambda: stage_candidate(settings, received_date))
    marts = timed("mart_validation", lambda: validate_marts(settings, candidate, received_date))
    details["mart_validation"] = {"timings": marts.get("timings")}
    timed("publish", lambda: publish(settings, candidate))
    timed("report", lambda: write_report(settings, received_date))
    for name in stages:
        stages[name]["peak_tree_rss_mb"] = _mb(sampler.peaks.get(name))
    dbt_elapsed = dbt.get("elapsed_s")
    details["dbt"]["startup_s"] = (
        round(stages["dbt"]["seconds"] - dbt_elapsed, 3) if dbt_elapsed is not None else None
    )
    return {"date": received_date.isoformat(), "stages": stages, "details": details}


def slowest_dbt_nodes(settings: Settings, top: int = 12) -> list[dict[str, Any]]:
    """The dbt nodes that took longest in the last build (run_results.json): the profile."""
    from bingewatch.nightly.dbt_build import dbt_target_dir

    path = dbt_target_dir(settings) / "run_results.json"
    try:
        results = json.loads(path.read_text()).get("results", [])
    except (OSError, ValueError):
        return []
    nodes = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)[:top]
    return [
        {
            "node": r.get("unique_id"),
            "seconds": round(r.get("execution_time") or 0, 3),
            "status": r.get("status"),
        }
        for r in nodes
    ]


def _worker_pipeline(settings: Settings, dates: list[date], progress_path: Path) -> dict[str, Any]:
    import resource

    with RssSampler() as sampler:
        runs = [run_stages(settings, day, sampler, progress_path) for day in dates]
    return {
        "runs": runs,
        "peak_tree_rss_mb": _mb(max(sampler.peaks.values(), default=0)),
        "ru_maxrss_self_mb": _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024),
        "ru_maxrss_children_mb": _mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024),
    }


def dbt_vars() -> dict[str, Any]:
    """The thresholds the dbt models use (dbt_project.yml vars), for the baseline script."""
    import yaml

    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def render_baseline(settings: Settings, viewer_keys: Path, run_end: date) -> str:
    """bench/baseline.sql with paths and thresholds filled in."""
    params = dict(dbt_vars())
    params.update(
        {
            "events_glob": f"{settings.events_dir}/*/*.parquet",
            "profiles_glob": f"{settings.raw_dir}/profiles/*.parquet",
            "titles_glob": f"{settings.raw_dir}/titles/*.parquet",
            "viewer_keys": str(viewer_keys),
            "run_end": run_end.isoformat(),
            "unattended_after_ms": int(params["unattended_after_s"]) * 1000,
            "streak_min_daily_ms": int(params["streak_min_daily_s"]) * 1000,
            "marathon_ms": int(params["marathon_hours"]) * 3600 * 1000,
        }
    )
    return string.Template(BASELINE_SQL.read_text()).substitute(params)


def baseline_path(settings: Settings) -> Path:
    return settings.data_dir / "bench" / "baseline.duckdb"


def _worker_baseline(settings: Settings, run_end: date, memory_limit: str) -> dict[str, Any]:
    """Pseudonyms (as the pipeline writes them), then the baseline script, timed."""
    import duckdb

    from bingewatch.pseudonyms import write_viewer_keys
    from bingewatch.settings import pseudonym_key

    work = settings.data_dir / "bench"
    work.mkdir(parents=True, exist_ok=True)
    database = baseline_path(settings)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    spill = work / "baseline_spill"
    shutil.rmtree(spill, ignore_errors=True)
    stages: dict[str, dict[str, Any]] = {}
    with RssSampler() as sampler:
        started, cpu = time.monotonic(), cpu_seconds()
        with sampler.stage("viewer_keys"):
            keys = work / "viewer_keys.parquet"
            write_viewer_keys(settings.raw_dir, keys, pseudonym_key())
        stages["viewer_keys"] = {
            "seconds": round(time.monotonic() - started, 3),
            "cpu_s": round(cpu_seconds() - cpu, 3),
        }
        started, cpu = time.monotonic(), cpu_seconds()
        with sampler.stage("sql"):
            sql = render_baseline(settings, keys, run_end)
            with duckdb.connect(str(database)) as con:
                con.execute("set enable_progress_bar = false")
                con.execute("set TimeZone = 'UTC'")
                con.execute(f"set memory_limit = '{memory_limit}'")
                con.execute(f"set temp_directory = '{spill}'")
                con.execute(sql)
                con.execute("checkpoint")
        stages["sql"] = {
            "seconds": round(time.monotonic() - started, 3),
            "cpu_s": round(cpu_seconds() - cpu, 3),
        }
    shutil.rmtree(spill, ignore_errors=True)
    for name in stages:
        stages[name]["peak_tree_rss_mb"] = _mb(sampler.peaks.get(name))
    return {
        "stages": stages,
        "seconds": round(sum(s["seconds"] for s in stages.values()), 3),
        "cpu_s": round(sum(s["cpu_s"] for s in stages.values()), 3),
        "peak_tree_rss_mb": _mb(max(sampler.peaks.values(), default=0)),
        "scan_floor": scan_floor(settings, memory_limit),
    }


# The raw columns the models read (stg_raw__playback_events' select list: every raw column but
# ip_address): what any engine computing the same outputs has to read at least once.
FLOOR_COLUMNS = tuple(column for column in RAW_COLUMNS if column != "ip_address")


def scan_floor(settings: Settings, memory_limit: str) -> dict[str, Any]:
    """The floor under the baseline: one pass over the raw events reading every column the models
    need, hashing event_id (the deduplication key) and folding each column into an aggregate so
    nothing is pruned. No join, no sort, no write: no script computing the outputs is faster."""
    import duckdb

    # Hashes, not counts: a non-null count is answered from the Parquet statistics unread.
    others = ", ".join(column for column in FLOOR_COLUMNS if column != "event_id")
    folds = f"bit_xor(hash(event_id)), bit_xor(hash({others}))"
    query = (
        f"select count(*), {folds} from read_parquet('{settings.events_dir}/*/*.parquet', "
        "hive_partitioning = false)"
    )
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"set memory_limit = '{memory_limit}'")
        started, cpu = time.monotonic(), cpu_seconds()
        rows = con.execute(query).fetchone()[0]
        return {
            "seconds": round(time.monotonic() - started, 3),
            "cpu_s": round(cpu_seconds() - cpu, 3),
            "rows": rows,
            "columns": list(FLOOR_COLUMNS),
        }


def _worker_history(settings: Settings, start: date, end: date) -> dict[str, Any]:
    """Build every arrival date up to ``end`` in one catch-up build, then audit and publish it.

    (The raw gate's volume history is left empty: day N's volume checks then say so.)
    """
    from bingewatch.nightly.dbt_build import build_batch
    from bingewatch.nightly.publish import publish
    from bingewatch.nightly.stage_candidate import stage_candidate
    from bingewatch.nightly.validate_marts import validate_marts

    timings = {}
    started = time.monotonic()
    build_batch(settings, end, f"history-{start}-{end}", echo=None)
    timings["dbt_range_s"] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    candidate = stage_candidate(settings, end)
    validate_marts(settings, candidate, end)
    publish(settings, candidate)
    timings["audit_publish_s"] = round(time.monotonic() - started, 3)
    return {"start": start.isoformat(), "end": end.isoformat(), "timings": timings}


def _worker_airflow_metadata(settings: Settings) -> dict[str, Any]:
    """Create the probe's metadata database, and nothing else (a one-off install cost that the
    probe must not measure)."""
    started = time.monotonic()
    from bingewatch.local_run import configure_airflow_environment

    configure_airflow_environment(settings)
    from bingewatch.local_run import migrate_metadata_db

    migrate_metadata_db()
    return {"timings": {"create_metadata_db_s": round(time.monotonic() - started, 3)}}


def _worker_airflow(settings: Settings) -> dict[str, Any]:
    """Airflow's fixed cost: import, metadata DB check, DAG parse, and dag.test() of a date with
    no raw partition (the sensor fails at once, the rest is skipped or trivial), twice."""
    from datetime import datetime as dt

    started = time.monotonic()
    from bingewatch.local_run import configure_airflow_environment

    configure_airflow_environment(settings)
    import airflow  # noqa: F401

    timings = {"import_s": round(time.monotonic() - started, 3)}
    from bingewatch.local_run import load_dag, migrate_metadata_db

    started = time.monotonic()
    migrate_metadata_db()
    timings["metadata_db_s"] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    dag = load_dag()
    timings["dag_parse_s"] = round(time.monotonic() - started, 3)
    for n, label in enumerate(("first_dag_test_s", "next_dag_test_s")):
        started = time.monotonic()
        logical = dt(PROBE_DATE.year, PROBE_DATE.month, PROBE_DATE.day + n, tzinfo=UTC)
        dag_run = dag.test(logical_date=logical)
        timings[label] = round(time.monotonic() - started, 3)
        timings[label.replace("_s", "_state")] = str(getattr(dag_run, "state", "unknown"))
    return {"timings": timings}


def worker_main(argv: list[str]) -> int:
    """Entry point of the worker process (``python bench/harness.py --worker ...``)."""
    parser = argparse.ArgumentParser(prog="bench/harness.py --worker")
    parser.add_argument(
        "--worker", required=True, choices=["pipeline", "baseline", "history", "airflow", "airflow-metadata"]
    )
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--dates", default="")
    parser.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT)
    args = parser.parse_args(argv)
    settings = Settings.from_env(args.data_dir)
    dates = [date.fromisoformat(d) for d in args.dates.split(",") if d]
    if args.worker == "pipeline":
        result = _worker_pipeline(settings, dates, args.out.with_suffix(".progress.json"))
    elif args.worker == "baseline":
        result = _worker_baseline(settings, dates[-1], args.memory_limit)
    elif args.worker == "history":
        result = _worker_history(settings, dates[0], dates[-1])
    elif args.worker == "airflow-metadata":
        result = _worker_airflow_metadata(settings)
    else:
        result = _worker_airflow(settings)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    return 0


# --- comparing outputs ---------------------------------------------------------------------
def compare_outputs(published: Path, baseline: Path) -> dict[str, Any]:
    """The baseline's tables against the published ones: row counts, rows only on either side
    (EXCEPT ALL both ways) and, where keys match but values differ, which columns differ."""
    import duckdb

    outcome: dict[str, Any] = {}
    with duckdb.connect(str(published), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{baseline}' as baseline (read_only)")
        for table, keys in COMPARED_TABLES.items():
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_catalog = "
                    "'baseline' and table_name = ? order by ordinal_position",
                    [f"baseline_{table}"],
                ).fetchall()
            ]
            cols = ", ".join(columns)
            ours = f"select {cols} from main.{table}"
            theirs = f"select {cols} from baseline.main.baseline_{table}"

            def count(query: str) -> int:
                return con.execute(f"select count(*) from ({query})").fetchone()[0]

            counts = {
                "pipeline_rows": count(ours),
                "baseline_rows": count(theirs),
                "only_in_pipeline": count(f"{ours} except all {theirs}"),
                "only_in_baseline": count(f"{theirs} except all {ours}"),
            }
            counts["columns"] = columns
            counts["equal"] = counts["only_in_pipeline"] == 0 and counts["only_in_baseline"] == 0
            if not counts["equal"]:
                join = " and ".join(f"p.{k} is not distinct from b.{k}" for k in keys)
                differing = {}
                for column in columns:
                    if column in keys:
                        continue
                    n = con.execute(
                        f"select count(*) from main.{table} p join baseline.main.baseline_{table} b "
                        f"on {join} where p.{column} is distinct from b.{column}"
                    ).fetchone()[0]
                    if n:
                        differing[column] = n
                counts["keyed_rows_with_differing_columns"] = differing
                counts["sample_only_in_pipeline"] = _rows(con, f"{ours} except all {theirs}")
                counts["sample_only_in_baseline"] = _rows(con, f"{theirs} except all {ours}")
            outcome[table] = counts
    outcome["equal"] = all(outcome[t]["equal"] for t in COMPARED_TABLES)
    return outcome


def _rows(con, query: str, limit: int = 5) -> list[dict[str, Any]]:
    cursor = con.execute(f"select * from ({query}) order by all limit {limit}")
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, (str(v) for v in row), strict=True)) for row in cursor.fetchall()]


# --- the benchmark -------------------------------------------------------------------------
def reset_outputs(settings: Settings) -> None:
    """Back to raw data only: no warehouse, candidate, publication, records or reports.

    Two things every nightly run finds from the night before are kept, so no repeat pays for
    what only the first run after a change to the project does:
    - dbt's partial-parse state beside the warehouse (a full parse is measured once, by
      `dbt_full_parse`; deleting it made each repeat pay one);
    - the data dictionary and its fingerprint (reports/data_dictionary.*), rebuilt only when the
      project or the published schema changed (a `dbt docs generate`, about 5 s at medium).
    """
    from bingewatch.data_dictionary import DICTIONARY, STATE
    from bingewatch.nightly.dbt_build import dbt_target_dir

    kept_paths = [
        dbt_target_dir(settings) / PARSE_STATE,
        settings.reports_dir / DICTIONARY,
        settings.reports_dir / STATE,
    ]
    kept = {path: path.read_bytes() for path in kept_paths if path.exists()}
    for folder in (
        settings.warehouse_dir,
        settings.audit_dir,
        settings.published_dir,
        settings.runs_dir,
        settings.reports_dir,
    ):
        shutil.rmtree(folder, ignore_errors=True)
    for path, content in kept.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def arrival_dates(settings: Settings) -> list[date]:
    found = []
    for folder in sorted(settings.events_dir.glob("received_date=*")):
        found.append(date.fromisoformat(folder.name.split("=", 1)[1]))
    return found


def generate(data_dir: Path, scale: str, days: int | None, seed: int, log: Path, memory_limit: str) -> dict:
    """`bingewatch generate` in a child process: wall time, peak RSS, events written."""
    args = [sys.executable, "-m", "bingewatch.cli", "--data-dir", str(data_dir), "generate"]
    args += ["--scale", scale, "--seed", str(seed)] + (["--days", str(days)] if days else [])
    child = timed_child(args, _bench_env(data_dir, memory_limit), log)
    if child["returncode"] != 0:
        raise BenchFailed(f"generate failed; log {log}:\n{log.read_text()[-3000:]}")
    manifest = json.loads((data_dir / "raw" / "_generator" / "manifest.json").read_text())
    child["events"] = manifest.get("totals", {}).get("raw_rows")
    child["days"] = manifest.get("days")
    return child


def _summarise_pipeline(worker: dict) -> dict[str, Any]:
    """Per-stage seconds summed over the worker's dates, and its totals."""
    stages = {s: round(sum(r["stages"][s]["seconds"] for r in worker["runs"]), 3) for s in RUN_STAGES}
    cpu = {s: round(sum(r["stages"][s].get("cpu_s") or 0 for r in worker["runs"]), 3) for s in RUN_STAGES}
    peaks = {s: max(r["stages"][s]["peak_tree_rss_mb"] or 0 for r in worker["runs"]) for s in RUN_STAGES}
    dbt_startup = [r["details"]["dbt"].get("startup_s") for r in worker["runs"]]
    gx_context = [
        (r["details"][g].get("timings") or {}).get("context_s") or 0
        for r in worker["runs"]
        for g in VALIDATION_STAGES
    ]
    return {
        "stages_s": stages,
        "stage_peak_tree_rss_mb": peaks,
        "stages_cpu_s": cpu,
        "run_cpu_s": round(sum(cpu.values()), 3),
        "work_cpu_s": round(sum(cpu[s] for s in WORK_STAGES), 3),
        "validation_cpu_s": round(sum(cpu[s] for s in VALIDATION_STAGES), 3),
        "run_s": round(sum(stages.values()), 3),
        "work_s": round(sum(stages[s] for s in WORK_STAGES), 3),
        "validation_s": round(sum(stages[s] for s in VALIDATION_STAGES), 3),
        "dbt_startup_s": round(sum(x for x in dbt_startup if x is not None), 3),
        "gx_context_s": round(sum(gx_context), 3),
        "peak_tree_rss_mb": worker["peak_tree_rss_mb"],
        "peak_single_process_rss_mb": worker["process"]["peak_process_rss_mb"],
        "worker_wall_s": worker["process"]["seconds"],
        "per_date": worker["runs"],
    }


def _timed_dbt(settings: Settings, day: date, memory_limit: str, command: list[str], log: Path) -> float:
    """`dbt <command>` with the nightly run's environment for ``day``; its wall seconds."""
    from bingewatch.nightly.dbt_build import dbt_environment, dbt_executable, dbt_working_dir

    env = dbt_environment(settings, day, day)
    env.update({"BINGEWATCH_DUCKDB_MEMORY_LIMIT": memory_limit})
    args = [
        dbt_executable(),
        *command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    child = timed_child(args, env, log, cwd=dbt_working_dir(settings))
    if child["returncode"] != 0:
        raise BenchFailed(f"dbt {command[0]} failed: {child['log']}")
    return child["seconds"]


def dbt_startup_probe(settings: Settings, day: date, memory_limit: str, repeats: int, log: Path) -> dict:
    """`dbt build` selecting nothing, with the run's environment: dbt's fixed start-up."""
    command = ["build", "--exclude-resource-type", "unit_test", "--select", "tag:bench_selects_nothing"]
    seconds = [
        _timed_dbt(settings, day, memory_limit, command, log.with_name(f"{log.stem}-{n}.log"))
        for n in range(repeats)
    ]
    return {"seconds": seconds, "median_s": _median(seconds)}


def dbt_full_parse(settings: Settings, day: date, memory_limit: str, log: Path) -> dict:
    """`dbt parse` with no saved state: what the first run after a change to the project pays
    on top of a nightly run's start-up. It leaves the partial-parse state the repeats start from,
    as each night starts from the one the night before left."""
    from bingewatch.nightly.dbt_build import dbt_target_dir

    (dbt_target_dir(settings) / PARSE_STATE).unlink(missing_ok=True)
    return {"seconds": _timed_dbt(settings, day, memory_limit, ["parse"], log)}


def run_growth(
    root: Path, scale: str, days: int, repeats: int, seed: int, memory_limit: str, progress: Callable
) -> dict[str, Any]:
    """Day N against day 2 at the same daily volume (the target: at most 1.2x)."""
    data_dir = root / f"growth-{scale}"
    settings = Settings(data_dir)
    logs = root / "logs"
    progress(f"growth: generating {scale} x {days} days")
    gen = generate(data_dir, scale, days, seed, logs / "growth-generate.log", memory_limit)
    dates = arrival_dates(settings)
    if len(dates) < 3:
        raise BenchFailed(f"growth needs at least 3 arrival days, got {len(dates)}")
    first, second, last = dates[0], dates[1], dates[-1]
    out = data_dir / "bench"

    def pipeline(day: date, tag: str) -> dict:
        return _summarise_pipeline(
            _worker(
                "pipeline",
                data_dir,
                memory_limit,
                out / f"{tag}.json",
                logs / f"growth-{tag}.log",
                "--dates",
                day.isoformat(),
            )
        )

    progress(f"growth: day 1 ({first})")
    day_1 = pipeline(first, "day1")
    day_2 = []
    for n in range(repeats):
        progress(f"growth: day 2 ({second}) run {n + 1}/{repeats}")
        day_2.append(pipeline(second, f"day2-{n}"))
    history = None
    if len(dates) > 3:
        progress(f"growth: history {dates[2]}..{dates[-2]} in one dbt run")
        history = _worker(
            "history",
            data_dir,
            memory_limit,
            out / "history.json",
            logs / "growth-history.log",
            "--dates",
            f"{dates[2].isoformat()},{dates[-2].isoformat()}",
        )
    day_n = []
    for n in range(repeats):
        progress(f"growth: day {len(dates)} ({last}) run {n + 1}/{repeats}")
        day_n.append(pipeline(last, f"dayN-{n}"))
    day_2_s = _median([r["run_s"] for r in day_2])
    day_n_s = _median([r["run_s"] for r in day_n])
    day_2_cpu = _median([r.get("run_cpu_s") for r in day_2])
    day_n_cpu = _median([r.get("run_cpu_s") for r in day_n])
    per_stage = {
        s: {
            "day_2_s": _median([r["stages_s"][s] for r in day_2]),
            f"day_{len(dates)}_s": _median([r["stages_s"][s] for r in day_n]),
            "day_2_cpu_s": _median([(r.get("stages_cpu_s") or {}).get(s) for r in day_2]),
            f"day_{len(dates)}_cpu_s": _median([(r.get("stages_cpu_s") or {}).get(s) for r in day_n]),
        }
        for s in RUN_STAGES
    }
    with _published_counts(settings) as counts:
        published_rows = counts
    return {
        "scale": scale,
        "days": len(dates),
        "events": gen["events"],
        "events_per_day": round(gen["events"] / len(dates)) if gen["events"] else None,
        "generate": gen,
        "day_1": day_1,
        "day_2": day_2,
        "history": history,
        "day_n": day_n,
        "day_2_run_s": day_2_s,
        "day_n_run_s": day_n_s,
        "ratio": _ratio(day_n_s, day_2_s),
        "day_2_run_cpu_s": day_2_cpu,
        "day_n_run_cpu_s": day_n_cpu,
        "ratio_cpu": _ratio(day_n_cpu, day_2_cpu),
        "per_stage_median_s": per_stage,
        "published_rows_after_day_n": published_rows,
    }


@contextmanager
def _published_counts(settings: Settings):
    import duckdb

    counts = {}
    if settings.published_path.exists():
        with duckdb.connect(str(settings.published_path), read_only=True) as con:
            for (table,) in con.execute("select table_name from information_schema.tables").fetchall():
                counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
    yield counts


def run_bench(
    scale: str,
    *,
    data_dir: Path | None = None,
    repeats: int = 3,
    days: int | None = None,
    seed: int = 42,
    growth_scale: str | None = None,
    growth_days: int = 60,
    growth_repeats: int | None = None,
    airflow_probe: bool = True,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    results_dir: Path = RESULTS_DIR,
    keep_data: bool = False,
    reuse_raw: bool = False,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the benchmark; write and return the results (see the module docstring).

    ``reuse_raw`` skips generating when ``data_dir`` already holds the same scale, days and
    seed (the generate figures are then absent from the results).
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    started_at = datetime.now(UTC)
    made_root = data_dir is None
    root = Path(tempfile.mkdtemp(prefix=f"bingewatch-bench-{scale}-")) if made_root else Path(data_dir)
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    main_dir = root / scale
    settings = Settings(main_dir)
    logs = root / "logs"
    results: dict[str, Any] = {
        "results_version": RESULTS_VERSION,
        "scale": scale,
        "started_at": started_at.isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": _versions(),
        "settings": {
            "repeats": repeats,
            "seed": seed,
            "duckdb_memory_limit": memory_limit,
            "data_dir": str(root),
            "growth_scale": growth_scale,
            "growth_days": growth_days if growth_scale else None,
            "growth_repeats": (growth_repeats or repeats) if growth_scale else None,
        },
        "targets": TARGETS,
    }
    try:
        manifest = main_dir / "raw" / "_generator" / "manifest.json"
        if reuse_raw and _manifest_matches(manifest, scale, days, seed):
            progress(f"generate: reusing the {scale} raw data in {main_dir}")
            manifest_data = json.loads(manifest.read_text())
            results["generate"] = {
                "reused": True,
                "seconds": None,
                "peak_rss_mb": None,
                "peak_tree_rss_mb": None,
                "events": manifest_data.get("totals", {}).get("raw_rows"),
                "days": manifest_data.get("days"),
            }
        else:
            progress(f"generate: {scale} into {main_dir}")
            results["generate"] = generate(main_dir, scale, days, seed, logs / "generate.log", memory_limit)
        results["events"] = results["generate"]["events"]
        dates = arrival_dates(settings)
        results["arrival_dates"] = [d.isoformat() for d in dates]
        date_arg = ",".join(d.isoformat() for d in dates)
        out = main_dir / "bench"

        # Pipeline and baseline alternate, so a change in the machine's load hits both alike.
        # The outputs are compared, and the fixed costs and growth measured, after the first
        # pair: a run stopped later still holds every figure once (results are kept on failure).
        results["pipeline"], results["baseline"] = [], []
        progress("dbt: a full parse, leaving the state every nightly run starts from")
        results["dbt_full_parse"] = dbt_full_parse(settings, dates[-1], memory_limit, logs / "dbt-parse.log")
        for n in range(repeats):
            progress(f"pipeline run {n + 1}/{repeats} ({len(dates)} arrival date(s))")
            reset_outputs(settings)
            worker = _worker(
                "pipeline",
                main_dir,
                memory_limit,
                out / f"pipeline-{n}.json",
                logs / f"pipeline-{n}.log",
                "--dates",
                date_arg,
            )
            results["pipeline"].append(_summarise_pipeline(worker))
            progress(f"baseline run {n + 1}/{repeats}")
            results["baseline"].append(
                _worker(
                    "baseline",
                    main_dir,
                    memory_limit,
                    out / f"baseline-{n}.json",
                    logs / f"baseline-{n}.log",
                    "--dates",
                    date_arg,
                    "--memory-limit",
                    memory_limit,
                )
            )
            if n == 0:
                progress("comparing the baseline's tables with the published ones")
                results["equality"] = compare_outputs(settings.published_path, baseline_path(settings))
                _fixed_overheads(
                    results, settings, root, dates[-1], memory_limit, airflow_probe, progress, repeats
                )
                if growth_scale:
                    results["growth"] = run_growth(
                        root,
                        growth_scale,
                        growth_days,
                        growth_repeats or repeats,
                        seed,
                        memory_limit,
                        progress,
                    )
        results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        results["summary"] = summarise(results)
        results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        paths = write_results(results, results_dir)
        results["written"] = [str(p) for p in paths]
        progress("wrote " + ", ".join(str(p) for p in paths))
        return results
    except BaseException as failure:
        # Hours of measurements must survive a failure late in the run: keep what was measured,
        # including the stages a stopped worker got through.
        if getattr(failure, "progress", None):
            results["stopped_worker_progress"] = failure.progress
        results_dir.mkdir(parents=True, exist_ok=True)
        partial = results_dir / f"{results['started_at'][:10]}-{scale}.partial.json"
        partial.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        progress(f"partial results kept in {partial}")
        raise
    finally:
        if made_root and not keep_data:
            shutil.rmtree(root, ignore_errors=True)


def _manifest_matches(manifest: Path, scale: str, days: int | None, seed: int) -> bool:
    try:
        found = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return False
    same_days = days is None or found.get("days") == days
    return found.get("scale") == scale and found.get("seed") == seed and same_days


def _fixed_overheads(
    results: dict,
    settings: Settings,
    root: Path,
    day: date,
    memory_limit: str,
    airflow_probe: bool,
    progress: Callable[[str], None],
    repeats: int,
) -> None:
    """dbt's start-up (``repeats`` builds selecting nothing) and Airflow's (a probe DAG run)."""
    logs = root / "logs"
    progress("fixed overhead: dbt start-up")
    results["dbt_startup_probe"] = dbt_startup_probe(
        settings, day, memory_limit, repeats, logs / "dbt-startup.log"
    )
    if airflow_probe:
        progress("fixed overhead: Airflow start-up and per-run overhead")
        probe_dir = root / "airflow-probe"
        probe_dir.mkdir(exist_ok=True)
        # A first process creates the metadata database (a one-off install cost), so the probe
        # measures what every nightly run pays: a database that exists.
        results["airflow_probe_setup"] = _worker(
            "airflow-metadata", probe_dir, memory_limit, probe_dir / "setup.json", logs / "airflow-setup.log"
        )
        results["airflow_probe"] = _worker(
            "airflow", probe_dir, memory_limit, probe_dir / "probe.json", logs / "airflow-probe.log"
        )


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    """The table's figures: medians over the repeats, and the ratios against their targets."""
    pipeline = results["pipeline"]
    baseline = results["baseline"]
    stages = {s: _median([r["stages_s"][s] for r in pipeline]) for s in RUN_STAGES}
    work = _median([r["work_s"] for r in pipeline])
    run = _median([r["run_s"] for r in pipeline])
    base = _median([b["seconds"] for b in baseline])
    # Runs recorded before the floor was measured have none: no figure rather than zero.
    floor = _median([(b.get("scan_floor") or {}).get("seconds") for b in baseline])
    dbt_startup = _median([r["dbt_startup_s"] for r in pipeline])
    gx_context = _median([r["gx_context_s"] for r in pipeline])
    shares = [r["validation_s"] / r["run_s"] for r in pipeline if r["run_s"]]
    shares_no_import = [
        (r["validation_s"] - r["gx_context_s"]) / (r["run_s"] - r["gx_context_s"])
        for r in pipeline
        if r["run_s"]
    ]
    # Runs recorded before CPU time was measured have none: no figure rather than zero.
    work_cpu = _median([r.get("work_cpu_s") or None for r in pipeline])
    base_cpu = _median([b.get("cpu_s") or None for b in baseline])
    shares_cpu = [r["validation_cpu_s"] / r["run_cpu_s"] for r in pipeline if r.get("validation_cpu_s")]
    peak_pipeline = max(r["peak_tree_rss_mb"] or 0 for r in pipeline)
    peak_baseline = max(b["peak_tree_rss_mb"] or 0 for b in baseline)
    airflow = (results.get("airflow_probe") or {}).get("timings") or {}
    startup_parts = ("import_s", "metadata_db_s", "dag_parse_s", "first_dag_test_s")
    airflow_startup = round(sum(airflow.get(k, 0) for k in startup_parts), 3) if airflow else None
    growth = results.get("growth")
    summary = {
        "events": results.get("events"),
        "arrival_dates": len(results.get("arrival_dates", [])),
        "generate_s": results["generate"].get("seconds"),
        "generate_cpu_s": results["generate"].get("cpu_s"),
        "generate_peak_rss_mb": results["generate"].get("peak_rss_mb"),
        "generate_peak_tree_rss_mb": results["generate"].get("peak_tree_rss_mb"),
        "stages_median_s": stages,
        "publish_s": round((stages["stage_candidate"] or 0) + (stages["publish"] or 0), 3),
        "pipeline_work_median_s": work,
        "pipeline_run_median_s": run,
        "baseline_median_s": base,
        "scan_floor_median_s": floor,
        "baseline_vs_scan_floor": _ratio(base, floor),
        "pipeline_vs_baseline": _ratio(work, base),
        "pipeline_vs_baseline_without_startups": _ratio(
            None if work is None else work - (dbt_startup or 0) - (gx_context or 0), base
        ),
        "pipeline_work_cpu_median_s": work_cpu,
        "baseline_cpu_median_s": base_cpu,
        "pipeline_vs_baseline_cpu": _ratio(work_cpu, base_cpu),
        "validation_share": round(statistics.median(shares), 4) if shares else None,
        "validation_share_cpu": round(statistics.median(shares_cpu), 4) if shares_cpu else None,
        "validation_share_without_gx_import": round(statistics.median(shares_no_import), 4)
        if shares_no_import
        else None,
        "pipeline_peak_rss_mb": peak_pipeline,
        "pipeline_peak_single_process_rss_mb": max(r["peak_single_process_rss_mb"] or 0 for r in pipeline),
        "baseline_peak_rss_mb": peak_baseline,
        "dbt_startup_in_build_median_s": dbt_startup,
        "dbt_startup_probe_median_s": (results.get("dbt_startup_probe") or {}).get("median_s"),
        "dbt_full_parse_s": (results.get("dbt_full_parse") or {}).get("seconds"),
        "gx_import_and_context_median_s": gx_context,
        "airflow_startup_s": airflow_startup,
        "airflow_per_run_overhead_s": airflow.get("next_dag_test_s"),
        "outputs_equal": (results.get("equality") or {}).get("equal"),
        "growth_ratio": growth["ratio"] if growth else None,
        "growth_ratio_cpu": growth.get("ratio_cpu") if growth else None,
        "growth_scale": growth["scale"] if growth else None,
        "growth_days": growth["days"] if growth else None,
        "growth_events_per_day": growth["events_per_day"] if growth else None,
    }
    summary["meets"] = {
        "pipeline_vs_baseline": _meets(summary["pipeline_vs_baseline"], TARGETS["pipeline_vs_baseline"]),
        "growth_day_n_vs_day_2": _meets(summary["growth_ratio"], TARGETS["growth_day_n_vs_day_2"]),
        "validation_share": _meets(summary["validation_share"], TARGETS["validation_share"], strict=True),
        "peak_rss_gb": _meets(
            peak_pipeline / 1024 if peak_pipeline else None, TARGETS["peak_rss_gb"], strict=True
        ),
    }
    return summary


def _meets(value: float | None, target: float, strict: bool = False) -> bool | None:
    if value is None:
        return None
    return value < target if strict else value <= target


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def markdown_table(results: dict[str, Any]) -> str:
    """The results as the markdown table docs/benchmarks.md shows."""
    s = results["summary"]
    m = results["machine"]
    meets = s["meets"]

    def verdict(key: str) -> str:
        return {True: "met", False: "**missed**", None: "not measured"}[meets[key]]

    stages = s["stages_median_s"]
    rows = [
        ("scale", results["scale"]),
        ("events (all arrival dates)", _fmt(s["events"])),
        ("arrival dates", _fmt(s["arrival_dates"])),
        (
            "generate (s / CPU s / peak RSS MB)",
            f"{_fmt(s['generate_s'])} / {_fmt(s.get('generate_cpu_s'))} / {_fmt(s['generate_peak_rss_mb'])}",
        ),
        ("raw validation (s)", _fmt(stages["raw_validation"])),
        ("dbt build (s)", _fmt(stages["dbt"])),
        ("mart validation (s)", _fmt(stages["mart_validation"])),
        (
            "publish: stage candidate + swap (s)",
            f"{_fmt(s['publish_s'])} ({_fmt(stages['stage_candidate'])} + {_fmt(stages['publish'])})",
        ),
        ("report (s)", _fmt(stages["report"])),
        ("pipeline work, Airflow excluded (s)", _fmt(s["pipeline_work_median_s"])),
        ("baseline script (s)", _fmt(s["baseline_median_s"])),
        ("scan floor: one pass over the needed columns (s)", _fmt(s.get("scan_floor_median_s"))),
        ("   baseline vs scan floor", _fmt(s.get("baseline_vs_scan_floor"), "×")),
        ("outputs equal (viewer_days, notable_viewers)", _fmt(s["outputs_equal"])),
        (
            "**1. pipeline vs baseline** (target ≤ 1.25×)",
            f"{_fmt(s['pipeline_vs_baseline'], '×')} ({verdict('pipeline_vs_baseline')})",
        ),
        (
            "   same, dbt start-up and GX import removed",
            _fmt(s["pipeline_vs_baseline_without_startups"], "×"),
        ),
        (
            "   same, on CPU time (pipeline / baseline CPU s)",
            f"{_fmt(s.get('pipeline_vs_baseline_cpu'), '×')} ({_fmt(s.get('pipeline_work_cpu_median_s'))} / "
            f"{_fmt(s.get('baseline_cpu_median_s'))})",
        ),
        (
            "**2. growth: day N vs day 2** (target ≤ 1.2×)",
            f"{_fmt(s['growth_ratio'], '×')} ({verdict('growth_day_n_vs_day_2')})"
            + (
                f", {s['growth_scale']} scale, day {s['growth_days']}, "
                f"{_fmt(s['growth_events_per_day'])} events/day"
                if s["growth_ratio"] is not None
                else ""
            ),
        ),
        ("   same, on CPU time", _fmt(s.get("growth_ratio_cpu"), "×")),
        (
            "**3. validation share of the run** (target < 15 %)",
            f"{_fmt(100 * s['validation_share'] if s['validation_share'] is not None else None, ' %')} "
            f"({verdict('validation_share')})",
        ),
        (
            "   same, on CPU time",
            _fmt(
                100 * s["validation_share_cpu"] if s.get("validation_share_cpu") is not None else None, " %"
            ),
        ),
        (
            "   same, GX import/context excluded",
            _fmt(
                100 * s["validation_share_without_gx_import"]
                if s["validation_share_without_gx_import"] is not None
                else None,
                " %",
            ),
        ),
        (
            "**4. peak RSS of the run, process tree** (target < 6 GB at large)",
            f"{_fmt(s['pipeline_peak_rss_mb'], ' MB')} ({verdict('peak_rss_gb')})",
        ),
        (
            "   largest single process / baseline peak",
            f"{_fmt(s['pipeline_peak_single_process_rss_mb'], ' MB')} / "
            f"{_fmt(s['baseline_peak_rss_mb'], ' MB')}",
        ),
        (
            "**5. fixed overhead**: dbt start-up per build (s)",
            f"{_fmt(s['dbt_startup_in_build_median_s'])} in the build; "
            f"{_fmt(s['dbt_startup_probe_median_s'])} for a build selecting nothing; "
            f"{_fmt(s.get('dbt_full_parse_s'))} for a full parse (first run after a project change)",
        ),
        ("   GX import + context per run (s)", _fmt(s["gx_import_and_context_median_s"])),
        (
            "   Airflow start-up / per further date (s)",
            f"{_fmt(s['airflow_startup_s'])} / {_fmt(s['airflow_per_run_overhead_s'])}",
        ),
        (
            "machine",
            f"{m['cpu_count']} cores, {m['memory_total_gb']} GiB, load "
            f"{m['load_average']} → {m.get('load_average_end')}",
        ),
        (
            "repeats (medians of)",
            f"{len(results['pipeline'])} pipeline, {len(results['baseline'])} baseline"
            + (f", {len(results['growth']['day_n'])} growth" if results.get("growth") else ""),
        ),
    ]
    lines = ["| figure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], results_dir: Path) -> list[Path]:
    """bench/results/<date>-<scale>.json and .md."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{results['started_at'][:10]}-{results['scale']}"
    json_path = results_dir / f"{stem}.json"
    md_path = results_dir / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(
        f"# bingewatch bench: {results['scale']} ({results['started_at']})\n\n"
        + markdown_table(results)
        + f"\nRaw figures: `{json_path.name}`.\n",
        encoding="utf-8",
    )
    return [json_path, md_path]


_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$", re.IGNORECASE)


def valid_memory_limit(text: str) -> str:
    """A DuckDB memory_limit like 3GB (checked before it is pasted into SQL)."""
    if not _SIZE.match(text.strip()):
        raise ValueError(f"not a memory size (e.g. 3GB): {text!r}")
    return text.strip()


if __name__ == "__main__":
    if "--worker" in sys.argv[1:]:
        sys.exit(worker_main(sys.argv[1:]))
    sys.exit("use `bingewatch bench`")
