"""The code passes the project's linters and formatters, the same commands as `make lint` and
.pre-commit-config.yaml: ruff (pyproject.toml's rules, including Airflow's AIR rules), ruff's
formatter, and sqlfluff over the dbt project (dbt_project/.sqlfluff)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON_PATHS = ["bingewatch", "dags", "tests", "bench", "scripts"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=PROJECT_ROOT, capture_output=True, text=True)


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", *PYTHON_PATHS],
        ["ruff", "format", "--check", *PYTHON_PATHS],
        ["sqlfluff", "lint", "dbt_project"],
    ],
    ids=["ruff-check", "ruff-format", "sqlfluff"],
)
def test_the_linter_finds_nothing(command):
    result = _run(str(BIN / command[0]), *command[1:])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_make_lint_and_pre_commit_run_the_same_checks():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    hooks = (PROJECT_ROOT / ".pre-commit-config.yaml").read_text()
    for tool in ("ruff check", "ruff format --check", "sqlfluff lint"):
        assert tool in makefile and tool in hooks, tool
    assert "repo: local" in hooks and "https://" not in hooks
