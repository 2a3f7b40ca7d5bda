"""The nightly DAG imports cleanly and has the shape the runbook relies on."""

from __future__ import annotations

import pytest

DAG_ID = "bingewatch_nightly"
EXPECTED_ORDER = [
    "wait_for_raw_partition",
    "apply_erasures",
    "plan_batch",
    "validate_raw_batch",
    "dbt_build",
    "stage_candidate",
    "validate_marts",
    "publish",
    "write_report",
]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    from bingewatch.settings import PROJECT_ROOT

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert DAG_ID in dagbag.dag_ids


def test_tasks_run_in_write_audit_publish_order(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert sorted(dag.task_ids) == sorted(EXPECTED_ORDER)
    for upstream, downstream in zip(EXPECTED_ORDER, EXPECTED_ORDER[1:], strict=False):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}


def test_one_writer_nightly_schedule_and_retries(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert dag.max_active_runs == 1
    # A run after an outage catches up through the ledger, not through one run per night.
    assert dag.catchup is False
    assert "0 0 * * *" in dag.timetable.summary
    assert dag.get_task("dbt_build").retries >= 1
    # Retrying a failed audit would only fail again: the gates do not retry.
    assert dag.get_task("validate_marts").retries == 0


def test_warehouse_writers_share_one_pool_slot(dagbag):
    """A backfill is not counted against max_active_runs: the pool keeps writers one at a time."""
    from bingewatch.local_run import WAREHOUSE_POOL

    dag = dagbag.dags[DAG_ID]
    writers = {"apply_erasures", "plan_batch", "dbt_build", "stage_candidate", "publish"}
    assert {t.task_id for t in dag.tasks if t.pool == WAREHOUSE_POOL} == writers


def test_report_always_runs_and_publish_updates_the_asset(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert dag.get_task("write_report").trigger_rule == "all_done"
    outlets = dag.get_task("publish").outlets
    assert [asset.uri for asset in outlets] == ["bingewatch://published/notable_viewers"]


def test_after_a_skipped_stage_the_audit_and_publish_skip_themselves_and_never_follow_a_failure(dagbag):
    """Nothing new: stage_candidate skips; validate_marts and publish then run at once (none_failed)
    and skip on the missing candidate, rather than wait for the skip to propagate; a failure
    upstream still stops them (none_failed is upstream_failed after a failed task)."""
    from airflow.sdk.exceptions import AirflowSkipException

    dag = dagbag.dags[DAG_ID]
    for task_id, call in (
        ("validate_marts", lambda task: task.python_callable(None, ds="2026-03-02")),
        ("publish", lambda task: task.python_callable(None)),
    ):
        task = dag.get_task(task_id)
        assert task.trigger_rule == "none_failed", task_id
        with pytest.raises(AirflowSkipException, match="nothing new"):
            call(task)


def test_dag_file_has_no_heavy_imports_at_top_level():
    from bingewatch.settings import PROJECT_ROOT

    source = (PROJECT_ROOT / "dags" / "bingewatch_nightly.py").read_text()
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    for heavy in ("duckdb", "great_expectations", "dbt", "bingewatch"):
        assert not any(heavy in line for line in top_level), heavy


def test_any_arrival_date_runs_for_real(dagbag):
    """A run for a date before start_date would do nothing and say success: real exports are
    history, so no arrival date after the Unix epoch is before it."""
    dag = dagbag.dags[DAG_ID]
    assert dag.start_date.year == 1970
