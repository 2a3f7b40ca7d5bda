"""The harness itself: a PostgreSQL that cannot be installed is a failure, never a skip."""

from __future__ import annotations

import subprocess
import sys

import harness
import pytest


def test_uninstallable_postgres_raises_a_clear_error(monkeypatch, tmp_path):
    failing = tmp_path / "install_postgres.sh"
    failing.write_text("echo 'E: Unable to locate package postgresql' >&2; exit 100\n")
    monkeypatch.setattr(harness, "postgres_bin_dir", lambda: None)
    monkeypatch.setattr(harness, "INSTALL_SCRIPT", failing)
    with pytest.raises(harness.HarnessError, match="PostgreSQL is not installed") as error:
        harness.ensure_postgres_installed()
    assert "Unable to locate package postgresql" in str(error.value)
    assert "exit 100" in str(error.value)


def test_install_script_is_idempotent_when_postgres_is_present():
    harness.ensure_postgres_installed()  # installs it on a fresh machine (or fails loudly)
    result = subprocess.run(["bash", str(harness.INSTALL_SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "already installed" in result.stdout


def test_descendants_finds_grandchildren_in_other_sessions():
    # A child that starts a grandchild in a new session, like Airflow's task processes.
    code = (
        "import subprocess, sys, time;"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'], start_new_session=True);"
        "time.sleep(30)"
    )
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        found: set[int] = set()
        for _ in range(50):
            found = harness.descendants(child.pid)
            if found:
                break
            subprocess.run(["sleep", "0.1"])
        assert len(found) == 1
    finally:
        for pid in found:
            subprocess.run(["kill", "-9", str(pid)])
        child.kill()
        child.wait()
