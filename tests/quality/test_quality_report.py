"""The run report: self-contained HTML with the key numbers, for good and failed runs."""

from __future__ import annotations

import re
from datetime import timedelta

from quality_fixtures import RUN_DATE, write_raw_partition

from bingewatch.ledger import commit_batch
from bingewatch.nightly.plan_batch import plan_batch
from bingewatch.nightly.publish import publish
from bingewatch.nightly.stage_candidate import stage_candidate
from bingewatch.nightly.validate_marts import validate_marts
from bingewatch.nightly.validate_raw_batch import validate_raw_batch
from bingewatch.nightly.write_report import write_report
from bingewatch.records import write_json

REMOTE_URL = re.compile(r"url\(\s*['\"]?https?://", re.IGNORECASE)
REMOTE = re.compile(r"<(script|link|img)[^>]+(src|href)=\"https?://", re.IGNORECASE)


def test_report_of_a_published_run(settings, warehouse, monkeypatch):
    monkeypatch.setenv("BINGEWATCH_DATA_DOCS", "1")
    write_raw_partition(settings)
    validate_raw_batch(settings, RUN_DATE)
    commit_batch(settings)
    candidate = stage_candidate(settings, RUN_DATE)
    validate_marts(settings, candidate, RUN_DATE)
    publish(settings, candidate)
    page = write_report(settings, RUN_DATE)
    text = page.read_text()
    assert "PUBLISHED" in text
    for number in ("1,000", "950", "30", "20"):  # raw, clean, duplicates, quarantined
        assert f">{number}<" in text
    assert "null_key" in text and "unknown_title" in text
    assert "watch_hours_7d" in text and "title_streak" in text
    assert "<svg" in text and "viewer_days.key_unique" in text
    assert "raw.event_type_known" in text  # the warning is shown
    assert "data_docs/index.html" in text
    assert not REMOTE.search(text)
    index = (settings.reports_dir / "index.html").read_text()
    assert f"{RUN_DATE}.html" in index
    # Data Docs were built into reports/data_docs and made to render offline.
    docs = list((settings.reports_dir / "data_docs").rglob("*.html"))
    assert docs and not any(REMOTE.search(p.read_text()) for p in docs)
    styles = list((settings.reports_dir / "data_docs").rglob("*.css"))
    assert not any(REMOTE_URL.search(p.read_text()) for p in docs + styles)


def test_report_when_nothing_ran(settings):
    day = RUN_DATE + timedelta(days=3)
    text = write_report(settings, day).read_text()
    assert "FAILED" in text and "Nothing published" in text
    assert "Not run." in text


def test_report_when_the_raw_gate_failed(settings):
    import pytest

    from bingewatch.quality import QualityGateFailed

    partition = write_raw_partition(settings)
    (partition / "part-9.parquet").write_bytes(b"not parquet at all")
    plan_batch(settings, RUN_DATE, "test-run")
    with pytest.raises(QualityGateFailed):
        validate_raw_batch(settings, RUN_DATE)
    text = write_report(settings, RUN_DATE).read_text()
    assert "raw batch gate failed" in text and "raw.files_readable" in text
    assert "Nothing published" in text


def test_trend_charts_cover_recent_runs(settings):
    from bingewatch.records import write_json

    for back, rows in [(3, 900), (2, 1100), (1, 1000)]:
        day = RUN_DATE - timedelta(days=back)
        write_json(
            settings.run_dir(day) / "report.json",
            {
                "received_date": day.isoformat(),
                "status": "published",
                "summary": "ok",
                "raw_rows": rows,
                "quarantined_rows": 10,
                "blocking_failures": 0,
            },
        )
    text = write_report(settings, RUN_DATE).read_text()
    start = text.index('<figure class="chart" id="raw_rows"')
    raw_chart = text[start : text.index("</figure>", start)]
    # One point per earlier run (this run has no raw record), each with its value on hover.
    assert raw_chart.count("<title>") == 3 and 'data-points="3"' in raw_chart
    assert "<title>2026-03-08: raw rows 1,100</title>" in raw_chart
    for label in ("Mar 07", "Mar 08", "Mar 09"):  # dates on the time axis
        assert f">{label}</text>" in raw_chart, label
    assert "<script" not in text  # inline SVG: no JavaScript, nothing to fetch
    index = (settings.reports_dir / "index.html").read_text()
    assert index.count("<tr class=") == 4


