"""
### bingewatch nightly, Cosmos variant (benchmark only, never deployed)

The production DAG (`dags/bingewatch_nightly.py`) with its one `dbt_build` task replaced by
astronomer-cosmos per-model tasks, so `bench/cosmos_vs_dbt_build.py` can measure both shapes
(docs/operations.md, "dbt inside Airflow: one task or per-model tasks (measured)").
It lives under `bench/`, outside the DAGs folder, and needs the scratch environment with
`astronomer-cosmos` (not a project dependency).

- `write_viewer_keys` does what `run_dbt` does before `dbt build`: validates the reference data
  (`bingewatch/reference_data.py`) and writes the pseudonyms.
- `dbt` is a `DbtTaskGroup` rendered from a manifest made by `dbt parse`
  (`LoadMode.DBT_MANIFEST`, so no `dbt ls` at parse time), `ExecutionMode.LOCAL`, the committed
  `profiles.yml`, unit tests excluded as in production, and the same environment the real task
  gives dbt (`BINGEWATCH_DATA_DIR`, `BINGEWATCH_RUN_START`/`END` = the arrival date).

Environment: `BINGEWATCH_COSMOS_MANIFEST` (the manifest.json), `BINGEWATCH_COSMOS_DBT_PROJECT_DIR`
(default the repo's `dbt_project/`), `BINGEWATCH_COSMOS_TEST_BEHAVIOR` (`after_each`, Cosmos'
default, or `build`), `BINGEWATCH_COSMOS_INVOCATION` (`dbt_runner` or `subprocess`),
`BINGEWATCH_DATA_DIR`, `BINGEWATCH_RETRY_DELAY_S`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import Asset, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

NOTABLE_VIEWERS = Asset("bingewatch://published/notable_viewers")
RAW_WAIT_TIMEOUT_S = float(os.environ.get("BINGEWATCH_RAW_WAIT_TIMEOUT_S", 6 * 3600))
RETRY_DELAY_S = float(os.environ.get("BINGEWATCH_RETRY_DELAY_S", 30))

DBT_PROJECT_DIR = Path(
    os.environ.get("BINGEWATCH_COSMOS_DBT_PROJECT_DIR") or Path(__file__).resolve().parents[2] / "dbt_project"
)
MANIFEST = Path(os.environ.get("BINGEWATCH_COSMOS_MANIFEST", DBT_PROJECT_DIR / "target" / "manifest.json"))
TEST_BEHAVIOR = TestBehavior(os.environ.get("BINGEWATCH_COSMOS_TEST_BEHAVIOR", "after_each"))
# dbt_runner: dbt in the task's process (Cosmos' default when dbt is importable); subprocess: `dbt` CLI.
_INVOCATION = os.environ.get("BINGEWATCH_COSMOS_INVOCATION")
INVOCATION_MODE = InvocationMode(_INVOCATION) if _INVOCATION else None
# Cosmos fixes the operators' env at parse time; the real task resolves the data dir the same way.
DATA_DIR = Path(os.environ.get("BINGEWATCH_DATA_DIR") or "data").expanduser().resolve()


def _arrival_date(ds: str):
    from datetime import date

    return date.fromisoformat(ds)


def _alert_on_failure(context) -> None:
    from bingewatch.nightly.alerts import on_task_failure

    on_task_failure(context)


def _settings():
    from bingewatch.settings import Settings

    return Settings.from_env()


def cosmos_dbt_tasks(
    project_dir: Path = DBT_PROJECT_DIR,
    manifest: Path = MANIFEST,
    test_behavior: TestBehavior = TEST_BEHAVIOR,
    invocation_mode: InvocationMode | None = INVOCATION_MODE,
):
    """In the current DAG: `write_viewer_keys` >> the Cosmos `dbt` task group; returns (first, last).

    The bench script calls it to build a DAG holding only the dbt part.
    """

    @task
    def write_viewer_keys() -> str:
        """What run_dbt does before `dbt build`: the validated reference data and the
        profile_id -> viewer_key file."""
        from bingewatch.pseudonyms import write_viewer_keys as write
        from bingewatch.reference_data import prepare_reference_data
        from bingewatch.settings import pseudonym_key

        settings = _settings()
        settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
        prepare_reference_data(settings)
        write(settings.raw_dir, settings.viewer_keys_path, pseudonym_key())
        return str(settings.viewer_keys_path)

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(dbt_project_path=project_dir, manifest_path=manifest),
        profile_config=ProfileConfig(
            profile_name="bingewatch",
            target_name="duckdb",
            profiles_yml_filepath=Path(project_dir) / "profiles.yml",
        ),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=invocation_mode),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=test_behavior,
            # As in production: unit tests run in `make test`, not each night.
            exclude=["resource_type:unit_test"],
        ),
        operator_args={
            "append_env": True,
            "env": {
                "BINGEWATCH_DATA_DIR": str(DATA_DIR),
                "BINGEWATCH_RUN_START": "{{ ds }}",
                "BINGEWATCH_RUN_END": "{{ ds }}",
                "DO_NOT_TRACK": "1",
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
                "DBT_USE_COLORS": "False",
                "DBT_VERSION_CHECK": "False",
            },
            # The same retry policy as production's dbt_build, now per model (and per test).
            "retries": 2,
            "retry_delay": timedelta(seconds=RETRY_DELAY_S),
            "retry_exponential_backoff": True,
        },
    )
    first = write_viewer_keys()
    first >> dbt
    return first, dbt


@dag(
    dag_id="bingewatch_nightly_cosmos",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0, "on_failure_callback": _alert_on_failure},
    doc_md=__doc__,
    tags=["bingewatch", "bench"],
)
def bingewatch_nightly_cosmos():
    @task
    def wait_for_raw_partition(ds=None) -> str:
        from bingewatch.nightly.wait_for_raw_partition import wait_for_raw_partition as wait

        return str(wait(_settings(), _arrival_date(ds), timeout_s=RAW_WAIT_TIMEOUT_S))

    @task
    def validate_raw_batch(partition: str, ds=None) -> dict:
        from bingewatch.nightly.validate_raw_batch import validate_raw_batch as validate

        return validate(_settings(), _arrival_date(ds))

    dbt_first, dbt_last = cosmos_dbt_tasks()

    @task(retries=2, retry_delay=timedelta(seconds=RETRY_DELAY_S / 3))
    def stage_candidate(ds=None) -> str:
        from bingewatch.nightly.stage_candidate import stage_candidate as stage

        return str(stage(_settings(), _arrival_date(ds)))

    @task
    def validate_marts(candidate: str, ds=None) -> str:
        from bingewatch.nightly.validate_marts import validate_marts as validate

        validate(_settings(), Path(candidate), _arrival_date(ds))
        return candidate

    @task(outlets=[NOTABLE_VIEWERS])
    def publish(candidate: str) -> str:
        from bingewatch.nightly.publish import publish as swap

        return str(swap(_settings(), Path(candidate)))

    @task(trigger_rule="all_done")
    def write_report(ds=None, ti=None) -> str:
        from airflow.sdk.exceptions import AirflowFailException

        from bingewatch.nightly.write_report import write_report as write

        report = write(_settings(), _arrival_date(ds))
        if ti.xcom_pull(task_ids="publish") is None:
            raise AirflowFailException(f"nothing was published for arrival date {ds}. Report: {report}")
        return str(report)

    raw_result = validate_raw_batch(wait_for_raw_partition())
    candidate = stage_candidate()
    raw_result >> dbt_first
    dbt_last >> candidate
    published = publish(validate_marts(candidate))
    published >> write_report()


bingewatch_nightly_cosmos()
