"""Run the nightly DAG through Airflow itself (`bingewatch run`).

Airflow gets a home under the data directory with a SQLite metadata database it migrates
once; each run is one `dag.test()` in this process. By default one run, for the latest arrival
date, processes every raw file the ledger has not processed (a catch-up, a history import);
``each_date`` runs once per arrival date in order instead, to reproduce nights one at a time.
The whole command holds the data directory's writer lock, so a second `bingewatch run` waits
or stops with the holder's name. A real scheduler and backfills are in docs/operations.md.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bingewatch.settings import PROJECT_ROOT, Settings

DAG_ID = "bingewatch_nightly"


class RunFailed(Exception):
    """A nightly run did not succeed; the message names the date and the failed tasks."""


def configure_airflow_environment(settings: Settings) -> Path:
    """Point Airflow at this project's DAGs and a home in the data dir. Call before importing airflow."""
    airflow_home = Path(os.environ.get("AIRFLOW_HOME") or settings.data_dir / "airflow")
    airflow_home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    # dag.test() runs tasks through an in-process API client that warns about its own httpx use.
    warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
    os.environ["BINGEWATCH_DATA_DIR"] = str(settings.data_dir)
    return airflow_home


def arrival_dates(start: date, end: date) -> Iterator[date]:
    """Every arrival date from start to end, inclusive."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def load_dag():
    """The nightly DAG, parsed from dags/ the way Airflow parses it, ready for dag.test()."""
    from airflow.dag_processing.dagbag import DagBag

    from bingewatch.airflow_in_process import (
        serve_only_the_task_sdk_api_version,
        settle_dependency_states_in_one_pass,
    )

    # dag.test() talks to an in-process execution API: built for the one version its tasks speak.
    serve_only_the_task_sdk_api_version()
    # A failed task's downstream settles in one pass, not one level per dag.test() 1-s sleep.
    settle_dependency_states_in_one_pass()
    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    if bag.import_errors:
        raise RunFailed(f"the DAG files did not import: {bag.import_errors}")
    return bag.dags[DAG_ID]


def migrate_metadata_db() -> None:
    """Create or upgrade Airflow's metadata database (idempotent; a current one is left alone)."""
    from bingewatch.airflow_in_process import migrate_metadata_db as migrate

    migrate()


WAREHOUSE_POOL = "bingewatch_warehouse"


def ensure_warehouse_pool() -> None:
    """Create the one-slot pool the DAG's warehouse-writing tasks share (idempotent)."""
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        WAREHOUSE_POOL, slots=1, description="one warehouse writer", include_deferred=False
    )


def run_dates(
    settings: Settings,
    start: date,
    end: date,
    progress: Callable[[str], None] = print,
    *,
    each_date: bool = True,
    lock_wait_s: float | None = None,
) -> list[dict]:
    """Run the DAG for logical date ``end`` once (``each_date=False``: every pending raw file up
    to it, in one build), or for each arrival date from start to end in order; stop at the
    first failed run. Holds the writer lock throughout (waiting up to ``lock_wait_s``)."""
    from bingewatch.writer_lock import writer_lock

    with writer_lock(settings, "bingewatch run", wait_s=lock_wait_s, on_wait=progress, export_token=True):
        return _run_dates(settings, start, end, progress, each_date)


def _run_dates(settings, start, end, progress, each_date) -> list[dict]:
    from bingewatch.nightly import dbt_ahead

    try:
        return _run_each(settings, start, end, progress, each_date)
    finally:  # a process no build took (the raw gate failed): ended, never left behind
        dbt_ahead.discard_ahead()


def _run_each(settings, start, end, progress, each_date) -> list[dict]:
    days = list(arrival_dates(start, end)) if each_date else [end]
    # Before Airflow's import: the first night's dbt process imports dbt meanwhile.
    pending = _describe_pending(settings, days[0], start_dbt=True)
    configure_airflow_environment(settings)
    progress("Preparing Airflow (metadata database, DAG parse)...")
    migrate_metadata_db()
    ensure_warehouse_pool()
    dag = load_dag()
    outcomes = []
    for number, day in enumerate(days, start=1):
        started = time.monotonic()
        if number > 1:
            pending = _describe_pending(settings, day, start_dbt=True)
        progress(f"[{number}/{len(days)}] {pending}: running {DAG_ID} ...")
        logical = datetime(day.year, day.month, day.day, tzinfo=UTC)
        dag_run = dag.test(logical_date=logical)
        state = str(getattr(dag_run, "state", "unknown"))
        elapsed = time.monotonic() - started
        failed = _failed_tasks(dag_run)
        outcomes.append({"date": day.isoformat(), "state": state, "seconds": round(elapsed, 1)})
        progress(f"[{number}/{len(days)}] arrival date {day}: {state} in {elapsed:.1f}s")
        if not state.endswith("success"):
            raise RunFailed(
                f"the run for arrival date {day} ended {state}"
                + (f"; failed tasks: {', '.join(failed)}" if failed else "")
                + f". Report: {settings.reports_dir / (day.isoformat() + '.html')}"
            )
    return outcomes


def _describe_pending(settings: Settings, day: date, start_dbt: bool = False) -> str:
    """'logical date D: 21 new raw files, arrival dates 2026-03-02..2026-03-22'. With
    ``start_dbt``, a night with files to build starts its dbt process now (dbt_ahead)."""
    from bingewatch.ledger import pending_files

    pending = pending_files(settings, day)
    dates = sorted({file.received_date for file in pending})
    if not dates:
        return f"logical date {day}: no new raw files"
    if start_dbt:
        from bingewatch.nightly.dbt_build import start_dbt_ahead

        start_dbt_ahead(settings)
    span = f"{dates[0]}" if len(dates) == 1 else f"{dates[0]}..{dates[-1]} ({len(dates)} dates)"
    return f"logical date {day}: {len(pending)} new raw file(s), arrival dates {span}"


def _failed_tasks(dag_run) -> list[str]:
    try:
        return sorted(
            ti.task_id
            for ti in dag_run.get_task_instances()
            if str(ti.state).endswith(("failed", "upstream_failed"))
        )
    except Exception:  # the run object may be detached from its session
        return []
