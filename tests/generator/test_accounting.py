"""The manifest's accounting matches what was written, row for row, per arrival date."""

from __future__ import annotations

import pytest

# docs/definitions.md, in precedence order
REASONS = (
    "null_key",
    "unknown_event_type",
    "unknown_profile",
    "unknown_title",
    "absurd_offset",
    "clock_in_future",
    "too_late",
)


def _check_accounting(ds):
    con, m = ds.con, ds.manifest
    got = {}
    for d, raw_rows, dups, *reasons in con.execute(f"""
        select received_date::VARCHAR, count(*), count(*) filter (where is_duplicate),
               {", ".join(f"count(*) filter (where reason = '{r}')" for r in REASONS)}
        from classified group by all order by 1
    """).fetchall():
        quarantined = dict(zip(REASONS, reasons, strict=True))
        got[d] = {"raw_rows": raw_rows, "duplicates": dups, "quarantined": quarantined}
    assert set(got) == set(m["per_received_date"])
    for d, entry in m["per_received_date"].items():
        assert entry["raw_rows"] == got[d]["raw_rows"], d
        assert entry["duplicates"] == got[d]["duplicates"], d
        assert entry["quarantined"] == got[d]["quarantined"], d
        assert entry["clean_rows"] == entry["raw_rows"] - entry["duplicates"] - entry["quarantined_total"]
        assert entry["quarantined_total"] == sum(entry["quarantined"].values())
    t = m["totals"]
    assert t["raw_rows"] == sum(e["raw_rows"] for e in m["per_received_date"].values())
    assert t["raw_rows"] == t["clean_rows"] + t["duplicates"] + t["quarantined_total"]


def test_tiny_accounting_matches_data(tiny):
    _check_accounting(tiny)


def test_sample_accounting_matches_data(sample):
    _check_accounting(sample)


@pytest.mark.parametrize("name", ["tiny", "sample"])
def test_every_reason_and_reality_is_present(name, request):
    m = request.getfixturevalue(name).manifest
    t = m["totals"]
    assert t["duplicates"] > 0
    assert all(t["quarantined"][r] > 0 for r in REASONS), t["quarantined"]
    assert m["late_arrivals"]["rows"] > 0
    assert m["sessions"]["missing_stopped"] > 0 and m["sessions"]["missing_start"] > 0
    assert m["sessions"]["with_orphan_heartbeats"] > 0


def test_duplicates_are_exact_copies_sometimes_in_later_partitions(sample):
    con = sample.con
    differing = con.execute("""
        select count(*) from (
            select event_id from classified where reason is null
            group by event_id having count(*) > 1
               and count(distinct (account_id, profile_id, playback_session_id, title_id, event_type,
                                   event_ts, media_offset_ms, device_type, country, ip_address,
                                   app_version, autoplay)) > 1)
    """).fetchone()[0]
    assert differing == 0
    later = con.execute("""
        select count(*) from classified as c
        where c.is_duplicate and c.received_date > (
            select min(received_date) from classified as o where o.event_id = c.event_id)
    """).fetchone()[0]
    assert later > 0


def test_orphan_heartbeats_match_data(sample):
    con, m = sample.con, sample.manifest
    got = dict(
        con.execute("""
        with ordered as (
            select received_date, playback_session_id, event_type,
                   row_number() over (partition by playback_session_id order by event_ts, event_id) as n
            from clean
        ),
        stops as (
            select *, min(case when event_type = 'stopped' then n end)
                          over (partition by playback_session_id) as stop_n
            from ordered
        )
        select received_date::VARCHAR, count(*) from stops where n > stop_n group by all
    """).fetchall()
    )
    want = {
        d: e["orphan_heartbeat_rows"] for d, e in m["per_received_date"].items() if e["orphan_heartbeat_rows"]
    }
    assert got == want


def test_late_rows_arrive_late_but_within_30_days(sample):
    m = sample.manifest
    hist = m["late_arrivals"]["rows_by_lateness_days"]
    assert sum(hist.values()) == m["late_arrivals"]["rows"]
    assert max(int(k) for k in hist) <= 29
    # Late sessions are never quarantined as too_late by construction.
    n = sample.con.execute("""
        select count(*) from clean where event_ts < received_at - interval 30 day
    """).fetchone()[0]
    assert n == 0


def test_erased_accounts_accounting_matches_data(tiny):
    con, m = tiny.con, tiny.manifest
    erased_dir = tiny.dir / "raw" / "erasure_requests" / "erasure_requests.parquet"
    got = dict(
        con.execute(f"""
        select received_date::VARCHAR, count(*) from classified
        where account_id in (select account_id from '{erased_dir}') group by all
    """).fetchall()
    )
    want = {d: e["raw_rows"] for d, e in m["erased_accounts"]["per_received_date"].items() if e["raw_rows"]}
    assert got == want and got  # the planted erased viewer at least
    dups = con.execute(f"""
        select count(*) from classified
        where is_duplicate and account_id in (select account_id from '{erased_dir}')
    """).fetchone()[0]
    assert dups == m["erased_accounts"]["totals"]["duplicates"]
