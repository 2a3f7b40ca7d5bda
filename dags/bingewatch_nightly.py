"""
### bingewatch nightly: raw playback events → audited daily marts → notable viewers

Runs once per UTC arrival date (the run's logical date is the arrival date that just closed):

1. **wait_for_raw_partition** – `raw/playback_events/received_date=<date>/` must appear
   (bounded wait; a missing partition fails with the date and path in the message).
2. **apply_erasures** – accounts with an erasure request are removed from raw history and the
   warehouse (new requests), and from this partition (every run); logged (DESIGN §7).
3. **validate_raw_batch** – the Great Expectations raw-batch suite on that partition.
4. **dbt_build** – `dbt build` of staging → intermediate → marts for that date; late events
   recompute exactly the viewer-days, windows and streaks they touch.
5. **stage_candidate** – the publishable marts copied into an audit file (from the DuckDB
   warehouse, or on the spark target from its Parquet tables: `bingewatch.warehouse_tables`).
6. **validate_marts** – the mart suites on the candidate; a blocking failure stops here and
   the previous publication stays in place (write-audit-publish).
7. **publish** – the candidate atomically replaces `published/bingewatch.duckdb`
   (Asset `bingewatch://published/notable_viewers`).
8. **write_report** – always runs: writes the data-quality report, then fails the run loudly
   (with the reason and the report's path) if nothing was published.

One writer: `max_active_runs=1` for scheduled runs, and every task that writes the warehouse or
the published file takes the one slot of the `bingewatch_warehouse` pool, so a backfill (which
Airflow does not count against `max_active_runs`) and a scheduled run never write at once.
Create the pool once per deployment (`bingewatch run`, the compose init service and the test
harness do): `airflow pools set bingewatch_warehouse 1 "one warehouse writer"`.
Heavy imports live inside the tasks.
A task's final failure calls `bingewatch.alerts` (recorded, logged, sent through the
`bingewatch_alerts` connection when one exists). Paths come from `BINGEWATCH_DATA_DIR`;
runbook (schedule, backfill, rerun, alerts): docs/operations.md.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

NOTABLE_VIEWERS = Asset("bingewatch://published/notable_viewers")
# One slot: the tasks that write the warehouse or the published file never overlap across runs.
WAREHOUSE_POOL = "bingewatch_warehouse"
RAW_WAIT_TIMEOUT_S = float(os.environ.get("BINGEWATCH_RAW_WAIT_TIMEOUT_S", 6 * 3600))
# Base delay before a retry (tests shorten it); dbt_build backs off exponentially from it.
RETRY_DELAY_S = float(os.environ.get("BINGEWATCH_RETRY_DELAY_S", 30))


def _arrival_date(ds: str):
    from datetime import date

    return date.fromisoformat(ds)


def _alert_on_failure(context) -> None:
    """A task failed for good (retries used up): record and send an alert (bingewatch.alerts)."""
    from bingewatch.alerts import on_task_failure

    on_task_failure(context)


def _settings():
    from bingewatch.settings import Settings

    return Settings.from_env()


@dag(
    dag_id="bingewatch_nightly",
    # The data interval [D 00:00, D+1 00:00) UTC is arrival date D; the run starts when it closes.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0, "on_failure_callback": _alert_on_failure},
    doc_md=__doc__,
    tags=["bingewatch"],
)
def bingewatch_nightly():
    @task
    def wait_for_raw_partition(ds=None) -> str:
        """Wait (bounded) for the arrival date's raw partition; fail naming date and path."""
        from bingewatch.nightly import wait_for_raw_partition as wait

        return str(wait(_settings(), _arrival_date(ds), timeout_s=RAW_WAIT_TIMEOUT_S))

    @task(retries=1, retry_delay=timedelta(seconds=RETRY_DELAY_S / 3), pool=WAREHOUSE_POOL)
    def apply_erasures(partition: str, ds=None) -> str:
        """Erase accounts with an erasure request from raw data and the warehouse (idempotent)."""
        from bingewatch.erasure import apply_erasures as erase
        from bingewatch.settings import pseudonym_key

        erase(_settings(), _arrival_date(ds), pseudonym_key())
        return partition

    @task
    def validate_raw_batch(partition: str, ds=None) -> dict:
        """Great Expectations raw-batch suite; blocking failures stop the run."""
        from bingewatch.quality import validate_raw_batch as validate

        return validate(_settings(), _arrival_date(ds))

    @task(
        retries=2,
        retry_delay=timedelta(seconds=RETRY_DELAY_S),
        retry_exponential_backoff=True,
        pool=WAREHOUSE_POOL,
    )
    def dbt_build(raw_result: dict, ds=None) -> dict:
        """dbt build for the arrival date (retried: a transient failure rewrites the same rows;
        a data test that found bad rows fails at once, since a retry would find them again)."""
        from airflow.sdk.exceptions import AirflowFailException

        from bingewatch.transform import DbtBuildFailed, run_dbt

        day = _arrival_date(ds)
        try:
            return run_dbt(_settings(), day, day)
        except DbtBuildFailed as failure:
            if not failure.retryable:
                raise AirflowFailException(str(failure)) from failure
            raise

    @task(retries=2, retry_delay=timedelta(seconds=RETRY_DELAY_S / 3), pool=WAREHOUSE_POOL)
    def stage_candidate(dbt_result: dict, ds=None) -> str:
        """Copy the publishable marts into a fresh audit file."""
        from bingewatch.publish import stage_candidate as stage

        return str(stage(_settings(), _arrival_date(ds)))

    @task
    def validate_marts(candidate: str, ds=None) -> str:
        """Great Expectations mart suites on the candidate; blocking failures stop publication."""
        from pathlib import Path

        from bingewatch.quality import validate_marts as validate

        validate(_settings(), Path(candidate), _arrival_date(ds))
        return candidate

    @task(outlets=[NOTABLE_VIEWERS], pool=WAREHOUSE_POOL)
    def publish(candidate: str) -> str:
        """Atomically replace the published snapshot with the validated candidate."""
        from pathlib import Path

        from bingewatch.publish import publish as swap

        return str(swap(_settings(), Path(candidate)))

    @task(trigger_rule="all_done")
    def write_report(ds=None, ti=None) -> str:
        """Write the run's data-quality report whatever happened before; then fail the run
        loudly if nothing was published, naming why."""
        from airflow.sdk.exceptions import AirflowFailException

        from bingewatch.report import write_report as write

        report = write(_settings(), _arrival_date(ds))
        if ti.xcom_pull(task_ids="publish") is None:
            raise AirflowFailException(
                f"nothing was published for arrival date {ds}; "
                f"the previous publication stays in place. Report: {report}"
            )
        return str(report)

    partition = wait_for_raw_partition()
    raw_result = validate_raw_batch(apply_erasures(partition))
    candidate = stage_candidate(dbt_build(raw_result))
    published = publish(validate_marts(candidate))
    published >> write_report()

bingewatch_nightly()
