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
from bingewatch.nightly.publish import publish
from bingewatch.nightly.stage_candidate import stage_candidate
from bingewatch.nightly.validate_marts import validate_marts
from bingewatch.nightly.validate_raw_batch import validate_raw_batch
from bingewatch.nightly.write_report import write_report
from bingewatch.quality import QualityGateFailed
from bingewatch.quality.suites import CHECKPOINTS
from bingewatch.settings import Settings

pytestmark = pytest.mark.slow(minutes=2)

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

    from bingewatch.records import write_json

    previous = {name: os.environ.get(name) for name in ("BINGEWATCH_DATA_DOCS", "BINGEWATCH_DATA_DICTIONARY")}
    os.environ["BINGEWATCH_DATA_DOCS"] = "1"
    os.environ["BINGEWATCH_DATA_DICTIONARY"] = "1"  # the published night builds it (real dbt)
    try:
        settings = Settings(tmp_path_factory.mktemp("rendered") / "data")
        for back, rows in [(3, 380), (2, 420), (1, 410)]:
            day = RUN_DATE - timedelta(days=back)
            write_json(
                settings.run_dir(day) / "report.json",
                {
                    "received_date": day.isoformat(),
                    "status": "published",
                    "summary": "ok",
                    "raw_rows": rows,
                    "quarantined_rows": 18 + back,
                    "viewer_days_rows": 200 - 40 * back,
                    "viewer_days_recomputed": 80,
                    "notable_viewers": 2,
                    "validation_s": 2.5,
                    "blocking_failures": 0,
                    "figures": {"raw_rows": rows, "duplicate_share": 0.03},
                    "bands": {"raw_rows": {"low": 300, "high": 500}},
                    "quarantine_share_by_reason": {"null_key": 0.015, "unknown_title": 0.005},
                    "step_seconds": {"dbt_build": 20 + back, "validate_marts": 2.0},
                },
            )
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
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
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
    for name in (
        "viewer_days.key_unique",
        "warehouse.sessions_reconcile_with_viewer_days",
        "warehouse.viewer_days_volume_vs_recent_runs",
        "raw.event_type_known",
    ):
        assert name in dom, name
    from bingewatch.nightly.write_report import CHARTS

    assert dom.count('<figure class="chart"') == len(CHARTS) and dom.count("<svg") == len(CHARTS)
    # Dates on the time axis, the value (and the anomaly band) of each run on hover.
    raw_chart = dom[dom.index('id="raw_rows"') : dom.index("</figure>", dom.index('id="raw_rows"'))]
    for label in ("Mar 07", "Mar 08", "Mar 09", "Mar 10"):
        assert f">{label}</text>" in raw_chart, label
    assert "<title>2026-03-08: raw rows 420 (band 300 to 500)</title>" in raw_chart
    reasons = dom[dom.index('id="quarantine_by_reason"') :]
    assert "null_key" in reasons[: reasons.index("</figure>")]  # one line per reason, in the legend
    # The whole run on one page: the step timeline and links to the dictionary and Data Docs.
    for step in (
        "apply_erasures",
        "validate_raw_batch",
        "dbt_build",
        "stage_candidate",
        "validate_marts",
        "publish",
    ):
        assert f"<code>{step}</code>" in dom, step
    assert 'href="data_dictionary.html"' in dom
    assert f"data_docs/validations/raw_playback_events/{RUN_DATE}_" in dom

    # The whole page (steps, tables, anomalies, charts, checks) in one tall shot.
    png = screenshot(page, ARTIFACTS / "report-published.png", window=(1280, 6400))
    # The page grew (the arrivals section): the shot is 6400 px tall, not 4800, so shares of
    # small marks are scaled to keep the same pixel counts as before.
    tall = 4800 / 6400
    facts = looks_styled(png)
    census = facts["census"]
    assert facts["colours"] > 50 and facts["not_white"] > 0.05, facts["colours"]
    assert share(census, near("#e8f5ec")) > 0.002  # the green PUBLISHED banner
    # The timeline's bars are as long as the steps took (about 1,800 px in CI, more on a quiet
    # machine): the DOM holds one bar per timed step (the fixture times the two gates, the
    # candidate and publish), the pixels show the stylesheet painted them.
    assert dom.count('<div class="timeline"><span') == 4
    assert share(census, near("#0b63ce")) > 0.00005  # the step timeline's bars, this run's points
    assert share(census, near("#f4f6f8", 3)) > 0.005  # table headers
    assert share(census, near("#fff6e0")) > 0.0005  # the WARN row (raw.event_type_known)
    assert share(census, near("#c9daf0", 4)) > 0.0003 * tall  # the anomaly band behind the raw rows
    assert share(census, near("#9fb8d8", 12)) > 0.00005  # the earlier runs' lines and points


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
    # The anomaly suites run only with enough history (none here).
    suites = {name for checkpoint in ("raw_batch", "marts") for name in CHECKPOINTS[checkpoint]}
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
        p
        for p in (docs / "validations" / "warehouse_reconciliation").rglob("*.html")
        if "fa-times text-danger" in p.read_text()
    ]
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


