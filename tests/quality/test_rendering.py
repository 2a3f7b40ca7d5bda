"""The run report and GX Data Docs, rendered by headless Chromium with no network.

Screenshots are kept under tests/artifacts/ (CI keeps them). Each page must show its key
numbers in the rendered DOM, carry its styles locally (inlined or vendored, nothing remote),
and actually look styled: the screenshot has the pass/fail colours and is not a white page.
Chromium is installed by scripts/install_chromium.sh when missing; if that fails the tests
fail (never skip).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from headless import ARTIFACTS, colour_census, dump_dom, screenshot, share
from quality_fixtures import RUN_DATE, write_raw_partition

from bingewatch.ledger import commit_batch
from bingewatch.publish import publish, stage_candidate
from bingewatch.quality import QualityGateFailed, validate_marts, validate_raw_batch
from bingewatch.quality.suites import CHECKPOINTS
from bingewatch.report import write_report
from bingewatch.settings import Settings

NEXT_DATE = RUN_DATE + timedelta(days=1)
REMOTE = re.compile(r"<(script|link|img)[^>]+(src|href)=\"https?://|url\(\s*['\"]?https?://", re.I)


def near(target: str, tolerance: int = 10):
    """A predicate: an RGB colour within ``tolerance`` of ``#rrggbb`` on every channel."""
    r, g, b = (int(target[i : i + 2], 16) for i in (1, 3, 5))
    return lambda x, y, z: abs(x - r) <= tolerance and abs(y - g) <= tolerance and abs(z - b) <= tolerance


def looks_styled(png: Path) -> dict:
    """Facts about a screenshot: distinct colours, share of non-white pixels."""
    census = colour_census(png)
    return {
        "census": census,
        "colours": len(census),
        "not_white": share(census, lambda r, g, b: min(r, g, b) < 245),
    }


@pytest.fixture(scope="module")
def rendered_site(tmp_path_factory):
    """Three earlier nights (for the trend charts), a published night with a warning, and a
    next night whose warehouse reconciliation fails: the report and Data Docs of both."""
    import os

    from quality_fixtures import build_warehouse

    from bingewatch.quality.gates import write_json

    previous = os.environ.get("BINGEWATCH_DATA_DOCS")
    os.environ["BINGEWATCH_DATA_DOCS"] = "1"
    try:
        settings = Settings(tmp_path_factory.mktemp("rendered") / "data")
        for back, rows in [(3, 380), (2, 420), (1, 410)]:
            day = RUN_DATE - timedelta(days=back)
            write_json(settings.run_dir(day) / "report.json", {
                "received_date": day.isoformat(), "status": "published", "summary": "ok",
                "raw_rows": rows, "quarantined_rows": 18 + back, "viewer_days_rows": 200 - 40 * back,
                "viewer_days_recomputed": 80, "notable_viewers": 2, "validation_s": 2.5,
                "blocking_failures": 0,
            })  # fmt: skip
        build_warehouse(settings.warehouse_path)
        write_raw_partition(settings)
        validate_raw_batch(settings, RUN_DATE)
        commit_batch(settings)
        candidate = stage_candidate(settings, RUN_DATE)
        validate_marts(settings, candidate, RUN_DATE)
        publish(settings, candidate)
        published_page = write_report(settings, RUN_DATE)

        import duckdb

        with duckdb.connect(str(settings.warehouse_path)) as con:
            con.execute("insert into run_accounting values (?, 500, 480, 10, 10)", [NEXT_DATE])
            con.execute("insert into quarantine_reasons values (?, 'null_key', 10)", [NEXT_DATE])
            con.execute(
                "update int_viewer_days_aggregated set watch_ms = watch_ms + 60000 "
                "where profile_id = 'prof-7' and activity_date = ?",
                [RUN_DATE],
            )
        write_raw_partition(settings, received_date=NEXT_DATE, sql=_next_day_sql())
        validate_raw_batch(settings, NEXT_DATE)
        commit_batch(settings)
        candidate = stage_candidate(settings, NEXT_DATE)
        with pytest.raises(QualityGateFailed):
            validate_marts(settings, candidate, NEXT_DATE)
        failed_page = write_report(settings, NEXT_DATE)
    finally:
        if previous is None:
            os.environ.pop("BINGEWATCH_DATA_DOCS", None)
        else:
            os.environ["BINGEWATCH_DATA_DOCS"] = previous
    return settings, published_page, failed_page


def _next_day_sql() -> str:
    from quality_fixtures import RAW_SQL

    return RAW_SQL.replace("2026-03-10 12:00", f"{NEXT_DATE} 12:00")


def test_published_report_renders_offline_with_its_numbers(rendered_site):
    settings, page, _ = rendered_site
    html = page.read_text()
    assert "<style>" in html and "status.published" in html  # report.css is inlined
    assert not REMOTE.search(html) and "<script" not in html

    dom = dump_dom(page)
    assert "PUBLISHED" in dom
    for number in (">1,000<", ">950<", ">30<", ">20<"):  # raw, clean, duplicates, quarantined
        assert number in dom, number
    for name in ("viewer_days.key_unique", "warehouse.sessions_reconcile_with_viewer_days",
                 "warehouse.viewer_days_volume_vs_recent_runs", "raw.event_type_known"):  # fmt: skip
        assert name in dom, name
    assert dom.count("<svg") == 7 and "<title>2026-03-08: 420</title>" in dom

    png = screenshot(page, ARTIFACTS / "report-published.png")
    facts = looks_styled(png)
    census = facts["census"]
    assert facts["colours"] > 50 and facts["not_white"] > 0.08, facts["colours"]
    assert share(census, near("#e8f5ec")) > 0.002  # the green PUBLISHED banner
    assert share(census, near("#0b63ce")) > 0.0005  # this run's bar in the trend charts
    assert share(census, near("#9fb8d8")) > 0.0005  # the earlier runs' bars
    assert share(census, near("#fff6e0")) > 0.001  # the WARN row (raw.event_type_known)
    assert share(census, near("#f4f6f8", 3)) > 0.005  # table headers


