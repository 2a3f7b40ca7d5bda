"""Inputs the gates must name rather than pass over: stray files, empty or missing partitions,
checks without a baseline, and a batch that is mostly quarantined."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import duckdb
import pytest
from quality_fixtures import RUN_DATE, build_warehouse, write_raw_partition

from bingewatch.nightly.publish import publish
from bingewatch.nightly.stage_candidate import stage_candidate
from bingewatch.nightly.validate_marts import validate_marts
from bingewatch.nightly.validate_raw_batch import validate_raw_batch
from bingewatch.nightly.wait_for_raw_partition import RawPartitionMissing, wait_for_raw_partition
from bingewatch.nightly.write_report import write_report
from bingewatch.quality import QualityGateFailed
from bingewatch.settings import Settings

NEXT_DATE = RUN_DATE + timedelta(days=1)


def _checks(settings, day, record="raw_batch.json") -> dict:
    return {c["name"]: c for c in json.loads((settings.run_dir(day) / record).read_text())["checks"]}


def test_a_file_that_is_not_parquet_is_named_in_the_raw_gate_and_the_report(settings):
    partition = write_raw_partition(settings)
    (partition / "part-2.csv").write_text("event_id\ne1\n")
    (partition / "_SUCCESS").write_text("")
    summary = validate_raw_batch(settings, RUN_DATE)
    assert summary["success"] and "raw.only_parquet_files" in summary["warning_failures"]
    assert _checks(settings, RUN_DATE)["raw.only_parquet_files"]["observed_value"] == [
        f"received_date={RUN_DATE}/_SUCCESS",
        f"received_date={RUN_DATE}/part-2.csv",
    ]
    page = write_report(settings, RUN_DATE).read_text()
    assert "raw.only_parquet_files" in page and "part-2.csv" in page


def test_only_parquet_files_pass_that_check(settings):
    write_raw_partition(settings)
    validate_raw_batch(settings, RUN_DATE)
    assert _checks(settings, RUN_DATE)["raw.only_parquet_files"]["success"]


def test_an_empty_partition_and_a_missing_one_read_differently(settings):
    validate_raw_batch(settings, RUN_DATE)  # nothing new: the record still says why
    missing = _checks(settings, RUN_DATE)["raw.partition"]["observed_value"]
    settings.events_partition(RUN_DATE).mkdir(parents=True)
    validate_raw_batch(settings, RUN_DATE)
    empty = _checks(settings, RUN_DATE)["raw.partition"]["observed_value"]
    assert missing.startswith("missing: no folder") and empty.startswith("empty: folder")


def test_the_sensor_tells_an_empty_partition_folder_from_a_missing_one(settings):
    with pytest.raises(RawPartitionMissing, match="not found at"):
        wait_for_raw_partition(settings, RUN_DATE, timeout_s=0)
    settings.events_partition(RUN_DATE).mkdir(parents=True)
    (settings.events_partition(RUN_DATE) / "events.csv").write_text("x\n")
    with pytest.raises(RawPartitionMissing, match=r"holds no Parquet file.*exists.*only events.csv"):
        wait_for_raw_partition(settings, RUN_DATE, timeout_s=0)


def test_a_volume_check_without_earlier_runs_is_not_evaluated_never_pass(settings):
    write_raw_partition(settings)
    summary = validate_raw_batch(settings, RUN_DATE)
    check = _checks(settings, RUN_DATE)["raw.volume_vs_recent_runs"]
    assert check["success"] is False and check["not_evaluated"] is True
    assert check["observed_value"].startswith("not evaluated: no earlier run")
    assert summary["success"] and summary["not_evaluated"] == ["raw.volume_vs_recent_runs"]
    assert "<td>NOT EVALUATED</td>" in write_report(settings, RUN_DATE).read_text()


@pytest.fixture(scope="module")
def first_night(tmp_path_factory):
    settings = Settings(tmp_path_factory.mktemp("gate_inputs_first_night") / "data")
    build_warehouse(settings.warehouse_path)
    candidate = stage_candidate(settings, RUN_DATE)
    summary = validate_marts(settings, candidate, RUN_DATE)
    assert summary["success"], summary
    publish(settings, candidate)
    return settings


@pytest.fixture
def next_night(settings, first_night):
    """A fresh copy of the first night, then one more arrival date with `raw` rows of which
    `quarantined`; returns the staged candidate."""

    def build(raw: int, quarantined: int):
        shutil.rmtree(settings.data_dir, ignore_errors=True)
        shutil.copytree(first_night.data_dir, settings.data_dir)
        with duckdb.connect(str(settings.warehouse_path)) as con:
            # The first night quarantined nothing, so only tonight's share is judged.
            con.execute(
                "update run_accounting set clean_rows = clean_rows + quarantined_rows, quarantined_rows = 0"
            )
            con.execute("delete from quarantine_reasons")
            con.execute(
                "insert into run_accounting values (?, ?, ?, 0, ?)",
                [NEXT_DATE, raw, raw - quarantined, quarantined],
            )
            con.execute("insert into quarantine_reasons values (?, 'null_key', ?)", [NEXT_DATE, quarantined])
        return stage_candidate(settings, NEXT_DATE)

    return build


def test_the_first_publication_s_collapse_check_is_not_evaluated(first_night):
    check = _checks(first_night, RUN_DATE, "marts.json")["viewer_days.no_row_count_collapse"]
    assert check["not_evaluated"] and check["observed_value"] == (
        "not evaluated: no earlier publication to compare the row count with"
    )


def test_an_unreadable_publication_leaves_the_collapse_check_not_evaluated(settings, next_night):
    candidate = next_night(1000, 0)
    settings.published_path.write_bytes(b"not a duckdb file")
    summary = validate_marts(settings, candidate, NEXT_DATE)
    check = _checks(settings, NEXT_DATE, "marts.json")["viewer_days.no_row_count_collapse"]
    assert check["success"] is False and check["not_evaluated"] is True
    assert "could not read viewer_days of" in check["observed_value"]
    assert "viewer_days.no_row_count_collapse" in summary["not_evaluated"]


def test_a_mostly_quarantined_batch_blocks_publication(settings, next_night):
    candidate = next_night(1000, 1000)  # every row had a null key: a broken producer
    before = settings.published_path.read_bytes()
    with pytest.raises(QualityGateFailed, match="run_accounting.quarantine_share_within_max") as failure:
        validate_marts(settings, candidate, NEXT_DATE)
    assert f"{NEXT_DATE}: 1,000 of 1,000 rows (100.0%)" in json.dumps(failure.value.record) or (
        f"{NEXT_DATE}: 1,000 of 1,000 rows (100.0%)"
        in (settings.run_dir(NEXT_DATE) / "marts.json").read_text()
    )
    assert settings.published_path.read_bytes() == before


def test_a_quarantine_share_from_1_to_20_percent_warns_and_publishes(settings, next_night):
    seen = {}
    for quarantined in (5, 15, 200):  # 0.5 %, 1.5 %, 20 % of 1,000 rows
        summary = validate_marts(settings, next_night(1000, quarantined), NEXT_DATE)
        assert summary["success"], quarantined
        seen[quarantined] = "run_accounting.quarantine_share" in summary["warning_failures"]
    assert seen == {5: False, 15: True, 200: True}


def test_the_quarantine_threshold_is_a_variable(settings, next_night, monkeypatch):
    monkeypatch.setenv("BINGEWATCH_MAX_QUARANTINE_SHARE", "0.04")
    with pytest.raises(QualityGateFailed, match="quarantine_share_within_max"):
        validate_marts(settings, next_night(1000, 50), NEXT_DATE)
