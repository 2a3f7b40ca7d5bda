"""The public API: arguments, layout, Parquet types, progress and determinism."""

from __future__ import annotations

import hashlib
from datetime import date

import pyarrow.parquet as pq
import pytest

from bingewatch.generator import generate


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale": "huge"}, "unknown scale"),
        ({"days": 0}, "days must be"),
        ({"days": -3}, "days must be"),
        ({"days": 2.5}, "days must be"),
        ({"days": "3"}, "days must be"),
        ({"days": True}, "days must be"),
        ({"seed": -1}, "seed must be"),
        ({"start_date": "2026-03-02"}, "start_date must be"),
        ({"duplicate_rate": 1.5}, "rate duplicate_rate"),
        ({"no_such_rate": 0.1}, "unknown rate"),
        ({"null_key_rate": 0.3, "too_late_rate": 0.3}, "add up to"),
    ],
)
def test_bad_arguments_raise_value_error(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, **kwargs)
    assert not (tmp_path / "raw" / "playback_events").exists()


def test_layout_one_partition_per_arrival_date(tiny):
    raw = tiny.dir / "raw"
    parts = sorted(p.name for p in (raw / "playback_events").iterdir())
    assert parts == ["received_date=2026-03-02", "received_date=2026-03-03", "received_date=2026-03-04"]
    for p in parts:
        assert [f.name for f in (raw / "playback_events" / p).iterdir()] == ["part-0.parquet"]
    for rel in (
        "profiles/profiles.parquet",
        "titles/titles.parquet",
        "erasure_requests/erasure_requests.parquet",
        "_generator/manifest.json",
        "_generator/ground_truth.csv",
    ):
        assert (raw / rel).is_file(), rel
    assert not [p for p in raw.iterdir() if p.name.startswith(".generator-tmp")]
    assert len(tiny.messages) == 3 and all("2026-03-0" in m for m in tiny.messages)


def test_parquet_types_match_the_contract(tiny):
    raw = tiny.dir / "raw"
    events = pq.read_schema(raw / "playback_events" / "received_date=2026-03-02" / "part-0.parquet")
    want = {
        "event_id": "string",
        "account_id": "string",
        "profile_id": "string",
        "playback_session_id": "string",
        "title_id": "string",
        "event_type": "string",
        "event_ts": "timestamp[us]",
        "received_at": "timestamp[us]",
        "media_offset_ms": "int64",
        "device_type": "string",
        "country": "string",
        "ip_address": "string",
        "app_version": "string",
        "autoplay": "bool",
    }
    assert {f.name: str(f.type) for f in events} == want
    profiles = pq.read_schema(raw / "profiles" / "profiles.parquet")
    assert {f.name: str(f.type) for f in profiles} == {
        "profile_id": "string",
        "account_id": "string",
        "time_zone": "string",
        "country": "string",
        "created_at": "timestamp[us]",
        "analytics_opt_out": "bool",
    }
    titles = pq.read_schema(raw / "titles" / "titles.parquet")
    assert {f.name: str(f.type) for f in titles} == {
        "title_id": "string",
        "title_type": "string",
        "series_id": "string",
        "series_title": "string",
        "season_number": "int32",
        "episode_number": "int32",
        "title": "string",
        "runtime_s": "int32",
        "release_date": "date32[day]",
    }
    erasure = pq.read_schema(raw / "erasure_requests" / "erasure_requests.parquet")
    assert {f.name: str(f.type) for f in erasure} == {"account_id": "string", "requested_at": "timestamp[us]"}


def test_received_date_matches_received_at(tiny):
    bad = tiny.con.execute("select count(*) from raw where received_at::DATE <> received_date").fetchone()[0]
    assert bad == 0


def _table_digests(data_dir) -> dict:
    """Content hash of every written table (row order included)."""
    out = {}
    for f in sorted((data_dir / "raw").rglob("*.parquet")):
        t = pq.read_table(f)
        out[str(f.relative_to(data_dir))] = hashlib.sha256(repr(t.to_pylist()).encode()).hexdigest()
    return out


def test_same_seed_gives_identical_tables(tiny, tmp_path):
    again = tmp_path / "again"
    manifest = generate(again, scale="tiny")
    assert _table_digests(again) == _table_digests(tiny.dir)
    assert manifest == tiny.manifest
    truth = "raw/_generator/ground_truth.csv"
    assert (again / truth).read_text() == (tiny.dir / truth).read_text()


def test_other_seed_gives_other_data(tiny, tmp_path):
    other = tmp_path / "other"
    manifest = generate(other, scale="tiny", seed=7)
    a, b = _table_digests(other), _table_digests(tiny.dir)
    assert a.keys() == b.keys()
    assert (
        a["raw/playback_events/received_date=2026-03-02/part-0.parquet"]
        != b["raw/playback_events/received_date=2026-03-02/part-0.parquet"]
    )
    assert manifest["seed"] == 7
    # The planted truth does not depend on the seed.
    truth = "raw/_generator/ground_truth.csv"
    assert (other / truth).read_text() == (tiny.dir / truth).read_text()


def test_rerun_with_fewer_days_leaves_no_stale_partition(tmp_path):
    generate(tmp_path, scale="tiny", days=2)
    m = generate(tmp_path, scale="tiny", days=1, start_date=date(2026, 4, 1))
    parts = sorted(p.name for p in (tmp_path / "raw" / "playback_events").iterdir())
    assert parts == ["received_date=2026-04-01"]
    assert list(m["per_received_date"]) == ["2026-04-01"]


def test_rate_override_is_applied_and_recorded(tmp_path):
    m = generate(tmp_path, scale="tiny", days=1, duplicate_rate=0.0, null_key_rate=0.0)
    assert m["rates"]["duplicate_rate"] == 0.0
    assert m["totals"]["duplicates"] == 0
    assert m["totals"]["quarantined"]["null_key"] == 0


def test_keys_are_unique(tiny):
    con = tiny.con
    assert con.execute("select count(*) - count(distinct title_id) from titles").fetchone()[0] == 0
    assert con.execute("select count(*) - count(distinct profile_id) from profiles").fetchone()[0] == 0
    # every event_id that occurs twice is a resent copy of the same row
    assert (
        con.execute("""
        select count(*) from (
            select event_id from classified where event_id is not null and reason is null
            group by event_id having count(*) - count(*) filter (where is_duplicate) <> 1)
    """).fetchone()[0]
        == 0
    )
