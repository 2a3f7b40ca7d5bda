"""Anomaly checks against recent runs: a robust band, GX warnings, and the band on the chart."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from quality_fixtures import RUN_DATE

from bingewatch.nightly.stage_candidate import stage_candidate
from bingewatch.nightly.validate_marts import validate_marts
from bingewatch.nightly.write_report import write_report
from bingewatch.quality.anomalies import FIGURE_NAMES, NOT_ENOUGH_HISTORY, band, figures_from_candidate
from bingewatch.records import write_json


def test_the_band_is_the_median_plus_minus_k_scaled_mads():
    found = band([100, 102, 98, 101, 99, 150], k=3, min_runs=5, min_spread=0.0)
    # median 100.5, absolute deviations 0.5 1.5 2.5 0.5 1.5 49.5 -> MAD 1.5: the outlier 150
    # does not widen the band.
    assert found.median == 100.5
    assert found.spread == pytest.approx(3 * 1.4826 * 1.5)
    assert found.low < 98 and 106 < found.high < 108


def test_a_steady_history_gets_the_minimum_spread_and_too_little_history_gets_no_band():
    steady = band([0.03] * 6, k=3, min_runs=5, min_spread=0.05)
    assert steady.spread == pytest.approx(0.0015)  # 5 % of the median, not zero
    short = band([1000, 1000], k=3, min_runs=5, min_spread=0.05)
    assert short.low is None and short.high is None and short.history_runs == 2


def _write_good_history(settings, base: dict, nights: int = 6) -> None:
    """Earlier nights that passed and were published, with figures near ``base``."""
    for back in range(1, nights + 1):
        day = RUN_DATE - timedelta(days=back)
        jitter = 1 + (back % 3 - 1) * 0.01  # -1 %, 0, +1 %
        figures = {name: (value * jitter if value is not None else None) for name, value in base.items()}
        write_json(settings.run_dir(day) / "marts.json", {"success": True, "figures": figures})
        write_json(settings.run_dir(day) / "publish.json", {"published_at": f"{day}T03:00:00+00:00"})
        write_json(
            settings.run_dir(day) / "report.json",
            {
                "received_date": day.isoformat(),
                "status": "published",
                "summary": "ok",
                "raw_rows": figures["raw_rows"],
                "figures": figures,
            },
        )


def test_a_first_run_says_not_enough_history(settings, warehouse):
    candidate = stage_candidate(settings, RUN_DATE)
    summary = validate_marts(settings, candidate, RUN_DATE)
    assert summary["success"]
    record = json.loads((settings.run_dir(RUN_DATE) / "marts.json").read_text())
    anomaly_checks = [c for c in record["checks"] if c["name"].startswith("anomaly.")]
    assert len(anomaly_checks) == len(FIGURE_NAMES)
    for check in anomaly_checks:  # neither a pass nor a failure
        assert check["success"] is None and check["status"] == NOT_ENOUGH_HISTORY, check
        assert NOT_ENOUGH_HISTORY in check["observed_value"]
        assert check["name"] not in summary["warning_failures"]
    assert record["figures"]["raw_rows"] == 1000  # kept, so it becomes history
    page = write_report(settings, RUN_DATE).read_text()
    assert "NOT ENOUGH HISTORY" in page and "raw rows 1,000: not enough history" in page


def test_an_injected_volume_drop_raises_the_anomaly_warning_and_shows_on_the_chart(settings, warehouse):
    import duckdb

    base = figures_from_candidate(stage_candidate(settings, RUN_DATE), RUN_DATE)
    assert base["raw_rows"] == 1000
    _write_good_history(settings, base)
    # Tonight half the rows of the previous nights arrived; shares stay as they were.
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(
            "update run_accounting set raw_rows = 500, clean_rows = 475, duplicate_rows = 15, "
            "quarantined_rows = 10 where received_date = ?",
            [RUN_DATE],
        )
        con.execute("update quarantine_reasons set rows = rows / 2 where received_date = ?", [RUN_DATE])
    candidate = stage_candidate(settings, RUN_DATE)
    summary = validate_marts(settings, candidate, RUN_DATE)

    assert summary["success"]  # a warning: it never blocks
    assert [name for name in summary["warning_failures"] if name.startswith("anomaly.")] == [
        "anomaly.raw_rows"
    ]
    record = json.loads((settings.run_dir(RUN_DATE) / "marts.json").read_text())
    checks = {c["name"]: c for c in record["checks"]}
    volume = checks["anomaly.raw_rows"]
    assert volume["success"] is False and volume["severity"] == "warning"
    assert volume["figure"] == "raw_rows" and volume["suite"] == "anomaly_raw_rows"
    assert volume["observed_value"].startswith("raw rows 500, band [")  # names the figure
    for name in FIGURE_NAMES[1:]:  # the shares, notable share and watch time stayed in band
        assert checks[f"anomaly.{name}"]["success"] is True, checks[f"anomaly.{name}"]
    low, high = record["anomaly_bands"]["raw_rows"]["low"], record["anomaly_bands"]["raw_rows"]["high"]
    assert low < 1000 < high and not low <= 500 <= high

    page = write_report(settings, RUN_DATE).read_text()
    start = page.index('<figure class="chart" id="raw_rows"')
    chart = page[start : page.index("</figure>", start)]
    assert "outside its band on 2026-03-10" in chart
    assert f"<title>{RUN_DATE}: raw rows 500 (band " in chart and "OUTSIDE BAND</title>" in chart
    assert 'data-points="7"' in chart  # six good nights and tonight
    assert "#d62728" in chart  # the point outside its band is red
    assert "anomaly.raw_rows" in page and "WARN" in page
