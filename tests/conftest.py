"""Test-wide environment and the shared tiny end-to-end run.

The environment is set before anything imports airflow (its configuration is read at import
time): Airflow, dbt and GX point at throwaway homes, telemetry is off, a test pseudonym key.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="bingewatch-airflow-home-"))
_PROJECT_ROOT = Path(__file__).resolve().parent.parent

os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(_PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "BINGEWATCH_PSEUDONYM_KEY": "bingewatch-test-key",
        # The data dictionary (a full `dbt docs generate`, ~7 s on a fresh data directory) is
        # built by the shared tiny run and the rendering tests, which check it; other runs skip it.
        "BINGEWATCH_DATA_DICTIONARY": "0",
        # Likewise GX's Data Docs (about 0.4 s a gate, 0.8 s a night on 2 cores): the shared tiny
        # run builds them, and the tests that check them (the report and rendering tests, the
        # erasure through the DAG) turn them on; other runs skip them.
        "BINGEWATCH_DATA_DOCS": "0",
    }
)
os.environ.pop("BINGEWATCH_DATA_DIR", None)
os.environ.pop("BINGEWATCH_ALLOW_DEV_KEY", None)

TEST_KEY = os.environ["BINGEWATCH_PSEUDONYM_KEY"]


TINY_DATES = ("2026-03-02", "2026-03-04")


def bingewatch(
    *args: str, data_dir: Path, timeout: int = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the CLI as a user would, in its own process (``env``: extra environment variables)."""
    result = subprocess.run(
        [sys.executable, "-m", "bingewatch.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "AIRFLOW_HOME": str(data_dir / "airflow"), **(env or {})},
    )
    if result.returncode != 0:
        raise AssertionError(
            f"bingewatch {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout (tail)\n{result.stdout[-4000:]}\n--- stderr (tail)\n{result.stderr[-4000:]}"
        )
    return result


@pytest.fixture(scope="session")
def cli():
    """`bingewatch(*args, data_dir=...)`: the CLI in its own process (a fixture, because test
    modules cannot import from conftest: several conftest.py files share that module name)."""
    return bingewatch


def _built_once(base: Path, name: str, build: Callable[[Path], None]) -> Path:
    """``base/name``, built by ``build(path)`` unless an earlier call (any process) finished it."""
    target = base / name
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / f"{name}.built").exists():
            shutil.rmtree(target, ignore_errors=True)
            build(target)
            (base / f"{name}.built").touch()
    return target


@pytest.fixture(scope="session")
def built_once(tmp_path_factory, worker_id) -> Callable[[str, Callable[[Path], None]], Path]:
    """`built_once(name, build)`: a directory built once per test session, by whichever xdist
    worker asks first; the others wait on a file lock, then get the same path. For data every
    user only reads (copy it to write)."""
    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        base = base.parent  # the session's folder, above each worker's own
    return lambda name, build: _built_once(base, name, build)


@pytest.fixture(scope="session")
def tiny_run(built_once) -> dict:
    """Generate tiny data (3 arrival dates) and run the nightly DAG for each through Airflow
    (built once per session: every user reads it; copy_of_tiny_run is for writing)."""

    def build(data_dir: Path) -> None:
        bingewatch("generate", "--scale", "tiny", "--days", "3", "--start", TINY_DATES[0], data_dir=data_dir)
        run = bingewatch(
            "run",
            "--start",
            TINY_DATES[0],
            "--end",
            TINY_DATES[1],
            data_dir=data_dir,
            env={"BINGEWATCH_DATA_DICTIONARY": "1", "BINGEWATCH_DATA_DOCS": "1"},
        )
        (data_dir / "run.stdout").write_text(run.stdout)

    data_dir = built_once("tiny-run", build)
    generator_dir = data_dir / "raw" / "_generator"
    return {
        "data_dir": data_dir,
        "stdout": (data_dir / "run.stdout").read_text(),
        "manifest": json.loads((generator_dir / "manifest.json").read_text()),
        "truth": list(csv.DictReader((generator_dir / "ground_truth.csv").open())),
    }


@pytest.fixture()
def copy_of_tiny_run(tiny_run, tmp_path) -> Path:
    """A private copy of the tiny run's data directory, to run more builds on."""
    target = tmp_path / "copy"
    shutil.copytree(
        tiny_run["data_dir"], target, ignore=shutil.ignore_patterns("airflow", "logs", "run.stdout")
    )
    return target


def pytest_collection_modifyitems(config, items):
    """The longest files first (`pytest.mark.slow(minutes=N)`, a rough cost; unmarked last; a
    stable sort keeps each file's order): with `make test`'s two workers (--dist loadfile
    --no-loadscope-reorder, which keeps this order) the long end-to-end files start at once
    instead of one of them running alone at the end."""

    def minutes(item) -> float:
        marker = item.get_closest_marker("slow")
        return marker.kwargs.get("minutes", 1) if marker else 0

    items.sort(key=minutes, reverse=True)
