"""Build the run's batch with dbt: pseudonyms first, then `dbt build` in a subprocess, then the
ledger commit (``build_batch``); ``run_dbt`` is the dbt invocation itself.

A subprocess keeps dbt's DuckDB connection (the warehouse's single writer) inside a process
that ends with the step, so a killed or failed build never leaves the file locked. Under
``bingewatch run`` that process may have been started ahead, its import done while Airflow
started (``start_dbt_ahead``, bingewatch.nightly.dbt_ahead).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bingewatch import ledger
from bingewatch.nightly import dbt_ahead, parse_state
from bingewatch.nightly.plan_batch import plan_batch
from bingewatch.pause_points import pause_point
from bingewatch.pseudonyms import write_viewer_keys
from bingewatch.reference_data import ReferenceDataError, prepare_reference_data
from bingewatch.settings import (  # noqa: F401 (dbt_target is also read from here)
    DBT_PROJECT_DIR,
    PROJECT_ROOT,
    Settings,
    dbt_target,
    dbt_target_dir,
    pseudonym_key,
)
from bingewatch.writer_lock import writer_lock

log = logging.getLogger(__name__)


# dbt-spark and pyspark live in their own locked environment (spark/, `make spark-install`),
# so the main environment's Airflow and DuckDB pins never meet pyspark's.
SPARK_ENVIRONMENT = PROJECT_ROOT / ".venv-spark"
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


_MESSAGE_CHARS = 400
# Database errors that the same SQL on the same data raises again: retrying only delays the
# alert. Anything else (IO, locks, memory, a killed process) may be transient and is retried.
DETERMINISTIC_ERRORS = (
    "Binder Error",
    "Catalog Error",
    "Constraint Error",
    "Conversion Error",
    "Invalid Input Error",
    "Not implemented Error",
    "Out of Range Error",
    "Parser Error",
    "Compilation Error",
)


def is_deterministic(message: str) -> bool:
    """True when a node's error message is one a retry would meet again."""
    return any(kind in message for kind in DETERMINISTIC_ERRORS)


def is_retryable(summary: dict) -> bool:
    """A failed command is worth retrying unless every failure would recur on the same data:
    data tests that found rows, and deterministic database errors. No node ran (a parse or
    connection error): retried, since nothing says the cause is the data."""
    return not summary["failed"] or any(not is_deterministic(m) for m in summary["errors"].values())


class DbtBuildFailed(Exception):
    """dbt build failed; the message names the failing models and tests, with dbt's message.

    `retryable` is False when every failure is a data test that found bad rows or a
    deterministic database error (a conversion, an unknown time zone, a binder error): running
    the same build on the same data would meet them again, so the DAG fails at once.
    """

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


def dbt_environment(settings: Settings, start: date | None, end: date | None) -> dict[str, str]:
    """The environment dbt runs with: paths, the run window (none for a process started ahead,
    which is given it with its request), telemetry off."""
    env = dict(os.environ)
    if start and end:
        env.update({"BINGEWATCH_RUN_START": start.isoformat(), "BINGEWATCH_RUN_END": end.isoformat()})
    if dbt_target() == "duckdb":
        # Paths relative to dbt's working directory, the data directory (dbt_working_dir): the
        # parse state is then the same in every data directory (bingewatch.nightly.parse_state).
        env.pop("BINGEWATCH_DATA_DIR", None)
    else:
        env["BINGEWATCH_DATA_DIR"] = str(settings.data_dir)  # Spark's JVM wants absolute paths
    env.update(
        {
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DBT_USE_COLORS": "False",
            "DBT_VERSION_CHECK": "False",
            "DBT_LOG_PATH": str(settings.data_dir / "logs" / "dbt"),
            # Compiled SQL, partial-parse state and run results live beside the warehouse
            # they describe, so runs over different data directories never mix them.
            "DBT_TARGET_PATH": str(dbt_target_dir(settings)),
        }
    )
    return env


def dbt_working_dir(settings: Settings) -> Path:
    """Where dbt runs: the data directory, which the duckdb profile's paths are relative to."""
    return settings.data_dir


def dbt_executable() -> str:
    """The dbt installed beside the running interpreter, or for the spark target the one of
    the Spark environment (BINGEWATCH_SPARK_DBT overrides it)."""
    if dbt_target() == "spark":
        spark_dbt = os.environ.get("BINGEWATCH_SPARK_DBT") or str(SPARK_ENVIRONMENT / "bin" / "dbt")
        if not Path(spark_dbt).exists():
            raise FileNotFoundError(
                f"BINGEWATCH_DBT_TARGET=spark needs dbt-spark at {spark_dbt}: run `make spark-install`"
            )
        return spark_dbt
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def start_dbt_ahead(settings: Settings) -> None:
    """Start the next build's dbt process now, so its import overlaps what runs before the
    build (``bingewatch run``; bingewatch.nightly.dbt_ahead). BINGEWATCH_DBT_AHEAD=0 turns it
    off (the quiet-night benchmark measures both)."""
    if os.environ.get("BINGEWATCH_DBT_AHEAD", "1") == "0":
        return
    try:
        executable = dbt_executable()
    except FileNotFoundError:
        return  # run_dbt says what is missing when the build starts
    env = dbt_environment(settings, None, None)
    dbt_ahead.start_ahead(executable, dbt_target(), settings.data_dir, env, dbt_working_dir(settings))