def test_failed_report_names_the_reconciliation(rendered_site):
    _, _, page = rendered_site
    dom = dump_dom(page)
    assert "FAILED" in dom and "Nothing published" in dom
    assert "warehouse.sessions_reconcile_with_viewer_days" in dom
    assert '"level": "viewer_day"' in dom  # the mismatching viewer-day is shown
    png = screenshot(page, ARTIFACTS / "report-failed.png")
    census = looks_styled(png)["census"]
    assert share(census, near("#fdecea", 2)) > 0.005  # the red FAILED banner
    assert share(census, near("#e8f5ec", 2)) < 0.0005  # and no green PUBLISHED one


def test_data_docs_index_renders_offline(rendered_site):
    settings, _, _ = rendered_site
    docs = settings.reports_dir / "data_docs"
    pages = list(docs.rglob("*.html"))
    for path in pages:
        text = path.read_text()
        assert not REMOTE.search(text), path
        assert "bingewatch-offline" in text and "bootstrap-4.6.1.min.css" in text, path
    assert (docs / "static" / "styles" / "bootstrap-4.6.1.min.css").is_file()
    for path in pages:  # every local link and stylesheet resolves (no dead suite-page links)
        for href in re.findall(r'href="([^"#:]+)"', path.read_text()):
            assert (path.parent / href).is_file(), (path, href)

    index = docs / "index.html"
    dom = dump_dom(index)
    # The list of validations is a static table (GX builds it with bootstrap-table JS).
    suites = {name for names in CHECKPOINTS.values() for name in names}
    table = dom[dom.index("ge-index-page-validation-results-table") :]
    for suite in suites:
        assert f">{suite}</a>" in table, suite
    assert table.count("<tr>") >= 2 * len(suites) + 1  # two nights, plus the header
    links = re.findall(r'href="(validations/[^"]+\.html)"', table)
    assert links and all((docs / link).is_file() for link in links)

    png = screenshot(index, ARTIFACTS / "data_docs-index.png")
    facts = looks_styled(png)
    census = facts["census"]
    assert facts["colours"] > 50, facts["colours"]
    assert share(census, near("#28a745")) > 0.0002  # green pass icons
    assert share(census, near("#dc3545")) > 0.00005  # red fail icon (tonight's failure)
    assert share(census, near("#e2e3e5", 3)) > 0.005  # Bootstrap's alert-secondary title bar


def test_data_docs_failed_validation_page_renders_offline(rendered_site):
    settings, _, _ = rendered_site
    docs = settings.reports_dir / "data_docs"
    failed = [
        p for p in (docs / "validations" / "warehouse_reconciliation").rglob("*.html")
        if "fa-times text-danger" in p.read_text()
    ]  # fmt: skip
    assert failed
    dom = dump_dom(failed[0])
    assert "Observed Value" in dom and "fa-times" in dom
    png = screenshot(failed[0], ARTIFACTS / "data_docs-failed-validation.png")
    facts = looks_styled(png)
    census = facts["census"]
    assert facts["colours"] > 50 and facts["not_white"] > 0.05
    assert share(census, near("#dc3545")) > 0.00005  # the red fail icon
    assert share(census, near("#fdecea")) > 0.001  # the failed expectation's row

    # "Show more info..." is collapsed, and opens without JavaScript: its link targets it.
    section = re.search(r'data-toggle="collapse" href="#([^"]+)"', failed[0].read_text())[1]
    opened = screenshot(failed[0], ARTIFACTS / "data_docs-failed-validation-more-info.png", section)
    assert looks_styled(opened)["not_white"] > facts["not_white"] + 0.02

    viewer_days = next((docs / "validations" / "raw_playback_events").rglob("*.html"))
    png = screenshot(viewer_days, ARTIFACTS / "data_docs-raw-validation.png")
    census = looks_styled(png)["census"]
    assert share(census, near("#28a745")) > 0.0002 and share(census, near("#e9ecef", 3)) > 0.002


def test_missing_chromium_fails_with_a_clear_message(monkeypatch, tmp_path):
    """No Chromium and no way to install it: the rendering tests fail, they never skip."""
    import headless

    script = tmp_path / "install_chromium.sh"
    script.write_text("echo 'E: no apt here' >&2\nexit 3\n")
    monkeypatch.setattr(headless, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(headless, "INSTALL_SCRIPT", script)
    with pytest.raises(pytest.fail.Exception, match="could not be installed") as failure:
        headless.chromium()
    assert "exited 3" in str(failure.value) and "no apt here" in str(failure.value)


def test_install_script_is_idempotent():
    """With Chromium present the script does nothing (and says nothing)."""
    import subprocess

    from headless import CHROMIUM, INSTALL_SCRIPT, chromium

    chromium()  # installs it if this machine lacks it
    result = subprocess.run(["sh", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=60)
    assert CHROMIUM.exists() and result.returncode == 0 and result.stdout == ""