def test_a_rerun_does_not_inherit_the_previous_attempt(settings, warehouse):
    """Published on the first attempt; the rerun fails at the raw gate: the page says so."""
    import pytest

    from bingewatch.quality import QualityGateFailed

    write_raw_partition(settings)
    validate_raw_batch(settings, RUN_DATE)
    commit_batch(settings)
    candidate = stage_candidate(settings, RUN_DATE)
    validate_marts(settings, candidate, RUN_DATE)
    publish(settings, candidate)
    (settings.events_partition(RUN_DATE) / "part-0.parquet").write_bytes(b"garbage")
    with pytest.raises(QualityGateFailed):
        validate_raw_batch(settings, RUN_DATE)
    text = write_report(settings, RUN_DATE).read_text()
    assert "raw batch gate failed" in text and "PUBLISHED" not in text


def test_dbt_build_timing_comes_from_this_nights_run_results_only(settings):
    """run_results.json is dbt's latest command: the report takes it only if it is newer than
    tonight's raw gate, and keeps it as runs/<D>/dbt_build.json."""
    import json

    from bingewatch.nightly.dbt_build import dbt_target_dir
    from bingewatch.nightly.write_report import dbt_build_record

    raw = {"started_at": "2026-03-11T03:00:00+00:00"}
    target = dbt_target_dir(settings)
    target.mkdir(parents=True, exist_ok=True)

    def results(generated_at: str) -> None:
        (target / "run_results.json").write_text(
            json.dumps(
                {
                    "metadata": {
                        "generated_at": generated_at,
                        "invocation_started_at": "2026-03-11T03:00:10Z",
                    },
                    "elapsed_time": 30.5,
                    "results": [
                        {"unique_id": f"model.bingewatch.m{i}", "status": "success", "execution_time": i}
                        for i in range(7)
                    ]
                    + [{"unique_id": "test.bingewatch.t", "status": "pass", "execution_time": 99}],
                }
            )
        )

    results("2026-03-10T03:01:00Z")  # yesterday's build
    assert dbt_build_record(settings, RUN_DATE, raw) is None
    assert dbt_build_record(settings, RUN_DATE, None) is None  # no raw gate tonight: no dbt either
    results("2026-03-11T03:00:50Z")
    record = dbt_build_record(settings, RUN_DATE, raw)
    assert record["duration_s"] == 40.0 and record["elapsed_s"] == 30.5
    slowest = [m["node"] for m in record["slowest_models"]]  # models only, slowest first
    assert slowest == [f"model.bingewatch.m{i}" for i in (6, 5, 4, 3, 2)]
    (target / "run_results.json").unlink()  # a later dbt command would replace it: the record stays
    assert dbt_build_record(settings, RUN_DATE, raw) == record


def test_the_report_shows_files_built_and_pending_per_arrival_date(settings):
    """The run's batch (the ledger's plan) and what the audit still found pending."""
    from bingewatch.ledger import commit_batch
    from bingewatch.nightly.plan_batch import plan_batch
    from bingewatch.quality.gates import _completeness_check

    text = write_report(settings, RUN_DATE).read_text()
    assert "No arrivals ledger record" in text
    write_raw_partition(settings, received_date=RUN_DATE - timedelta(days=3), files=1)
    write_raw_partition(settings)  # plans both dates: 3 files
    commit_batch(settings)
    write_raw_partition(settings, received_date=RUN_DATE - timedelta(days=1), files=1)  # lands late
    plan = plan_batch(settings, RUN_DATE, "run-2")  # what a rerun would plan: the late file
    extra = {}
    _completeness_check(settings, RUN_DATE, extra)
    write_json(settings.run_dir(RUN_DATE) / "marts.json", {"high_water_mark": extra["high_water_mark"]})
    write_json(
        settings.run_dir(RUN_DATE) / "ledger.json",
        {**plan, "pending_by_date": {(RUN_DATE - timedelta(days=3)).isoformat(): 1, RUN_DATE.isoformat(): 2}},
    )
    text = write_report(settings, RUN_DATE).read_text()
    assert f"<td>{RUN_DATE}</td>" in text  # the high-water mark
    day = RUN_DATE - timedelta(days=1)
    assert f"<tr><td>{day}</td><td class='num'>0</td><td class='num'>1</td></tr>" in text
    assert f"<tr><td>{RUN_DATE}</td><td class='num'>2</td><td class='num'>0</td></tr>" in text
