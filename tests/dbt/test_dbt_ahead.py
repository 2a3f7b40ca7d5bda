"""A dbt process started ahead of its build (bingewatch.nightly.dbt_ahead): a build takes it and
gets what a fresh `dbt` gives (output, run results, exit status); an unused one ends touching
nothing; a dead one is replaced by a fresh process; `bingewatch run` starts one only for a
night with files to build."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from bingewatch.local_run import _describe_pending
from bingewatch.nightly import dbt_ahead
from bingewatch.nightly.dbt_build import DbtBuildFailed, run_dbt, start_dbt_ahead
from bingewatch.settings import Settings

DAY = date(2026, 3, 4)
VIEWER_DAYS_TESTS = ["--select", "viewer_days", "--exclude-resource-type", "unit_test"]


@pytest.fixture
def no_fresh_dbt(monkeypatch):
    """After this, starting a process fails: a build can only use the one started ahead."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a fresh process was started: {args[0]}")

    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.fixture(autouse=True)
def nothing_left_waiting():
    yield
    dbt_ahead.discard_ahead()


def test_a_build_takes_the_process_started_ahead(copy_of_tiny_run, request):
    settings = Settings.from_env(copy_of_tiny_run)
    start_dbt_ahead(settings)
    assert dbt_ahead.waiting() == 1
    request.getfixturevalue("no_fresh_dbt")
    lines: list[str] = []
    summary = run_dbt(settings, DAY, DAY, command="test", extra_args=VIEWER_DAYS_TESTS, echo=lines.append)
    assert dbt_ahead.waiting() == 0
    # The run results are read from the data directory's target path: the request's
    # environment (DBT_TARGET_PATH among it) reached dbt.
    assert summary["statuses"].get("pass", 0) >= 2 and not summary["failed"], summary
    assert any("Completed successfully" in line for line in lines), lines[-5:]


def test_a_failing_build_through_it_names_the_node(copy_of_tiny_run, request):
    import duckdb

    settings = Settings.from_env(copy_of_tiny_run)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into viewer_days select * from viewer_days limit 1")
    start_dbt_ahead(settings)
    request.getfixturevalue("no_fresh_dbt")
    with pytest.raises(DbtBuildFailed) as failure:
        run_dbt(settings, DAY, DAY, command="test", extra_args=VIEWER_DAYS_TESTS, echo=None)
    assert "unique_combination_of_columns_viewer_days" in str(failure.value)
    assert failure.value.retryable is False


def test_an_unused_process_ends_when_discarded(copy_of_tiny_run):
    settings = Settings.from_env(copy_of_tiny_run)
    run_results = settings.warehouse_dir / "dbt_target" / "run_results.json"
    run_results.unlink()  # the tiny run's build left one
    start_dbt_ahead(settings)
    [proc] = dbt_ahead._waiting.values()
    dbt_ahead.discard_ahead()
    assert dbt_ahead.waiting() == 0
    assert proc.returncode == 0
    assert not run_results.exists(), "an unused process runs no dbt command"


def test_a_process_that_died_is_replaced_by_a_fresh_dbt(copy_of_tiny_run):
    settings = Settings.from_env(copy_of_tiny_run)
    start_dbt_ahead(settings)
    [proc] = dbt_ahead._waiting.values()
    proc.kill()
    proc.wait()
    summary = run_dbt(settings, DAY, DAY, command="test", extra_args=VIEWER_DAYS_TESTS, echo=None)
    assert summary["statuses"].get("pass", 0) >= 2
    assert dbt_ahead.waiting() == 0


def test_bingewatch_run_starts_one_only_for_a_night_with_files(copy_of_tiny_run, tmp_path, cli, monkeypatch):
    built = Settings.from_env(copy_of_tiny_run)
    assert "no new raw files" in _describe_pending(built, DAY, start_dbt=True)
    assert dbt_ahead.waiting() == 0
    fresh = tmp_path / "fresh"
    cli("generate", "--scale", "tiny", "--days", "1", "--start", DAY.isoformat(), data_dir=fresh)
    assert "1 new raw file(s)" in _describe_pending(Settings.from_env(fresh), DAY, start_dbt=True)
    assert dbt_ahead.waiting() == 1
    dbt_ahead.discard_ahead()
    monkeypatch.setenv("BINGEWATCH_DBT_AHEAD", "0")
    _describe_pending(Settings.from_env(fresh), DAY, start_dbt=True)
    assert dbt_ahead.waiting() == 0, "BINGEWATCH_DBT_AHEAD=0 turns it off"


def test_bingewatch_run_starts_it_before_airflow_and_ends_an_unused_one(tmp_path, cli, monkeypatch):
    """The order `bingewatch run` keeps: the night's dbt process is started before Airflow's
    metadata database, pool and DAG are touched, and one no build took is ended after the run."""
    from types import SimpleNamespace

    from bingewatch import local_run

    data_dir = tmp_path / "data"
    cli("generate", "--scale", "tiny", "--days", "1", "--start", DAY.isoformat(), data_dir=data_dir)
    events: list[str] = []

    class Dag:
        def test(self, logical_date):
            events.append(f"dag.test, {dbt_ahead.waiting()} waiting")
            return SimpleNamespace(state="success")

    for name in ("configure_airflow_environment", "migrate_metadata_db", "ensure_warehouse_pool"):
        monkeypatch.setattr(local_run, name, lambda *args, name=name: events.append(name))
    monkeypatch.setattr(local_run, "load_dag", lambda: events.append("load_dag") or Dag())
    real_start = start_dbt_ahead

    def start(settings):
        events.append("start_dbt_ahead")
        real_start(settings)

    monkeypatch.setattr("bingewatch.nightly.dbt_build.start_dbt_ahead", start)
    local_run._run_dates(Settings.from_env(data_dir), DAY, DAY, lambda message: None, True)
    assert events == [
        "start_dbt_ahead",
        "configure_airflow_environment",
        "migrate_metadata_db",
        "ensure_warehouse_pool",
        "load_dag",
        "dag.test, 1 waiting",
    ]
    assert dbt_ahead.waiting() == 0, "the process no build took is ended after the run"
