"""The run report, Data Docs and data dictionary as the nightly DAG writes them (tiny run)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def _report_json(data_dir, day: str) -> dict:
    return json.loads((data_dir / "runs" / day / "report.json").read_text())


def test_the_report_shows_every_step_with_dbt_build_and_its_slowest_models(tiny_run):
    data_dir = tiny_run["data_dir"]
    days = sorted(tiny_run["manifest"]["per_received_date"])
    page = (data_dir / "reports" / f"{days[-1]}.html").read_text()
    for step in ("apply_erasures", "validate_raw_batch", "dbt_build", "stage_candidate", "validate_marts",
                 "publish"):  # fmt: skip
        assert f"<code>{step}</code>" in page, step
    seconds = _report_json(data_dir, days[-1])["step_seconds"]
    assert set(seconds) == {"apply_erasures", "validate_raw_batch", "dbt_build", "stage_candidate",
                            "validate_marts", "publish"}  # fmt: skip
    assert seconds["dbt_build"] == max(seconds.values())  # the longest step, now on the page
    dbt = json.loads((data_dir / "runs" / days[-1] / "dbt_build.json").read_text())
    assert len(dbt["slowest_models"]) == 5 and dbt["duration_s"] >= dbt["elapsed_s"] > 0
    assert "dbt_build: the slowest models" in page
    assert dbt["slowest_models"][0]["node"].split(".", 2)[-1] in page
    assert "No arrivals ledger record" in page  # the hook for the ledger's high-water mark


def test_gx_runs_are_named_by_night_and_linked_from_the_report(tiny_run):
    data_dir = tiny_run["data_dir"]
    days = sorted(tiny_run["manifest"]["per_received_date"])
    docs = data_dir / "reports" / "data_docs" / "validations"
    names = {run.name for suite in docs.iterdir() for run in suite.iterdir()}
    assert names and not any(name.startswith("__none__") for name in names)
    assert {name[:10] for name in names} == set(days)
    page = (data_dir / "reports" / f"{days[-1]}.html").read_text()
    assert f"data_docs/validations/viewer_days/{days[-1]}_" in page
    # Three nights are too little history for the anomaly checks: neither passed nor failed.
    marts = json.loads((data_dir / "runs" / days[-1] / "marts.json").read_text())
    anomalies = [c for c in marts["checks"] if c["name"].startswith("anomaly.")]
    assert anomalies and all(c["success"] is None for c in anomalies)


def test_the_data_dictionary_is_written_once_and_linked(tiny_run):
    data_dir = tiny_run["data_dir"]
    days = sorted(tiny_run["manifest"]["per_received_date"])
    statuses = [_report_json(data_dir, day)["data_dictionary"]["status"] for day in days]
    # dbt docs run only when the project or the published schema changed: the first night.
    assert statuses == ["written"] + ["unchanged"] * (len(days) - 1)
    page = data_dir / "reports" / "data_dictionary.html"
    assert page.is_file() and "viewer_days" in page.read_text()
    assert "data_dictionary.html" in (data_dir / "reports" / "index.html").read_text()
