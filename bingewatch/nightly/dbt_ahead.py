"""A dbt process started ahead of its build, so dbt's import overlaps Airflow's start-up.

A `dbt build` spends about 3 s importing dbt and its adapter before it reads a file. ``bingewatch
run`` knows before it even imports Airflow whether the night has raw files to build, so it calls
``start_ahead``: a process of the dbt environment's own interpreter runs ``dbt_ahead_worker.py``,
which imports dbt and the adapter, then waits on its stdin. On a 2-core machine that import
runs on the other core while Airflow starts, parses the DAG and runs the tasks before
``dbt_build`` (the raw gate among them).

``run_dbt`` then ``take``s it: it sends one request (dbt's arguments and the environment of the
build, written under the writer lock) and reads the output as from a fresh ``dbt`` process. The
worker opens no file of the warehouse before that request, so the one-writer rule holds as
before; it serves one build and ends with it, as a fresh process does. Anything else falls
back to a fresh process: no process started ahead (a real scheduler's task), another
executable or data directory, a worker that died, a retry. ``discard_ahead`` ends an unused one
(closing its stdin ends it: the raw gate failed, or the night had nothing to build after all);
if ``bingewatch run`` itself dies, the worker reads end-of-file and exits.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("dbt_ahead_worker.py")
# The adapter module each dbt target loads; the worker imports it with dbt.
ADAPTER_MODULES = {"duckdb": "dbt.adapters.duckdb", "spark": "dbt.adapters.spark"}
_DISCARD_TIMEOUT_S = 10

# (dbt executable, data directory) -> the process waiting for that build.
_waiting: dict[tuple[str, str], subprocess.Popen] = {}


def worker_command(executable: str, target: str) -> list[str]:
    """The interpreter beside ``executable`` running the worker (-P: nothing of its folder on
    sys.path), with the adapter module to import ahead."""
    python = Path(executable).with_name("python")
    return [str(python), "-P", str(WORKER), ADAPTER_MODULES.get(target, "")]


def start_ahead(executable: str, target: str, data_dir: Path, env: dict[str, str], cwd: Path) -> None:
    """Start the worker for the next build of ``data_dir`` with ``executable`` (no-op if one is
    already waiting, or if the executable has no interpreter beside it)."""
    key = (executable, str(data_dir))
    if key in _waiting:
        return
    command = worker_command(executable, target)
    if not Path(command[0]).exists():
        return
    _waiting[key] = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def take(executable: str, data_dir: Path, args: list[str], env: dict[str, str]) -> subprocess.Popen | None:
    """The waiting worker for this build, given its request (``args`` without the executable);
    None when there is none or it can no longer take one (the caller starts dbt itself)."""
    proc = _waiting.pop((executable, str(data_dir)), None)
    if proc is None:
        return None
    if proc.poll() is not None:
        log.warning("the dbt process started ahead had exited (%s); starting dbt afresh", proc.returncode)
        _reap(proc)
        return None
    assert proc.stdin is not None
    try:
        proc.stdin.write(json.dumps({"args": args, "env": env}) + "\n")
        proc.stdin.close()
    except OSError as error:
        log.warning("the dbt process started ahead took no request (%s); starting dbt afresh", error)
        _reap(proc)
        return None
    return proc


def discard_ahead() -> None:
    """End every worker no build took (closing stdin ends it; killed if it does not end)."""
    while _waiting:
        _, proc = _waiting.popitem()
        _reap(proc)


def waiting() -> int:
    """How many workers wait (for the tests)."""
    return len(_waiting)


def _reap(proc: subprocess.Popen) -> None:
    """Close its stdin (the worker then exits), drain its output, wait; kill it if it hangs."""
    try:
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
    except OSError:
        pass
    proc.stdin = None  # closed: communicate() must not flush it
    try:
        proc.communicate(timeout=_DISCARD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
