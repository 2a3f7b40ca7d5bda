"""One real Airflow stack (PostgreSQL, scheduler, dag-processor, api-server) for tests/scheduler.

Tiny data for arrival dates 2026-03-02..2026-03-04 is generated while the stack starts. The
stack is stopped by the fixture's finalizer, also when a test fails or the start itself fails.
A missing PostgreSQL that cannot be installed is a failure, never a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from harness import NIGHTLY, PUBLIC, AirflowStack, HarnessError

START_DATE = "2026-03-02"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A running stack over a freshly generated tiny data directory (stopped after the module)."""
    data_dir = tmp_path_factory.mktemp("scheduler-data")
    started = time.monotonic()
    generate = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bingewatch.cli",
            "--data-dir",
            str(data_dir),
            "generate",
            "--scale",
            "tiny",
            "--days",
            "3",
            "--start",
            START_DATE,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    airflow_stack = AirflowStack(
        data_dir=data_dir,
        root=tmp_path_factory.mktemp("airflow-stack"),  # logs kept by pytest's tmp retention
        extra_env={
            "BINGEWATCH_PSEUDONYM_KEY": os.environ["BINGEWATCH_PSEUDONYM_KEY"],
            "BINGEWATCH_RAW_WAIT_TIMEOUT_S": "0",
            # A deterministic failure should not wait minutes before it is reported.
            "BINGEWATCH_RETRY_DELAY_S": "1",
            # Where a test arms a pause point (bingewatch.pause_points) to act at an exact moment.
            "BINGEWATCH_PAUSE_DIR": str(data_dir / "pause-points"),
        },
    )
    try:
        airflow_stack.start()
    except HarnessError as error:
        generate.kill()
        pytest.fail(f"the real Airflow stack did not start: {error}", pytrace=False)
    try:
        output, _ = generate.communicate(timeout=600)
        assert generate.returncode == 0, f"generate failed:\n{output[-3000:]}"
        for dag_id in (NIGHTLY, PUBLIC):
            airflow_stack.wait_for_dag(dag_id, timeout_s=180)
            airflow_stack.unpause(dag_id)
        airflow_stack.timings["ready_s"] = round(time.monotonic() - started, 1)
        yield airflow_stack
    finally:
        airflow_stack.stop()
        print(f"\nscheduler stack timings: {airflow_stack.timings}")
