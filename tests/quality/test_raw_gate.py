"""The raw-batch gate on the run's batch (the raw files the ledger has not processed, planned by
bingewatch.ledger): schema drift and unreadable files block, the rest warns."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from quality_fixtures import RAW_SQL, RUN_DATE, write_raw_partition

from bingewatch.nightly.plan_batch import plan_batch
from bingewatch.nightly.validate_raw_batch import unreadable_files
from bingewatch.nightly.validate_raw_batch import validate_raw_batch as validate_planned
from bingewatch.quality import QualityGateFailed
from bingewatch.records import write_json


def validate_raw_batch(settings, day):
    """Plan the batch as the DAG's plan_batch does, then validate it."""
    plan_batch(settings, day, "test-run")
    return validate_planned(settings, day)


def test_good_partition_passes_with_event_type_warning(settings):
    write_raw_partition(settings)
    summary = validate_raw_batch(settings, RUN_DATE)
    assert summary["success"] and summary["row_count"] == 400 and summary["files"] == 2
    assert summary["warning_failures"] == ["raw.event_type_known"]
    json.dumps(summary)  # an XCom
    record = json.loads((settings.run_dir(RUN_DATE) / "raw_batch.json").read_text())
    checks = {c["name"]: c for c in record["checks"]}
    assert {"raw.columns_and_types", "raw.non_empty"} <= set(checks)
    assert checks["raw.received_at_in_partition"]["success"]
    assert checks["raw.received_at_in_partition"]["unexpected_count"] == 0


def test_rows_received_outside_the_partition_warn(settings):
    write_raw_partition(settings, received_date=RUN_DATE + timedelta(days=1))
    summary = validate_raw_batch(settings, RUN_DATE + timedelta(days=1))
    assert "raw.received_at_in_partition" in summary["warning_failures"]


@pytest.mark.parametrize(
    ("drift", "sql"),
    [
        ("missing column", RAW_SQL.replace("'10.0.0.1' as ip_address,", "")),
        (
            "changed type",
            RAW_SQL.replace(
                "(i * 1000)::bigint as media_offset_ms", "(i * 1000)::varchar as media_offset_ms"
            ),
        ),
    ],
)
def test_schema_drift_blocks(settings, drift, sql):
    write_raw_partition(settings, sql=sql)
    with pytest.raises(QualityGateFailed, match="raw.columns_and_types"):
        validate_raw_batch(settings, RUN_DATE)
    record = json.loads((settings.run_dir(RUN_DATE) / "raw_batch.json").read_text())
    failed = next(c for c in record["checks"] if c["name"] == "raw.columns_and_types")
    assert failed["partial_unexpected_list"], drift  # the record names the drifted column
    assert any(name in str(failed["partial_unexpected_list"]) for name in ("ip_address", "media_offset_ms"))


def test_extra_column_only_warns(settings):
    write_raw_partition(
        settings, sql=RAW_SQL.replace("false as autoplay", "false as autoplay, 'x' as new_field")
    )
    summary = validate_raw_batch(settings, RUN_DATE)
    assert "raw.no_extra_columns" in summary["warning_failures"]


def test_empty_partition_warns(settings):
    write_raw_partition(settings, n=0, files=1)
    summary = validate_raw_batch(settings, RUN_DATE)
    assert summary["success"] and summary["row_count"] == 0
    assert "raw.non_empty" in summary["warning_failures"]


def test_nothing_new_is_recorded_without_running_the_suites(settings):
    """No unprocessed file (the partition's wait is what guards a missing night)."""
    summary = validate_raw_batch(settings, RUN_DATE)
    assert summary["success"] and summary["files"] == 0 and summary["row_count"] is None
    record = json.loads((settings.run_dir(RUN_DATE) / "raw_batch.json").read_text())
    assert [c["name"] for c in record["checks"]] == [
        "raw.batch_files_exist",
        "raw.partition",
        "raw.only_parquet_files",
        "raw.new_files",
    ]


def test_a_batch_of_several_dates_is_checked_in_one_gate(settings):
    write_raw_partition(settings, received_date=RUN_DATE - timedelta(days=2), files=1)
    write_raw_partition(settings)
    summary = validate_raw_batch(settings, RUN_DATE)
    assert summary["files"] == 3 and summary["row_count"] == 600
    assert summary["received_dates"] == [
        (RUN_DATE - timedelta(days=2)).isoformat(),
        RUN_DATE.isoformat(),
    ]
    assert "raw.received_at_in_partition" not in summary["warning_failures"]


def test_corrupt_parquet_blocks(settings):
    partition = write_raw_partition(settings)
    (partition / "part-9.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(QualityGateFailed, match="raw.files_readable") as failure:
        validate_raw_batch(settings, RUN_DATE)
    assert "part-9.parquet" in json.dumps(failure.value.record) or (
        "part-9.parquet" in (settings.run_dir(RUN_DATE) / "raw_batch.json").read_text()
    )


def test_every_unreadable_file_is_named_and_no_readable_one(settings):
    """The footers are read in one query; when it fails, each file is read alone to name them all."""
    partition = write_raw_partition(settings, files=2)
    good = sorted(partition.glob("*.parquet"))
    bad = [partition / "part-7.parquet", partition / "part-8.parquet"]
    bad[0].write_bytes(b"PAR1 this is not parquet")
    bad[1].write_bytes(b"")
    root = settings.events_dir
    assert unreadable_files(good, root) == []
    named = unreadable_files([good[0], bad[0], good[1], bad[1]], root)
    assert [entry.split(":")[0] for entry in named] == [
        f"{partition.name}/part-7.parquet",
        f"{partition.name}/part-8.parquet",
    ]
    with pytest.raises(QualityGateFailed, match="raw.files_readable"):
        validate_raw_batch(settings, RUN_DATE)
    record = json.loads((settings.run_dir(RUN_DATE) / "raw_batch.json").read_text())
    [check] = [c for c in record["checks"] if c["name"] == "raw.files_readable"]
    assert [entry.split(":")[0] for entry in check["observed_value"]] == [
        f"{partition.name}/part-7.parquet",
        f"{partition.name}/part-8.parquet",
    ]


def test_volume_against_recent_runs_warns(settings):
    for back in range(1, 4):
        day = RUN_DATE - timedelta(days=back)
        write_json(settings.run_dir(day) / "raw_batch.json", {"rows_per_night": 100_000})
    write_raw_partition(settings)
    summary = validate_raw_batch(settings, RUN_DATE)
    assert summary["volume_bounds"]["recent_median"] == 100_000
    assert "raw.volume_vs_recent_runs" in summary["warning_failures"]


def test_corrupt_pages_behind_a_valid_footer_block(settings):
    """Metadata reads fine, the data does not: the expectations error, and errors block."""
    partition = write_raw_partition(settings, files=1)
    path = partition / "part-0.parquet"
    data = bytearray(path.read_bytes())
    data[100:2000] = b"\xab" * 1900
    path.write_bytes(bytes(data))
    with pytest.raises(QualityGateFailed, match="could not run"):
        validate_raw_batch(settings, RUN_DATE)
    record = json.loads((settings.run_dir(RUN_DATE) / "raw_batch.json").read_text())
    assert any(c["exception"] for c in record["checks"] if not c["success"])