def test_a_warning_only_night_shows_no_failure_mark_in_data_docs(rendered_site):
    """The published night failed only warning-severity expectations (raw.event_type_known):
    Data Docs draw them amber ("Warnings only"), never with the red failure mark."""
    settings, _, _ = rendered_site
    docs = settings.reports_dir / "data_docs"
    night = list((docs / "validations" / "raw_playback_events").glob(f"{RUN_DATE}_*/*/*.html"))
    assert len(night) == 1, night  # named run: <arrival date>_<run id>, not __none__
    assert not list(docs.rglob("__none__"))
    dom = re.sub(r"<style.*?</style>", "", dump_dom(night[0]), flags=re.S)  # the icon CSS names both
    assert "Warnings only" in dom and 'class="fas fa-exclamation-triangle text-warning"' in dom
    assert "fa-times" not in dom and dom.count("Failed") == dom.count("Failed Only")  # the toggle's label
    png = screenshot(night[0], ARTIFACTS / "data_docs-warning-only-validation.png")
    census = looks_styled(png)["census"]
    assert share(census, near("#ffc107", 12)) > 0.00005  # the amber warning icons
    # (GX's red "8 unexpected values found" sentence stays: it is a count, not a status mark.)
    assert share(census, near("#28a745")) > 0.0002  # the passed expectations stay green

    index = dump_dom(docs / "index.html")
    rows = re.findall(r"<tr>(.*?)</tr>", index[index.index("ge-index-page-validation-results-table") :], re.S)
    tonight = [row for row in rows if f"{RUN_DATE}_" in row]
    assert len(tonight) == len(CHECKPOINTS["raw_batch"]) + len(CHECKPOINTS["marts"])
    assert not any("fa-times" in row for row in tonight)  # warnings only, or passed
    assert any("fa-exclamation-triangle" in row and "raw_playback_events<" in row for row in tonight)
    failed_night = [row for row in rows if f"{NEXT_DATE}_" in row]
    assert any("fa-times" in row for row in failed_night)  # a critical failure stays red


def test_the_data_dictionary_lists_every_published_column_with_its_description(rendered_site):
    """dbt's static docs of the published schema, offline: each published table's page shows
    every column with the description from the dbt YAML."""
    import duckdb
    import yaml

    from bingewatch.data_dictionary import remote_references
    from bingewatch.settings import DBT_PROJECT_DIR

    settings, _, _ = rendered_site
    page = settings.reports_dir / "data_dictionary.html"
    assert page.is_file() and not remote_references(page.read_text())
    assert "data_dictionary.html" in (settings.reports_dir / "index.html").read_text()
    marts = DBT_PROJECT_DIR / "models" / "marts"
    models = yaml.safe_load((marts / "_marts__models.yml").read_text())["models"]
    sources = yaml.safe_load((marts / "_published__sources.yml").read_text())["sources"][0]["tables"]
    described = {
        node["name"]: {column["name"]: column.get("description") for column in node.get("columns", [])}
        for node in models + sources
    }
    fragments = {node["name"]: f"!/model/model.bingewatch.{node['name']}" for node in models}
    fragments.update(
        {node["name"]: f"!/source/source.bingewatch.published.{node['name']}" for node in sources}
    )
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        published = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'main'"
        ).fetchall()
    tables = sorted({table for table, _ in published})
    assert set(tables) == set(described)
    for table in tables:
        dom = dump_dom(page, fragment=fragments[table], wait_ms=8000)
        rendered = re.sub(r"<script.*?</script>", "", dom, flags=re.S)  # the page inlines its JSON
        for column in (c for t, c in published if t == table):
            description = described[table].get(column)
            assert description, f"{table}.{column} has no description in the dbt YAML"
            assert f'ng-binding">{column}</span>' in rendered, (table, column)
            assert description.strip() in rendered, (table, column, description)
    png = screenshot(
        page, ARTIFACTS / "data_dictionary-viewer_days.png", "!/model/model.bingewatch.viewer_days", 8000
    )
    assert looks_styled(png)["colours"] > 50  # dbt's styles are inline: a styled page offline


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
