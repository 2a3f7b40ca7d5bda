"""The run report, Data Docs and data dictionary as the nightly DAG writes them (tiny run)."""

from __future__ import annotations

import json
import shutil

import pytest

pytestmark = pytest.mark.slow


def _report_json(data_dir, day: str) -> dict:
    return json.loads((data_dir / "runs" / day / "report.json").read_text())


def test_the_report_shows_every_step_with_dbt_build_and_its_slowest_models(tiny_run):
    data_dir = tiny_run["data_dir"]
    days = sorted(tiny_run["manifest"]["per_received_date"])
    page = (data_dir / "reports" / f"{days[-1]}.html").read_text()
    for step in (
        "apply_erasures",
        "validate_raw_batch",
        "dbt_build",
        "stage_candidate",
        "validate_marts",
        "publish",
    ):
        assert f"<code>{step}</code>" in page, step
    seconds = _report_json(data_dir, days[-1])["step_seconds"]
    assert set(seconds) == {
        "apply_erasures",
        "validate_raw_batch",
        "dbt_build",
        "stage_candidate",
        "validate_marts",
        "publish",
    }
    assert seconds["dbt_build"] == max(seconds.values())  # the longest step, now on the page
    dbt = json.loads((data_dir / "runs" / days[-1] / "dbt_build.json").read_text())
    assert len(dbt["slowest_models"]) == 5 and dbt["duration_s"] >= dbt["elapsed_s"] > 0
    assert "dbt_build: the slowest models" in page
    assert dbt["slowest_models"][0]["node"].split(".", 2)[-1] in page
    # The run caught up on the three arrival dates in one build: the Arrivals section says so.
    assert "new raw files built by this run</th><td class='num'>3</td>" in page
    assert f"<tr><th>high-water mark (arrival date)</th><td>{days[-1]}</td></tr>" in page


def test_gx_runs_are_named_by_night_and_linked_from_the_report(tiny_run):
    data_dir = tiny_run["data_dir"]
    days = sorted(tiny_run["manifest"]["per_received_date"])
    docs = data_dir / "reports" / "data_docs" / "validations"
    names = {run.name for suite in docs.iterdir() for run in suite.iterdir()}
    assert names and not any(name.startswith("__none__") for name in names)
    assert {name[:10] for name in names} == {days[-1]}  # one catch-up run, named by its date
    page = (data_dir / "reports" / f"{days[-1]}.html").read_text()
    assert f"data_docs/validations/viewer_days/{days[-1]}_" in page
    # Three nights are too little history for the anomaly checks: neither passed nor failed.
    marts = json.loads((data_dir / "runs" / days[-1] / "marts.json").read_text())
    anomalies = [c for c in marts["checks"] if c["name"].startswith("anomaly.")]
    assert anomalies and all(c["success"] is None for c in anomalies)


def test_the_data_dictionary_is_written_once_and_linked(tiny_run, copy_of_tiny_run, cli):
    data_dir = tiny_run["data_dir"]
    last = max(tiny_run["manifest"]["per_received_date"])
    assert _report_json(data_dir, last)["data_dictionary"]["status"] == "written"
    # dbt docs run only when the project or the published schema changed: not on the next
    # publication (a second file lands in the last date: its copies are duplicates).
    partition = copy_of_tiny_run / "raw" / "playback_events" / f"received_date={last}"
    shutil.copy(partition / "part-0.parquet", partition / "part-1.parquet")
    cli("run", data_dir=copy_of_tiny_run, env={"BINGEWATCH_DATA_DICTIONARY": "1"})
    assert _report_json(copy_of_tiny_run, last)["data_dictionary"]["status"] == "unchanged"
    page = data_dir / "reports" / "data_dictionary.html"
    assert page.is_file() and "viewer_days" in page.read_text()
    assert "data_dictionary.html" in (data_dir / "reports" / "index.html").read_text()
