"""docker-compose.yml: the standard Airflow 3 stack running this project, secrets only from .env.

No Docker engine is needed: Debian's docker-compose (v1) validates and renders the file
(`config`), which is installed through apt when missing (a failure to install fails the test).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bingewatch.settings import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}


def docker_compose() -> str:
    found = shutil.which("docker-compose")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "--no-install-recommends", "docker-compose"]
        if subprocess.run(install, capture_output=True, env=env, timeout=600).returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=600)
            subprocess.run(install, capture_output=True, env=env, timeout=600)
    found = shutil.which("docker-compose")
    if not found:
        pytest.fail("docker-compose (v1) is missing and could not be installed: apt-get install it")
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """The compose file rendered by docker-compose with a generated .env in a temporary copy."""
    workdir = tmp_path_factory.mktemp("compose")
    shutil.copy(COMPOSE, workdir / "docker-compose.yml")
    shutil.copy(PROJECT_ROOT / "Dockerfile", workdir / "Dockerfile")
    env_lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            env_lines.append(f"{name}={secrets.token_urlsafe(64) if 'change-me' in value else value}")
    (workdir / ".env").write_text("\n".join(env_lines) + "\n")
    command = [docker_compose(), "-f", "docker-compose.yml"]
    # Only .env may supply values: the test process's own variables would override it.
    clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir)}
    run = {"cwd": workdir, "capture_output": True, "text": True, "timeout": 120, "env": clean_env}
    check = subprocess.run([*command, "config", "-q"], **run)
    assert check.returncode == 0, check.stderr
    full = subprocess.run([*command, "config"], **run)
    assert full.returncode == 0, full.stderr
    return {
        "config": yaml.safe_load(full.stdout),
        "env": dict(line.split("=", 1) for line in env_lines),
        "workdir": workdir,
    }


def test_standard_airflow3_services_with_healthchecks(rendered):
    services = rendered["config"]["services"]
    assert set(services) == {"postgres"} | AIRFLOW_SERVICES
    for name in (
        "postgres",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    ):
        assert services[name].get("healthcheck", {}).get("test"), name
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
    command = services["airflow-apiserver"]["command"]
    assert (command.split() if isinstance(command, str) else command)[0] == "api-server"
    assert services["airflow-init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # The DAG's warehouse writers share this one-slot pool; it must exist before any run.
    init = services["airflow-init"]["command"]
    init = init if isinstance(init, str) else " ".join(init)
    assert "airflow pools set bingewatch_warehouse 1" in init


def mount_pairs(volumes: list) -> list[tuple[Path, str]]:
    """(target, source) for compose v1 short strings ("src:target:mode") and long-form dicts."""
    pairs = []
    for volume in volumes:
        if isinstance(volume, dict):
            pairs.append((Path(volume["target"]), str(volume.get("source"))))
        else:
            source, target = volume.split(":")[:2]
            pairs.append((Path(target), source))
    return pairs


def test_project_folders_and_data_dir_are_mounted(rendered):
    scheduler = rendered["config"]["services"]["airflow-scheduler"]
    mounts = dict(mount_pairs(scheduler["volumes"]))
    workdir = rendered["workdir"]
    for folder in ("dags", "dbt_project", "expectations"):
        assert Path(mounts[Path("/opt/bingewatch") / folder]) == workdir / folder
    assert Path("/opt/bingewatch/data") in mounts
    env = scheduler["environment"]
    assert env["BINGEWATCH_DATA_DIR"] == "/opt/bingewatch/data"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/bingewatch/dags"


def test_airflow_environment_is_wired_for_airflow3(rendered):
    env = rendered["config"]["services"]["airflow-scheduler"]["environment"]
    generated = rendered["env"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres:5432/airflow")
    assert len(env["AIRFLOW__API_AUTH__JWT_SECRET"].encode()) >= 64
    # Secrets come from .env, not from the committed file.
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == generated["AIRFLOW_JWT_SECRET"]
    assert env["BINGEWATCH_PSEUDONYM_KEY"] == generated["BINGEWATCH_PSEUDONYM_KEY"]
    assert int(env["AIRFLOW__CORE__PARALLELISM"]) <= 8


def test_no_credentials_are_committed():
    compose_text = COMPOSE.read_text()
    raw = yaml.safe_load(compose_text)
    for service in raw["services"].values():
        env = service.get("environment") or {}
        for name, value in env.items():
            if name.endswith(("PASSWORD", "SECRET", "_KEY")) or "SQL_ALCHEMY_CONN" in name:
                assert "${" in str(value), f"{name} must come from .env"
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#") and any(w in line for w in ("PASSWORD", "SECRET", "KEY=")):
            assert "change-me" in line.split("=", 1)[1], line


def test_image_installs_exactly_the_locked_requirements(rendered):
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile
    assert "COPY pyproject.toml uv.lock" in dockerfile
    for name in AIRFLOW_SERVICES:
        assert rendered["config"]["services"][name]["image"] == "bingewatch-airflow:3.3.2"
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".venv/", "data/", ".env"} <= set(ignored)
