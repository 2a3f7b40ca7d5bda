"""Which dbt failures the DAG retries: transient ones; never those the same data would repeat."""

from __future__ import annotations

import json

import pytest

from bingewatch.nightly.dbt_build import _summarise, is_retryable


def _results(tmp_path, *results: tuple[str, str]):
    path = tmp_path / "run_results.json"
    path.write_text(
        json.dumps(
            {
                "elapsed_time": 1.0,
                "results": [
                    {"unique_id": f"model.bingewatch.m{i}", "status": status, "message": message}
                    for i, (status, message) in enumerate(results)
                ],
            }
        )
    )
    return _summarise(path)


@pytest.mark.parametrize(
    "message",
    [
        'Runtime Error in model stg_raw__profiles: Not implemented Error: Unknown TimeZone "Mars/Olympus"!',
        "Runtime Error: Conversion Error: Could not convert string 'about an hour' to INT32",
        'Runtime Error: Binder Error: Referenced column "runtime_s" not found',
    ],
)
def test_a_deterministic_database_error_is_not_retried(tmp_path, message):
    assert is_retryable(_results(tmp_path, ("success", ""), ("error", message))) is False


@pytest.mark.parametrize(
    "message",
    [
        'Runtime Error: IO Error: Could not set lock on file "warehouse/bingewatch.duckdb"',
        "Runtime Error: IO Error: No space left on device",
        "Runtime Error: Out of Memory Error: could not allocate block",
    ],
)
def test_a_transient_error_is_retried(tmp_path, message):
    assert is_retryable(_results(tmp_path, ("error", message))) is True


def test_a_data_test_that_found_rows_is_not_retried_but_a_transient_error_beside_it_is(tmp_path):
    assert is_retryable(_results(tmp_path, ("fail", "Got 1 result, configured to fail if != 0"))) is False
    mixed = _results(tmp_path, ("fail", "Got 1 result"), ("error", "IO Error: Could not set lock"))
    assert is_retryable(mixed) is True
