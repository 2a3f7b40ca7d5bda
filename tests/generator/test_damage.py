"""Damage helpers: each produces the broken partition it promises and records it."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bingewatch.generator import damage, generate

D1, D2 = date(2026, 3, 2), date(2026, 3, 3)


@pytest.fixture
def two_days(tmp_path):
    generate(tmp_path, scale="tiny", days=2)
    return tmp_path


def _part(root, d):
    return root / "raw" / "playback_events" / f"received_date={d.isoformat()}" / "part-0.parquet"


def test_empty_partition_keeps_schema(two_days):
    before = pq.read_schema(_part(two_days, D2))
    m = damage.empty_partition(two_days, D2)
    assert pq.read_metadata(_part(two_days, D2)).num_rows == 0
    assert pq.read_schema(_part(two_days, D2)).equals(before)
    assert m["per_received_date"][D2.isoformat()]["damage"] == "empty"
    assert m["ground_truth_valid"] is False  # planted rows arrived that day


def test_missing_and_corrupt_partitions(two_days):
    damage.remove_partition(two_days, D2)
    assert not _part(two_days, D2).parent.exists()
    damage.corrupt_partition(two_days, D1)
    with pytest.raises(pa.ArrowInvalid):
        pq.read_table(_part(two_days, D1))
    with pytest.raises(ValueError):
        damage.corrupt_partition(two_days, D2)


@pytest.mark.parametrize(
    "kind, check",
    [
        ("extra_column", lambda s: "client_build" in s.names),
        ("missing_column", lambda s: "app_version" not in s.names),
        ("changed_type", lambda s: str(s.field("media_offset_ms").type) == "string"),
    ],
)
def test_schema_drift(two_days, kind, check):
    m = damage.drift_schema(two_days, D1, kind)
    assert check(pq.read_schema(_part(two_days, D1)))
    assert m["damage"] == [{"received_date": "2026-03-02", "damage": f"schema_drift:{kind}"}]


def test_unknown_drift_raises(two_days):
    with pytest.raises(ValueError, match="unknown schema drift"):
        damage.drift_schema(two_days, D1, "rename")
