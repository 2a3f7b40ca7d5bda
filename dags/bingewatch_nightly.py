"""
### bingewatch nightly: raw playback events → audited daily marts → notable viewers

Runs once per UTC arrival date D (the run's logical date is the arrival date that just closed),
and processes **what has arrived**, not what the calendar scheduled: every raw file with arrival
date <= D that the warehouse's ledger of raw files has not processed yet (D's partition, dates a
scheduler skipped, files that landed late in old partitions), in one build. A run after an
outage catches up by itself; a range (a backfill, a history import) is one run.

1. **wait_for_raw_partition** – `raw/playback_events/received_date=<date>/` must appear
   (bounded wait; a missing partition fails with the date and path in the message).
2. **apply_erasures** – accounts with an erasure request are removed from raw history and the
   warehouse (new requests), and from the files about to be processed (every run); logged.
3. **plan_batch** – the ledger (`bingewatch.ledger`) picks the batch: every unprocessed raw
   file with arrival date <= D; a processed file that changed or vanished blocks, naming it.
4. **validate_raw_batch** – the Great Expectations raw-batch suite on the batch's files.
5. **dbt_build** – one `dbt build` of staging → intermediate → marts over the batch, then the
   ledger commit; late events recompute exactly the viewer-days, windows and streaks they touch.
6. **stage_candidate** – the publishable marts copied into an audit file (from the DuckDB
   warehouse, or on the spark target from its Parquet tables: `bingewatch.warehouse_tables`),
   with the ledger's high-water mark.
7. **validate_marts** – the mart suites on the candidate, and completeness (no raw file with
   arrival date <= D unprocessed); a blocking failure stops here and the previous publication
   stays in place (write-audit-publish).
8. **publish** – the candidate atomically replaces `published/bingewatch.duckdb`
   (Asset `bingewatch://published/notable_viewers`).
9. **write_report** – always runs: writes the data-quality report, then fails the run loudly
   (with the reason and the report's path) if nothing was published.

One writer: every step that writes the warehouse, the ledger, a candidate or the published
file holds the data directory's OS file lock (`bingewatch.writer_lock`), whoever started it (this
DAG, `bingewatch run`, the benchmark); within Airflow those tasks also take the one slot of the
`bingewatch_warehouse` pool, so a backfill and a scheduled run queue rather than wait on the lock.
Create the pool once per deployment (`bingewatch run`, the compose init service and the test
harness do): `airflow pools set bingewatch_warehouse 1 "one warehouse writer"`.
Heavy imports live inside the tasks; each task's logic is the `bingewatch.nightly` module of
the same name.
A task's final failure calls `bingewatch.nightly.alerts` (recorded, logged, sent through the
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
    """A task failed for good (retries used up): record and send an alert (bingewatch.nightly.alerts)."""
    from bingewatch.nightly.alerts import on_task_failure

    on_task_failure(context)


def _settings():
    from bingewatch.settings import Settings

    return Settings.from_env()


@dag(
    dag_id="bingewatch_nightly",
    # The data interval [D 00:00, D+1 00:00) UTC is arrival date D; the run starts when it closes.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    # Any arrival date works, however old (real exports are history): a run whose logical date
    # is before start_date would do nothing and say success. catchup=False: a run after an
    # outage catches up through the ledger, not through one run per missed night.
    start_date=pendulum.datetime(1970, 1, 1, tz="UTC"),
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
        from bingewatch.nightly.wait_for_raw_partition import wait_for_raw_partition as wait

        return str(wait(_settings(), _arrival_date(ds), timeout_s=RAW_WAIT_TIMEOUT_S))

    @task(retries=1, retry_delay=timedelta(seconds=RETRY_DELAY_S / 3), pool=WAREHOUSE_POOL)
    def apply_erasures(partition: str, ds=None) -> str:
        """Erase accounts with an erasure request from raw data and the warehouse (idempotent)."""
        from bingewatch.nightly.apply_erasures import apply_erasures as erase
        from bingewatch.settings import pseudonym_key

        erase(_settings(), _arrival_date(ds), pseudonym_key())
        return partition

    @task(pool=WAREHOUSE_POOL)
    def plan_batch(partition: str, ds=None, run_id=None) -> dict:
        """Pick the batch: every raw file with arrival date <= D the ledger has not processed."""
        from airflow.sdk.exceptions import AirflowFailException

        from bingewatch.ledger import RawFilesChanged
        from bingewatch.nightly.plan_batch import plan_batch as plan

        try:
            return plan(_settings(), _arrival_date(ds), run_id)
        except RawFilesChanged as changed:
            raise AirflowFailException(str(changed)) from changed

    @task
    def validate_raw_batch(plan: dict, ds=None) -> dict:
        """Great Expectations raw-batch suite on the batch's files; blocking failures stop the run."""
        from bingewatch.nightly.validate_raw_batch import validate_raw_batch as validate

        return validate(_settings(), _arrival_date(ds))

    @task(
        retries=2,
        retry_delay=timedelta(seconds=RETRY_DELAY_S),
        retry_exponential_backoff=True,
        pool=WAREHOUSE_POOL,
    )
    def dbt_build(raw_result: dict, ds=None, run_id=None, ti=None) -> dict:
        """One dbt build over the batch, then the ledger commit (retried: a transient failure
        rewrites the same rows; a data test that found bad rows fails at once, since a retry
        would find them again)."""
        from airflow.sdk.exceptions import AirflowFailException

        from bingewatch.nightly.dbt_build import DbtBuildFailed, build_batch

        plan = ti.xcom_pull(task_ids="plan_batch")
        try:
            return build_batch(_settings(), _arrival_date(ds), run_id, plan=plan)
        except DbtBuildFailed as failure:
            if not failure.retryable:
                raise AirflowFailException(str(failure)) from failure
            raise

    @task(retries=2, retry_delay=timedelta(seconds=RETRY_DELAY_S / 3), pool=WAREHOUSE_POOL)
    def stage_candidate(dbt_result: dict, ds=None) -> str:
        """Copy the publishable marts into a fresh audit file; skipped when the published
        snapshot already holds everything (a night with nothing new), and the audit and publish
        then skip themselves."""
        from airflow.sdk.exceptions import AirflowSkipException

        from bingewatch.nightly.publish import publication_is_current
        from bingewatch.nightly.stage_candidate import stage_candidate as stage

        if publication_is_current(_settings()):
            raise AirflowSkipException("nothing new: the published snapshot already holds every raw file")
        return str(stage(_settings(), _arrival_date(ds)))

    # none_failed, not all_success: after a skipped stage_candidate these two run at once and
    # skip themselves, instead of waiting for the scheduler to propagate the skip one task per
    # loop (dag.test() sleeps a second per loop: two of a quiet night's seconds).
    @task(trigger_rule="none_failed")
    def validate_marts(candidate: str | None, ds=None) -> str:
        """Great Expectations mart suites on the candidate; blocking failures stop publication."""
        from pathlib import Path

        from airflow.sdk.exceptions import AirflowSkipException

        from bingewatch.nightly.validate_marts import validate_marts as validate

        if candidate is None:
            raise AirflowSkipException("nothing new: no candidate was staged")
        validate(_settings(), Path(candidate), _arrival_date(ds))
        return candidate

    @task(outlets=[NOTABLE_VIEWERS], pool=WAREHOUSE_POOL, trigger_rule="none_failed")
    def publish(candidate: str | None) -> str:
        """Atomically replace the published snapshot with the validated candidate."""
        from pathlib import Path

        from airflow.sdk.exceptions import AirflowSkipException

        from bingewatch.nightly.publish import publish as swap

        if candidate is None:
            raise AirflowSkipException("nothing new: the published snapshot stays as it is")
        return str(swap(_settings(), Path(candidate)))

    @task(trigger_rule="all_done")
    def write_report(ds=None, ti=None) -> str:
        """Write the run's data-quality report whatever happened before; then fail the run
        loudly if nothing was published, naming why."""
        from airflow.sdk.exceptions import AirflowFailException

        from bingewatch.nightly.publish import publication_is_current
        from bingewatch.nightly.write_report import write_report as write

        report = write(_settings(), _arrival_date(ds))
        if ti.xcom_pull(task_ids="publish") is None and not publication_is_current(_settings()):
            raise AirflowFailException(
                f"nothing was published for arrival date {ds}; "
                f"the previous publication stays in place. Report: {report}"
            )
        return str(report)

    partition = wait_for_raw_partition()
    raw_result = validate_raw_batch(plan_batch(apply_erasures(partition)))
    candidate = stage_candidate(dbt_build(raw_result))
    published = publish(validate_marts(candidate))
    published >> write_report()


bingewatch_nightly()
