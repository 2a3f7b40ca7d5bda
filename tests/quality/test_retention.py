"""Retention: GX results and Data Docs pages of old arrival dates are pruned."""

from __future__ import annotations

from bingewatch.quality.retention import prune_gx_runs
from bingewatch.quality.runner import run_name


def _fake_run(settings, suite: str, name: str) -> None:
    run_time = "20260310T030000Z"
    result = settings.audit_dir / "gx_validations" / suite / name / run_time / "batch.json"
    page = settings.reports_dir / "data_docs" / "validations" / suite / name / run_time / "batch.html"
    for path in (result, page):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def test_only_the_newest_arrival_dates_are_kept(settings, monkeypatch):
    for day in ("2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"):
        for suite in ("viewer_days", "raw_playback_events"):
            _fake_run(settings, suite, f"{day}_manual")
    _fake_run(settings, "viewer_days", "2026-03-10_scheduled__2026-03-10T00-00-00-00-00")  # a rerun
    _fake_run(settings, "viewer_days", "__none__")  # stored before runs were named
    monkeypatch.setenv("BINGEWATCH_GX_KEEP_RUNS", "2")
    removed = prune_gx_runs(settings)
    for root in (settings.audit_dir / "gx_validations", settings.reports_dir / "data_docs" / "validations"):
        kept = sorted(run.name for suite in root.iterdir() for run in suite.iterdir())
        assert [name[:10] for name in kept] == ["2026-03-09"] * 2 + ["2026-03-10"] * 3
        assert "__none__" not in kept
    assert len(removed) == 2 * (2 * 2 + 1)  # two dates of two suites and __none__, in both trees
    assert prune_gx_runs(settings) == []  # idempotent


def test_run_names_carry_the_arrival_date_and_a_path_safe_run_id(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CTX_DAG_RUN_ID", "scheduled__2026-03-10T00:00:00+00:00")
    assert run_name("2026-03-10") == "2026-03-10_scheduled__2026-03-10T00-00-00-00-00"
    monkeypatch.delenv("AIRFLOW_CTX_DAG_RUN_ID")
    monkeypatch.delenv("BINGEWATCH_RUN_ID", raising=False)
    assert run_name("2026-03-10") == "2026-03-10_manual"
