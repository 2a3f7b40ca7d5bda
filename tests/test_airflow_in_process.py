"""bingewatch.airflow_in_process against Airflow's own answers.

Each check runs in a fresh Python process with its own AIRFLOW_HOME: Airflow reads its
configuration and builds the execution API once per process, and the shortcut changes module state.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Builds Airflow's full execution API app once (tens of seconds): collected early.
pytestmark = pytest.mark.slow

ROUTES = textwrap.dedent(
    """
    import json, sys
    from airflow.sdk.api.datamodels._generated import API_VERSION
    if sys.argv[1] == "one-version":
        from bingewatch.airflow_in_process import serve_only_the_task_sdk_api_version
        assert serve_only_the_task_sdk_api_version()
        assert serve_only_the_task_sdk_api_version(), "a second call changes nothing and succeeds"
    from airflow.api_fastapi.execution_api.app import InProcessExecutionAPI
    from fastapi.routing import APIRoute
    app = InProcessExecutionAPI().app
    app._cadwyn_initialize()
    routers = app.router.versioned_routers
    routes = [
        [route.path, sorted(route.methods), route.name, str(route.status_code),
         json.dumps(route.response_model.model_json_schema(), sort_keys=True)
         if hasattr(route.response_model, "model_json_schema") else str(route.response_model),
         sorted(str(param) for param in route.dependant.query_params + route.dependant.path_params)]
        for route in routers[API_VERSION].routes if isinstance(route, APIRoute)
    ]
    print(json.dumps({"versions": list(routers), "api_version": API_VERSION, "routes": sorted(routes)}))
    """
)

MIGRATION = textwrap.dedent(
    """
    import json
    from airflow import settings
    from airflow.utils.db import _get_script_object, upgradedb
    from sqlalchemy import text
    from bingewatch.airflow_in_process import head_revision, metadata_db_is_current, migrate_metadata_db
    seen = {"script_head": _get_script_object().get_current_head(), "map_head": head_revision()}
    seen["fresh_is_current"] = metadata_db_is_current()
    migrate_metadata_db()
    seen["migrated_is_current"] = metadata_db_is_current()
    with settings.engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = '29ce7909c52b'"))
    seen["older_is_current"] = metadata_db_is_current()
    with settings.engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = :head"), {"head": seen["map_head"]})
    seen["restored_is_current"] = metadata_db_is_current()
    print(json.dumps(seen))
    """
)

# A failure with a downstream chain four levels deep, a none_failed leaf after it (as the nightly
# DAG's audit and publish), a branch that succeeds on its own, and an all_done teardown.
FAILING_DAG = textwrap.dedent(
    """
    from datetime import datetime
    from airflow.sdk import dag, task

    @dag(dag_id="settles", schedule=None, start_date=datetime(2026, 1, 1), catchup=False)
    def settles():
        @task
        def start(): return 1
        @task
        def boom(value): raise RuntimeError("planted failure")
        @task
        def step(value): return value
        @task(trigger_rule="none_failed")
        def audit(value): return value
        @task
        def side(value): return value
        @task(trigger_rule="all_done")
        def teardown(*values): return None

        first = start()
        chain = step.override(task_id="c4")(step.override(task_id="c3")(
            step.override(task_id="c2")(step.override(task_id="c1")(boom(first)))))
        audit(chain)
        teardown(chain, side(first))

    settles()
    """
)

# Airflow's own run first, then the same DAG settled, for the next date, in the same process.
DAG_TESTS = textwrap.dedent(
    """
    import json, sys, time
    from datetime import datetime, timezone
    from airflow.dag_processing.dagbag import DagBag
    from bingewatch.airflow_in_process import (
        migrate_metadata_db, serve_only_the_task_sdk_api_version, settle_dependency_states_in_one_pass)
    serve_only_the_task_sdk_api_version()
    migrate_metadata_db()
    sleeps, real_sleep = [], time.sleep
    def counted(seconds):
        if sys._getframe(1).f_code.co_name == "test":  # DAG.test's own wait between passes
            sleeps.append(seconds)
        real_sleep(seconds)
    time.sleep = counted
    dag = DagBag(dag_folder=sys.argv[1]).dags["settles"]
    seen = {}
    for day, way in ((2, "airflows"), (3, "settled")):
        if way == "settled":
            assert settle_dependency_states_in_one_pass()
            assert settle_dependency_states_in_one_pass(), "a second call changes nothing and succeeds"
        sleeps.clear()
        run = dag.test(logical_date=datetime(2026, 3, day, tzinfo=timezone.utc))
        states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
        seen[way] = {"run": str(run.state), "states": states, "sleeps": len(sleeps)}
    print(json.dumps(seen))
    """
)


def run_python(script: str, home: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            **(env or {}),
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def without_addresses(routes: list) -> list:
    """Reprs of validators carry their function's memory address, different in every process."""
    return json.loads(re.sub(r" at 0x[0-9a-f]+", "", json.dumps(routes)))


def test_the_one_version_app_serves_the_task_sdk_version_exactly_as_the_full_app(tmp_path):
    full = run_python(ROUTES, tmp_path / "full", "every-version")
    trimmed = run_python(ROUTES, tmp_path / "trimmed", "one-version")
    assert len(full["versions"]) > 1 and full["versions"][0] == full["api_version"]
    assert trimmed["versions"] == [full["api_version"]]
    assert len(full["routes"]) > 20
    # Path, methods, name, status code, response schema and parameters of every route.
    assert without_addresses(trimmed["routes"]) == without_addresses(full["routes"])


def test_the_metadata_db_is_migrated_only_when_it_is_not_at_the_head_revision(tmp_path):
    seen = run_python(MIGRATION, tmp_path / "home")
    assert seen["map_head"] == seen["script_head"], "the release map's head is alembic's head"
    assert seen["fresh_is_current"] is False
    assert seen["migrated_is_current"] is True
    assert seen["older_is_current"] is False
    assert seen["restored_is_current"] is True


def test_a_failed_runs_downstream_settles_in_one_pass_with_airflows_own_states(tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "settles.py").write_text(FAILING_DAG)
    seen = run_python(DAG_TESTS, tmp_path / "home", str(dags), env={"AIRFLOW__CORE__DAGS_FOLDER": str(dags)})
    airflows, settled = seen["airflows"], seen["settled"]
    assert airflows["run"] == "failed"
    assert airflows["states"]["boom"] == "failed" and airflows["states"]["c4"] == "upstream_failed"
    assert airflows["states"]["audit"] == "upstream_failed", "none_failed after a failure"
    assert airflows["states"]["side"] == airflows["states"]["teardown"] == "success"
    assert airflows["sleeps"] >= 4, "Airflow's own loop waits once per level of the failure's downstream"
    assert (settled["run"], settled["states"]) == (airflows["run"], airflows["states"])
    assert settled["sleeps"] == 0
