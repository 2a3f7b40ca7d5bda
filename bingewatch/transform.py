"""Run dbt for an arrival-date range: pseudonyms first, then `dbt build` in a subprocess.

A subprocess keeps dbt's DuckDB connection (the warehouse's single writer) inside a process
that ends with the step, so a killed or failed build never leaves the file locked.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bingewatch.pseudonyms import write_viewer_keys
from bingewatch.settings import DBT_PROJECT_DIR, Settings, pseudonym_key

log = logging.getLogger(__name__)


class DbtBuildFailed(Exception):
    """dbt build failed; the message names the failing models and tests."""


def dbt_environment(settings: Settings, start: date, end: date) -> dict[str, str]:
    """The environment dbt runs with: paths, the run window, telemetry off."""
    env = dict(os.environ)
    env.update(
        {
            "BINGEWATCH_DATA_DIR": str(settings.data_dir),
            "BINGEWATCH_RUN_START": start.isoformat(),
            "BINGEWATCH_RUN_END": end.isoformat(),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DBT_USE_COLORS": "False",
            "DBT_VERSION_CHECK": "False",
            "DBT_LOG_PATH": str(settings.data_dir / "logs" / "dbt"),
            # Compiled SQL, partial-parse state and run results live beside the warehouse
            # they describe, so runs over different data directories never mix them.
            "DBT_TARGET_PATH": str(settings.warehouse_dir / "dbt_target"),
        }
    )
    return env


def dbt_executable() -> str:
    """The dbt installed beside the running interpreter."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


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
    """Write viewer keys, run `dbt <command>` for arrival dates [start, end]; return a summary.

    Raises DbtBuildFailed naming every node that errored or failed.
    """
    if end < start:
        raise ValueError(f"run window ends ({end}) before it starts ({start})")
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    write_viewer_keys(settings.raw_dir, settings.viewer_keys_path, pseudonym_key())

    args = [
        dbt_executable(),
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
    run_results = settings.warehouse_dir / "dbt_target" / "run_results.json"
    run_results.unlink(missing_ok=True)  # never report an earlier command's results
    proc = subprocess.Popen(
        args,
        env=dbt_environment(settings, start, end),
        cwd=DBT_PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if echo:
            echo(line.rstrip())
    returncode = proc.wait()
    summary = _summarise(run_results)
    if returncode != 0:
        failed = ", ".join(summary["failed"]) or "see the dbt log above"
        raise DbtBuildFailed(f"dbt {command} failed for {start}..{end}: {failed}")
    return summary


def _summarise(run_results: Path) -> dict:
    """Counts by status, failing node names and the elapsed time from run_results.json."""
    if not run_results.exists():
        return {"elapsed_s": None, "statuses": {}, "failed": []}
    results = json.loads(run_results.read_text())
    statuses: dict[str, int] = {}
    failed = []
    for result in results.get("results", []):
        status = result.get("status")
        statuses[status] = statuses.get(status, 0) + 1
        if status in ("error", "fail"):
            failed.append(result.get("unique_id", "?"))
    return {"elapsed_s": results.get("elapsed_time"), "statuses": statuses, "failed": failed}