def run_dbt(
    settings: Settings,
    start: date,
    end: date,
    *,
    command: str = "build",
    full_refresh: bool = False,
    extra_args: list[str] | None = None,
    echo: Callable[[str], None] | None = log.info,
) -> dict:
    """Write viewer keys, run `dbt <command>` on the planned batch; return a summary.

    [start, end] are the first and last arrival dates of the batch (warehouse/run_files.parquet,
    written by ``plan_batch``): the models read the batch's files and look that far around
    them. Raises DbtBuildFailed naming every node that errored or failed.
    """
    if end < start:
        raise ValueError(f"run window ends ({end}) before it starts ({start})")
    with writer_lock(settings, f"dbt {command}"):
        return _run_dbt(settings, start, end, command, full_refresh, extra_args, echo)


def _run_dbt(settings, start, end, command, full_refresh, extra_args, echo) -> dict:
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    try:  # per-row validation of profiles and titles: dbt reads the validated copies
        prepare_reference_data(settings, end)
    except ReferenceDataError as error:
        raise DbtBuildFailed(
            f"dbt {command} not started for {start}..{end}: {error}", retryable=False
        ) from error
    write_viewer_keys(settings.raw_dir, settings.viewer_keys_path, pseudonym_key())

    executable = dbt_executable()
    args = [
        executable,
        *command.split(),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    if command == "build":
        # Unit tests check model logic on fixed inputs: `make test` runs them, not each night.
        args += ["--exclude-resource-type", "unit_test"]
    if full_refresh:
        args.append("--full-refresh")
    args += extra_args or []
    run_results = dbt_target_dir(settings) / "run_results.json"
    run_results.unlink(missing_ok=True)  # never report an earlier command's results
    env = dbt_environment(settings, start, end)
    parse_state.seed(dbt_target_dir(settings), dbt_target())
    proc = dbt_ahead.take(executable, settings.data_dir, args[1:], env) or subprocess.Popen(
        args,
        env=env,
        cwd=dbt_working_dir(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    last_lines: deque[str] = deque(maxlen=12)
    for line in proc.stdout:
        last_lines.append(_ANSI_ESCAPE.sub("", line.rstrip()))  # some errors ignore DBT_USE_COLORS
        if echo:
            echo(line.rstrip())
    returncode = proc.wait()
    parse_state.keep(dbt_target_dir(settings), dbt_target())
    summary = _summarise(run_results)
    if returncode != 0:
        failed = "; ".join(
            f"{node}: {message}" if message else node for node, message in summary["messages"].items()
        )
        # No node ran (a parse or connection error): dbt's last words are the reason.
        reason = failed or "dbt said:\n" + "\n".join(last_lines)
        raise DbtBuildFailed(
            f"dbt {command} failed for {start}..{end}: {reason}",
            retryable=is_retryable(summary),
        )
    return summary


def build_batch(
    settings: Settings,
    logical_date: date,
    run_id: str,
    *,
    plan: dict | None = None,
    full_refresh: bool = False,
    echo: Callable[[str], None] | None = log.info,
) -> dict:
    """Build every raw file pending at logical_date in one `dbt build`, then commit the ledger.

    ``plan`` is the batch ``plan_batch`` chose (planned here when not given). Nothing
    pending: no dbt at all. ``full_refresh`` forgets the ledger first and rebuilds every table
    from all raw files. Holds the data directory's writer lock throughout.
    """
    with writer_lock(settings, f"dbt build for {logical_date}"):
        if full_refresh:
            ledger.forget_from(settings, date.min)
        if plan is None or full_refresh:
            plan = plan_batch(settings, logical_date, run_id)
        if not plan["files"]:
            return {"elapsed_s": 0.0, "statuses": {}, "failed": [], "messages": {}, "files": 0}
        summary = run_dbt(
            settings,
            date.fromisoformat(plan["first_received_date"]),
            date.fromisoformat(plan["last_received_date"]),
            full_refresh=full_refresh,
            echo=echo,
        )
        pause_point("before_ledger_commit")
        summary["files"] = ledger.commit_batch(settings)
        summary["received_dates"] = plan["received_dates"]
        return summary


def _summarise(run_results: Path) -> dict:
    """Counts by status, failing node names and the elapsed time from run_results.json."""
    if not run_results.exists():
        return {"elapsed_s": None, "statuses": {}, "failed": [], "messages": {}, "errors": {}}
    results = json.loads(run_results.read_text())
    statuses: dict[str, int] = {}
    messages: dict[str, str] = {}
    errors: dict[str, str] = {}
    for result in results.get("results", []):
        status = result.get("status")
        statuses[status] = statuses.get(status, 0) + 1
        if status in ("error", "fail"):
            # The database error itself, so the alert says what broke, not only where.
            message = " ".join((result.get("message") or "").split())
            messages[result.get("unique_id", "?")] = message[:_MESSAGE_CHARS]
            if status == "error":
                errors[result.get("unique_id", "?")] = message
    return {
        "elapsed_s": results.get("elapsed_time"),
        "statuses": statuses,
        "failed": list(messages),
        "messages": messages,
        "errors": errors,
    }
