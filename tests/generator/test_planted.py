"""Planted viewers: present in the events, consistent with their rule, and the truth is exact."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from bingewatch.generator import generate

THRESHOLD = {"episodes_7d": 100, "watch_hours_7d": 70, "title_streak": 18, "marathon": 12}


def _truth(ds) -> list[dict]:
    with open(ds.dir / "raw" / "_generator" / "ground_truth.csv") as f:
        return list(csv.DictReader(f))


def _planted(ds) -> dict[str, dict]:
    return {p["profile_id"]: p for p in ds.manifest["planted"]}


def test_tiny_ground_truth_is_exactly_the_hand_computed_rows(tiny):
    rows = [(r["profile_id"], r["rule"], r["activity_date"], r["window_start_date"]) for r in _truth(tiny)]
    assert rows == [
        ("planted-binger-1", "episodes_7d", "2026-03-03", "2026-02-25"),
        ("planted-binger-1", "episodes_7d", "2026-03-04", "2026-02-26"),
        ("planted-late-1", "marathon", "2026-03-02", "2026-03-02"),
        ("planted-marathon-1", "marathon", "2026-03-02", "2026-03-02"),
        ("planted-midnight-1", "marathon", "2026-03-03", "2026-03-02"),
    ]
    metrics = {(r["profile_id"], r["activity_date"]): float(r["metric_value"]) for r in _truth(tiny)}
    assert metrics[("planted-binger-1", "2026-03-03")] == 110
    assert metrics[("planted-binger-1", "2026-03-04")] == 165
    assert all(v >= 12 for (pid, _), v in metrics.items() if pid != "planted-binger-1")
    assert tiny.manifest["ground_truth"]["rows"] == 5


def test_ground_truth_columns(tiny):
    header = (tiny.dir / "raw" / "_generator" / "ground_truth.csv").read_text().splitlines()[0]
    assert header == "profile_id,rule,activity_date,window_start_date,metric_value"


def test_sample_ground_truth_covers_every_rule(sample):
    rules = {r["rule"] for r in _truth(sample)}
    assert rules == set(THRESHOLD)
    by = {}
    for r in _truth(sample):
        by.setdefault((r["profile_id"], r["rule"]), []).append(r)
    streak = by[("planted-streak-1", "title_streak")]
    assert [(r["activity_date"], r["metric_value"]) for r in streak] == [
        ("2026-03-19", "18"),
        ("2026-03-20", "19"),
    ]
    assert {r["window_start_date"] for r in streak} == {"2026-03-02"}
    # The week ends on 2026-03-15; later days have no viewing, so no rows (activity dates only).
    assert [r["activity_date"] for r in by[("planted-watcher-1", "watch_hours_7d")]] == ["2026-03-15"]
    assert [r["activity_date"] for r in by[("planted-dst-1", "marathon")]] == ["2026-03-08"]
    binger = by[("planted-binger-1", "episodes_7d")]
    assert max(float(r["metric_value"]) for r in binger) == 188
    # every date whose window holds >= 100, including days after the binge stopped
    # Rows on the binge days only: 141 by March 5, 188 on March 6, then no viewing.
    assert [r["activity_date"] for r in binger] == ["2026-03-05", "2026-03-06"]


@pytest.mark.parametrize("name", ["tiny", "sample"])
def test_known_viewer_days_match_the_events(name, request):
    ds = request.getfixturevalue(name)
    con = ds.con
    got = {}
    for pid, d, watch, n_sessions in con.execute("""
        select profile_id, local_date::VARCHAR, round(sum(epoch(b) - epoch(a))),
               count(distinct playback_session_id)
        from pieces group by all
    """).fetchall():
        got[(pid, d)] = {"watch_time_s": watch, "sessions": n_sessions}
    started = dict(
        ((pid, d), n)
        for pid, d, n in con.execute("""
        select profile_id, timezone(time_zone, timezone('UTC', start_ts))::DATE::VARCHAR,
               count(distinct title_id)
        from sessions where profile_id like 'planted-%' group by all
    """).fetchall()
    )
    completed = dict(
        ((pid, d), n)
        for pid, d, n in con.execute("""
        select profile_id, timezone(time_zone, timezone('UTC', end_ts))::DATE::VARCHAR,
               count(distinct title_id)
        from sessions
        where profile_id like 'planted-%' and title_type = 'episode'
          and max_offset_ms >= 0.9 * runtime_s * 1000
        group by all
    """).fetchall()
    )
    known = ds.manifest["known_viewer_days"]
    assert known
    for k in known:
        key = (k["profile_id"], k["activity_date"])
        assert got[key]["watch_time_s"] == k["watch_time_s"], key
        assert got[key]["sessions"] == k["sessions"], key
        assert started.get(key, 0) == k["titles_started"], key
        assert completed.get(key, 0) == k["episodes_completed"], key
    excluded = {p["profile_id"] for p in ds.manifest["planted"] if p["analytics_opt_out"] or p["erased"]}
    assert {(pid, d) for pid, d in got if pid not in excluded} == {
        (k["profile_id"], k["activity_date"]) for k in known
    }


def test_ordinary_viewer_known_numbers(tiny):
    days = {(k["profile_id"], k["activity_date"]): k for k in tiny.manifest["known_viewer_days"]}
    one = days[("planted-ordinary-1", "2026-03-02")]
    assert (one["watch_time_s"], one["sessions"], one["episodes_completed"], one["unattended_s"]) == (
        4190,
        2,
        1,
        0,
    )
    assert days[("planted-ordinary-2", "2026-03-02")]["watch_time_s"] == 1800
    assert days[("planted-ordinary-2", "2026-03-03")]["watch_time_s"] == 1800


def _episodes_best_window(con, pid) -> int:
    return (
        con.execute(
            """
        with done as (
            select title_id, timezone(time_zone, timezone('UTC', end_ts))::DATE as d
            from sessions
            where profile_id = ? and is_interactive and title_type = 'episode'
              and max_offset_ms >= 0.9 * runtime_s * 1000
        )
        select max(n) from (
            select e.d, count(distinct w.title_id) as n
            from (select distinct d from done) as e
            join done as w on w.d between e.d - 6 and e.d
            group by all)
    """,
            [pid],
        ).fetchone()[0]
        or 0
    )


def _blocks(con, pid, attended_only=True, max_received=None):
    """Spans (hours, start, end) of merged watching intervals with gaps <= 30 min."""
    cond = "and s.is_interactive" if attended_only else ""
    recv = f"and i.received_at < TIMESTAMP '{max_received}'" if max_received else ""
    return con.execute(
        f"""
        with iv as (
            select i.a, i.b from intervals as i join sessions as s using (playback_session_id)
            where i.profile_id = ? and i.event_type in ('start', 'playing', 'heartbeat', 'reposition')
              and i.next_ts is not null {cond} {recv}
        ),
        marked as (
            select *, case when a > max(b) over (
                                         order by a, b rows between unbounded preceding and 1 preceding)
                                     + interval 1800 second then 1 else 0 end as new_block
            from iv
        ),
        numbered as (select *, sum(new_block) over (order by a, b) as blk from marked)
        select (epoch(max(b)) - epoch(min(a))) / 3600, min(a), max(b) from numbered group by blk order by 2
    """,
        [pid],
    ).fetchall()


def test_binger_and_near_miss_from_events(tiny):
    assert _episodes_best_window(tiny.con, "planted-binger-1") >= 100
    assert (
        _episodes_best_window(tiny.con, "planted-binger-near-1") == 95
        or _episodes_best_window(tiny.con, "planted-binger-near-1") < 100
    )


def test_marathons_and_near_misses_from_events(tiny):
    con = tiny.con
    for pid in ("planted-marathon-1", "planted-midnight-1", "planted-late-1"):
        assert max(h for h, *_ in _blocks(con, pid)) >= 12, pid
    for pid in ("planted-marathon-near-1", "planted-marathon-gap-1"):
        assert max(h for h, *_ in _blocks(con, pid)) < 12, pid
    assert len(_blocks(con, "planted-marathon-gap-1")) == 2
    # The TV: raw viewing is one long block, attended viewing is short.
    assert max(h for h, *_ in _blocks(con, "planted-tv-1", attended_only=False)) >= 12
    assert max(h for h, *_ in _blocks(con, "planted-tv-1")) < 3


def test_midnight_marathon_spans_two_local_dates(tiny):
    ((h, a, b),) = [x for x in _blocks(tiny.con, "planted-midnight-1") if x[0] >= 12]
    assert a.date() == date(2026, 3, 2) and b.date() == date(2026, 3, 3)  # Europe/London = UTC in March


def test_late_case_is_notable_only_with_late_data(tiny):
    con = tiny.con
    before = _blocks(con, "planted-late-1", max_received="2026-03-03 00:00:00")
    assert max(h for h, *_ in before) < 12
    assert max(h for h, *_ in _blocks(con, "planted-late-1")) >= 12
    late = con.execute("""
        select count(*) from clean where profile_id = 'planted-late-1' and received_date >= DATE '2026-03-04'
    """).fetchone()[0]
    assert late > 0


def test_planted_sessions_are_interactive_except_the_tv(tiny):
    rows = tiny.con.execute("""
        select profile_id, count(*) filter (where not is_interactive)
        from sessions where profile_id like 'planted-%' group by all
    """).fetchall()
    for pid, n in rows:
        assert (n > 0) == (pid == "planted-tv-1"), pid


def test_planted_profiles_live_in_normal_accounts(tiny):
    con = tiny.con
    planted = _planted(tiny)
    for pid, p in planted.items():
        others = con.execute(
            "select count(*) from profiles where account_id = ? and profile_id not like 'planted-%'",
            [p["account_id"]],
        ).fetchone()[0]
        assert (others > 0) != p["erased"], pid
    erased = con.execute(
        f"""select account_id from '{tiny.dir}/raw/erasure_requests/erasure_requests.parquet'"""
    ).fetchall()
    assert (planted["planted-erased-1"]["account_id"],) in erased
    assert con.execute(
        "select analytics_opt_out from profiles where profile_id = 'planted-optout-1'"
    ).fetchone()[0]
    assert {p["expected"] for p in planted.values()} >= {"notable", "near_miss", "not_notable", "excluded"}


def test_sample_streaks_from_events(sample):
    con = sample.con

    def longest(pid):
        days = [
            r[0]
            for r in con.execute(
                """
            select local_date from pieces as p join sessions as s using (playback_session_id)
            where p.profile_id = ? and s.is_interactive and s.title_type in ('episode', 'film')
            group by local_date, coalesce(s.series_id, s.title_id)
            having sum(epoch(p.b) - epoch(p.a)) >= 600 order by 1
        """,
                [pid],
            ).fetchall()
        ]
        best = run = 0
        for i, d in enumerate(days):
            run = run + 1 if i and days[i - 1] == d - timedelta(days=1) else 1
            best = max(best, run)
        return best

    assert longest("planted-streak-1") == 19
    assert longest("planted-streak-near-1") == 16
    assert longest("planted-streak-near-2") == 17


def test_sample_watch_hours_and_dst_from_events(sample):
    con = sample.con

    def best_week(pid):
        return con.execute(
            """
            with d as (
                select local_date, sum(epoch(b) - epoch(a)) as s from pieces where profile_id = ? group by 1)
            select max(w) / 3600 from (
                select sum(x.s) as w
                from d as e join d as x on x.local_date between e.local_date - 6 and e.local_date
                group by e.local_date)
        """,
            [pid],
        ).fetchone()[0]

    assert best_week("planted-watcher-1") == 72
    assert best_week("planted-watcher-near-1") == 66
    assert max(h for h, *_ in _blocks(con, "planted-dst-1")) >= 12
    ((h, a, b),) = _blocks(con, "planted-dst-near-1")
    assert h < 12
    # Local wall clocks show 12 h or more on the spring-forward night: a local-time bug would flag it.
    local = con.execute(
        """
        select epoch(timezone('America/Los_Angeles', timezone('UTC', ?::TIMESTAMP)))
             - epoch(timezone('America/Los_Angeles', timezone('UTC', ?::TIMESTAMP)))
    """,
        [b, a],
    ).fetchone()[0]
    assert local / 3600 >= 12


def test_short_runs_skip_what_does_not_fit(tmp_path):
    m = generate(tmp_path, scale="tiny", days=1)
    skipped = {s["profile_id"] for s in m["not_planted"]}
    assert {"planted-late-1", "planted-midnight-1", "planted-streak-1"} <= skipped
    planted = {p["profile_id"] for p in m["planted"]}
    assert not planted & skipped
    assert "planted-marathon-1" in planted


def test_late_arrival_dates_are_recorded(tiny):
    planted = _planted(tiny)
    assert planted["planted-late-1"]["late_arrival_dates"] == ["2026-03-04"]
    assert planted["planted-marathon-1"]["late_arrival_dates"] == []
