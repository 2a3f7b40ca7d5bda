"""A real Airflow 3 stack for tests: PostgreSQL + scheduler + dag-processor + api-server.

Everything lives under one temporary directory and listens on 127.0.0.1 only:

* PostgreSQL from Debian (``scripts/install_postgres.sh`` installs it when missing), a fresh
  cluster started as the ``postgres`` user when we are root, on a free port;
* ``airflow db migrate``, then ``airflow scheduler --skip-serve-logs`` (the log server cannot be
  bound to one interface, and the api-server reads the local log files anyway),
  ``airflow dag-processor`` and ``airflow api-server``, each in its own process group, with
  LocalExecutor, PARALLELISM=4, an explicit JWT secret and API secret key and
  EXECUTION_API_SERVER_URL pointing at the api-server's real port.

``stop()`` kills every process group it started and stops PostgreSQL, even after a failure.
The REST helpers use a JWT from ``POST /auth/token`` (SimpleAuthManager, a generated password).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "install_postgres.sh"
VENV_BIN = Path(sys.executable).parent
NIGHTLY = "bingewatch_nightly"
PUBLIC = "bingewatch_public_aggregates"


class HarnessError(Exception):
    """The stack could not be started; the message says which step and where the log is."""


def descendants(pid: int) -> set[int]:
    """Every live descendant of pid (from /proc), whatever its session or process group."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def pids_with_cmdline(fragment: str) -> list[int]:
    """Processes whose command line contains fragment (e.g. a task instance id)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if fragment in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                found.append(int(cmdline.parent.name))
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian layout first, then PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def ensure_postgres_installed() -> Path:
    """Install PostgreSQL through apt when missing; raise HarnessError (never skip) when impossible."""
    bin_dir = postgres_bin_dir()
    if bin_dir:
        return bin_dir
    result = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900)
    bin_dir = postgres_bin_dir()
    if result.returncode != 0 or bin_dir is None:
        raise HarnessError(
            "PostgreSQL is not installed and scripts/install_postgres.sh could not install it "
            f"(exit {result.returncode}). The real-scheduler test needs it: run "
            "`apt-get install -y postgresql` as root.\n"
            f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
        )
    return bin_dir


@dataclass
class AirflowStack:
    """Start with ``start()``, always ``stop()``; ``env`` is what every airflow process sees."""

    data_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bingewatch-stack-")))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The cluster lives outside root (which may be pytest's 0700 tmp tree): PostgreSQL runs
        # as another user and must reach it. stop() removes it and keeps its log under root.
        self.root.mkdir(parents=True, exist_ok=True)
        self.pg_dir = Path(tempfile.mkdtemp(prefix="bingewatch-pg-")) / "pg"
        self.pg_dir.parent.chmod(0o755)
        self.pg_port = free_port()
        self.api_port = free_port()
        self.pg_password = secrets.token_urlsafe(24)
        self.admin_password = secrets.token_urlsafe(24)
        self.airflow_home = self.root / "airflow_home"
        self.logs_dir = self.root / "logs"
        self._pg_started = False
        self._token: str | None = None
        self._as_postgres = os.geteuid() == 0
        self._jwt_secret = secrets.token_urlsafe(64)  # 86 characters: over the 64 bytes HS512 wants
        self._api_secret = secrets.token_urlsafe(32)

    # --- PostgreSQL -------------------------------------------------------------------------
    def _pg(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.pg_bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)

    def start_postgres(self) -> None:
        started = time.monotonic()
        self.pg_bin = ensure_postgres_installed()
        self.pg_dir.mkdir()
        pwfile = self.pg_dir / "pwfile"
        pwfile.write_text(self.pg_password + "\n")
        if self._as_postgres:
            shutil.chown(self.pg_dir, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        pwfile.chmod(0o600)
        data = self.pg_dir / "data"
        result = self._pg(
            "initdb",
            "-D",
            str(data),
            "-U",
            "airflow",
            "--pwfile",
            str(pwfile),
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "-E",
            "UTF8",
            "--no-instructions",
        )
        self._check(result, "initdb")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.pg_port} "
            f"-c unix_socket_directories={self.pg_dir} -c max_connections=200 -c fsync=off"
        )
        result = self._pg(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.pg_dir / "postgres.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self._pg_started = True
        self._check(result, "pg_ctl start", self.pg_dir / "postgres.log")
        result = subprocess.run(
            [
                str(self.pg_bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "airflow",
                "airflow",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PGPASSWORD": self.pg_password},
        )
        self._check(result, "createdb")
        self.timings["postgres_s"] = round(time.monotonic() - started, 1)

    def stop_postgres(self) -> None:
        if self._pg_started:
            self._pg("pg_ctl", "-D", str(self.pg_dir / "data"), "-m", "immediate", "-w", "stop")
            self._pg_started = False

    # --- Airflow ----------------------------------------------------------------------------
    @property
    def sql_alchemy_conn(self) -> str:
        return f"postgresql+psycopg2://airflow:{self.pg_password}@127.0.0.1:{self.pg_port}/airflow"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def env(self) -> dict[str, str]:
        passwords = self.airflow_home / "passwords.json"
        return {
            **os.environ,
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.sql_alchemy_conn,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": self._api_secret,
            "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret,
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.logs_dir),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            # Pick up new runs and DAG files quickly: tests wait on them.
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            # An idle loop sleeps 0.2 s, not 1 s: a failed task's downstream is marked one level
            # per loop (7 levels after a failed sensor), and the next run starts a loop sooner.
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
            "DO_NOT_TRACK": "1",
            "SCARF_ANALYTICS": "false",
            "GX_ANALYTICS_ENABLED": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "BINGEWATCH_DATA_DIR": str(self.data_dir),
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            **self.extra_env,
        }

    def airflow(self, *args: str, timeout: int = 180, check: bool = True) -> subprocess.CompletedProcess:
        """Run one airflow CLI command against this stack."""
        result = subprocess.run(
            [str(VENV_BIN / "airflow"), *args], capture_output=True, text=True, timeout=timeout, env=self.env
        )
        if check:
            self._check(result, "airflow " + " ".join(args))
        return result

    def _spawn(self, name: str, *args: str) -> None:
        log = (self.root / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [str(VENV_BIN / "airflow"), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
            cwd=self.root,
        )

    def start_airflow(self) -> None:
        started = time.monotonic()
        self.airflow_home.mkdir()
        (self.airflow_home / "passwords.json").write_text(json.dumps({"admin": self.admin_password}))
        self.logs_dir.mkdir()
        self.airflow("db", "migrate", timeout=300)
        self.airflow("pools", "set", "bingewatch_warehouse", "1", "one warehouse writer")
        self.timings["db_migrate_s"] = round(time.monotonic() - started, 1)
        self._spawn("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.api_port))
        self._spawn("scheduler", "scheduler", "--skip-serve-logs")
        self._spawn("dag-processor", "dag-processor")
        self._wait_for(lambda: self._get_ok("/api/v2/monitor/health"), 120, "the api-server to answer")
        self.timings["stack_up_s"] = round(time.monotonic() - started, 1)

    def start(self) -> AirflowStack:
        try:
            self.start_postgres()
            self.start_airflow()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Kill every process started here and their descendants, then stop PostgreSQL.

        Task processes start their own sessions (``airflow worker -- <ti id>``), so killing the
        scheduler's process group is not enough: every descendant is found first, then killed.
        """
        family = set()
        for process in self.processes.values():
            family |= descendants(process.pid)
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.stop_postgres()
        # The cluster's files are useless afterwards; its log joins the others for a post-mortem.
        if (self.pg_dir / "postgres.log").exists():
            shutil.copy(self.pg_dir / "postgres.log", self.root / "postgres.log")
        shutil.rmtree(self.pg_dir.parent, ignore_errors=True)

    def logs_tail(self, chars: int = 3000) -> str:
        parts = []
        for name in (*self.processes, "postgres"):
            path = self.root / f"{name}.log"
            if name == "postgres" and not path.exists():
                path = self.pg_dir / "postgres.log"
            if path.exists():
                parts.append(f"--- {path}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)

    # --- REST API (v2) ----------------------------------------------------------------------
    def token(self) -> str:
        if self._token is None:
            import httpx

            response = httpx.post(
                f"{self.api_url}/auth/token",
                json={"username": "admin", "password": self.admin_password},
                timeout=30,
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, headers: dict | None = None, **kwargs):
        import httpx

        response = httpx.request(
            method,
            f"{self.api_url}{path}",
            headers={"Authorization": f"Bearer {self.token()}", **(headers or {})},
            timeout=30,
            **kwargs,
        )
        if response.status_code >= 400:
            raise HarnessError(f"{method} {path} -> {response.status_code}: {response.text[:2000]}")
        return response.json() if response.content else None

    def _get_ok(self, path: str) -> bool:
        import httpx

        try:
            return httpx.get(f"{self.api_url}{path}", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_for_dag(self, dag_id: str, timeout_s: float = 120) -> dict:
        """Wait until the dag-processor has serialized the DAG, then return it."""
        found: dict = {}

        def parsed() -> bool:
            try:
                found.update(self.api("GET", f"/api/v2/dags/{dag_id}"))
                return True
            except HarnessError:
                return False

        self._wait_for(parsed, timeout_s, f"DAG {dag_id} to be parsed")
        return found

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, logical_date: str, run_id: str | None = None) -> str:
        body = {"logical_date": f"{logical_date}T00:00:00Z", "dag_run_id": run_id or f"test__{logical_date}"}
        return self.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def dag_runs(self, dag_id: str) -> list[dict]:
        return self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        data = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {ti["task_id"]: ti for ti in data["task_instances"]}

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        data = self.api(
            "GET",
            f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true"},
            headers={"Accept": "application/json"},
        )
        return json.dumps(data.get("content"))

    def wait_for_runs(self, dag_id: str, run_ids: list[str], timeout_s: float) -> dict[str, dict]:
        """Wait until every run is finished (success or failed); return them by run id."""
        runs: dict[str, dict] = {}

        def finished() -> bool:
            runs.clear()
            runs.update({run["dag_run_id"]: run for run in self.dag_runs(dag_id)})
            return all(runs.get(r, {}).get("state") in ("success", "failed") for r in run_ids)

        self._wait_for(finished, timeout_s, f"runs {run_ids} of {dag_id} to finish", poll_s=3)
        return {r: runs[r] for r in run_ids}

    # --- helpers ----------------------------------------------------------------------------
    def _wait_for(self, condition, timeout_s: float, what: str, poll_s: float = 1.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise HarnessError(f"airflow {name} exited {process.returncode}\n{self.logs_tail()}")
            if condition():
                return
            time.sleep(poll_s)
        raise HarnessError(f"timed out after {timeout_s:.0f}s waiting for {what}\n{self.logs_tail()}")

    @staticmethod
    def _check(result: subprocess.CompletedProcess, step: str, log: Path | None = None) -> None:
        if result.returncode != 0:
            extra = f"\n--- {log}\n{log.read_text(errors='replace')[-3000:]}" if log and log.exists() else ""
            raise HarnessError(
                f"{step} exited {result.returncode}\n--- stdout\n{result.stdout[-3000:]}\n"
                f"--- stderr\n{result.stderr[-3000:]}{extra}"
            )
