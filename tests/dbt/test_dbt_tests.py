"""dbt's own tests: the unit tests of model logic, and the data tests on a finished run."""

from __future__ import annotations

from datetime import date

import pytest

from bingewatch.nightly.dbt_build import run_dbt
from bingewatch.settings import Settings

pytestmark = pytest.mark.slow(minutes=2)


def _declared_unit_tests() -> list[str]:
    import yaml

    from bingewatch.settings import DBT_PROJECT_DIR

    return [
        test["name"]
        for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml"))
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])
    ]


def test_dbt_unit_tests_pass(copy_of_tiny_run):
    """Every unit test the YAML declares ran and passed: one that vanished (a bad selector, a
    model renamed under it, a YAML file dbt no longer reads) fails the count."""
    summary = run_dbt(
        Settings.from_env(copy_of_tiny_run),
        date(2026, 3, 4),
        date(2026, 3, 4),
        command="test",
        extra_args=["--select", "test_type:unit"],
        echo=None,
    )
    declared = _declared_unit_tests()
    assert len(declared) == len(set(declared)) >= 12
    assert summary["statuses"].get("pass") == len(declared)
    assert set(summary["statuses"]) <= {"pass", "success"}  # "success": dbt's on-run-start hook
    assert summary["failed"] == []


def test_dbt_data_tests_pass_on_the_finished_run(copy_of_tiny_run):
    """Keys, accepted values, accounting and the watch-time bound, on the tiny run's tables."""
    summary = run_dbt(
        Settings.from_env(copy_of_tiny_run),
        date(2026, 3, 4),
        date(2026, 3, 4),
        command="test",
        extra_args=["--exclude-resource-type", "unit_test"],
        echo=None,
    )
    assert summary["statuses"].get("pass", 0) >= 30
    assert summary["failed"] == []


def test_a_failing_node_is_named_with_its_message(copy_of_tiny_run):
    """What the dbt_build alert says: which node failed and dbt's own words for why."""
    import duckdb

    from bingewatch.nightly.dbt_build import DbtBuildFailed

    settings = Settings.from_env(copy_of_tiny_run)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into viewer_days select * from viewer_days limit 1")
    with pytest.raises(DbtBuildFailed) as failure:
        run_dbt(
            settings,
            date(2026, 3, 4),
            date(2026, 3, 4),
            command="test",
            extra_args=["--select", "viewer_days", "--exclude-resource-type", "unit_test"],
            echo=None,
        )
    message = str(failure.value)
    assert "test.bingewatch.unique_combination_of_columns_viewer_days" in message
    assert "Got 1 result, configured to fail if != 0" in message
    assert failure.value.retryable is False, "a data test that found bad rows would fail again"


def test_a_failure_before_any_node_ran_carries_dbt_s_own_words(copy_of_tiny_run):
    """A parse error leaves no run_results: the error then quotes dbt's last lines, not 'see above'."""
    from bingewatch.nightly.dbt_build import DbtBuildFailed

    with pytest.raises(DbtBuildFailed) as failure:
        run_dbt(
            Settings.from_env(copy_of_tiny_run),
            date(2026, 3, 4),
            date(2026, 3, 4),
            command="ls",
            extra_args=["--vars", "{not: [closed"],
            echo=None,
        )
    message = str(failure.value)
    assert "dbt said:" in message
    assert "vars" in message.lower(), message
    assert failure.value.retryable is True


def test_dbt_docs_generate_offline_and_document_every_model(copy_of_tiny_run):
    import json

    settings = Settings.from_env(copy_of_tiny_run)
    run_dbt(settings, date(2026, 3, 4), date(2026, 3, 4), command="docs generate", echo=None)
    target = settings.warehouse_dir / "dbt_target"
    html = (target / "index.html").read_text()
    assert '<script src="http' not in html and '<link href="http' not in html
    manifest = json.loads((target / "manifest.json").read_text())
    undocumented = [
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and not node["description"].strip()
    ]
    assert undocumented == []


# Views over the batch's raw files: their key (the file and row number the Parquet reader gives)
# is tested where their rows are stored (int_playback_events_valid and _quarantined, on the run's
# dates); a test on a view would read the batch's files once more.
KEY_TESTED_DOWNSTREAM = {"stg_raw__playback_events", "int_playback_events_classified"}
KEY_TESTS = {"unique", "unique_combination_of_columns", "unique_within_run"}


def test_every_model_states_its_grain_describes_its_columns_and_tests_its_key(copy_of_tiny_run):
    """The grain in one sentence ("One row per ..."), a description for every column the
    built model has (the catalog's columns, not only the declared ones), and a key test."""
    import json

    settings = Settings.from_env(copy_of_tiny_run)
    run_dbt(settings, date(2026, 3, 4), date(2026, 3, 4), command="docs generate", echo=None)
    target = settings.warehouse_dir / "dbt_target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    models = {key: node for key, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    assert [n["name"] for n in models.values() if not n["description"].startswith("One row per")] == []
    undescribed = [
        f"{models[key]['name']}.{column}"
        for key, node in catalog["nodes"].items()
        if key in models
        for column in node["columns"]
        if not models[key]["columns"].get(column, {}).get("description", "").strip()
    ]
    assert undescribed == []
    keyed = {
        node["attached_node"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and (node.get("test_metadata") or {}).get("name") in KEY_TESTS
    }
    unkeyed = {node["name"] for key, node in models.items() if key not in keyed}
    assert unkeyed == KEY_TESTED_DOWNSTREAM
