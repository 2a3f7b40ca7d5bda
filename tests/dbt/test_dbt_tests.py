"""dbt's own tests: the unit tests of model logic, and the data tests on a finished run."""

from __future__ import annotations

from datetime import date

import pytest

from bingewatch.settings import Settings
from bingewatch.transform import run_dbt

pytestmark = pytest.mark.slow


def test_dbt_unit_tests_pass(copy_of_tiny_run):
    """Every rule and sessionisation edge case (models/intermediate/_intermediate__unit_tests.yml)."""
    summary = run_dbt(
        Settings.from_env(copy_of_tiny_run),
        date(2026, 3, 4),
        date(2026, 3, 4),
        command="test",
        extra_args=["--select", "test_type:unit"],
        echo=None,
    )
    assert summary["statuses"].get("pass", 0) >= 11
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
