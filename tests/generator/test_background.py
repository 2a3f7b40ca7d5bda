"""Background viewers look real and never come near a notable rule, even counting all viewing
as attended (upper bounds computed from the written events)."""

from __future__ import annotations

import pytest


def _bounds(con) -> dict:
    """Upper bounds over background profiles: 7-day hours, 7-day distinct completed episodes,
    longest run of days with >= 600 s of one show, longest block with gaps <= 30 min."""
    week_hours = con.execute("""
        with d as (select profile_id, local_date, sum(epoch(lb) - epoch(la)) as s from bg_pieces group by all)
        select coalesce(max(w), 0) / 3600 from (
            select e.profile_id, e.local_date, sum(x.s) as w
            from d as e join d as x
              on x.profile_id = e.profile_id and x.local_date between e.local_date - 6 and e.local_date
            group by all)
    """).fetchone()[0]
    week_episodes = con.execute("""
        with done as (
            select profile_id, title_id,
                   timezone(time_zone, timezone('UTC', end_ts))::DATE as d
            from sessions
            where profile_id not like 'planted-%' and title_type = 'episode'
              and max_offset_ms >= 0.9 * runtime_s * 1000
        ),
        days as (select distinct profile_id, d from done)
        select coalesce(max(n), 0) from (
            select e.profile_id, e.d, count(distinct w.title_id) as n
            from days as e join done as w on w.profile_id = e.profile_id and w.d between e.d - 6 and e.d
            group by all)
    """).fetchone()[0]
    streak = con.execute("""
        with show_days as (
            select p.profile_id, coalesce(s.series_id, s.title_id) as show_id, p.local_date
            from bg_pieces as p join sessions as s using (playback_session_id)
            where s.title_type in ('episode', 'film')
            group by all having sum(epoch(p.lb) - epoch(p.la)) >= 600
        ),
        runs as (
            select *, local_date - to_days((row_number() over (
                partition by profile_id, show_id order by local_date))::INT) as run_key
            from show_days
        )
        select coalesce(max(n), 0) from (select count(*) as n from runs group by profile_id, show_id, run_key)
    """).fetchone()[0]
    block = con.execute("""
        with iv as (
            select profile_id, a, b from intervals
            where profile_id not like 'planted-%'
              and event_type in ('start', 'playing', 'heartbeat', 'reposition') and next_ts is not null
        ),
        marked as (
            select *, case when a > max(b) over (partition by profile_id order by a, b
                                                 rows between unbounded preceding and 1 preceding)
                                     + interval 1800 second then 1 else 0 end as new_block
            from iv
        ),
        numbered as (select *, sum(new_block) over (partition by profile_id order by a, b) as blk from marked)
        select coalesce(max(h), 0) from (
            select (epoch(max(b)) - epoch(min(a))) / 3600 as h from numbered group by profile_id, blk)
    """).fetchone()[0]
    return {
        "week_hours": week_hours,
        "week_episodes": week_episodes,
        "streak_days": streak,
        "block_hours": block,
    }


@pytest.mark.parametrize("name", ["tiny", "sample"])
def test_background_stays_far_from_every_rule(name, request):
    b = _bounds(request.getfixturevalue(name).con)
    assert b["week_hours"] < 56, b  # threshold 70
    assert b["week_episodes"] < 90, b  # threshold 100
    assert b["streak_days"] <= 6, b  # threshold 18
    assert b["block_hours"] < 6, b  # threshold 12


def test_sample_looks_like_real_viewing(sample):
    con = sample.con
    evening = con.execute("""
        select sum(epoch(lb) - epoch(la)) filter (where hour(la) >= 17) / sum(epoch(lb) - epoch(la))
        from bg_pieces
    """).fetchone()[0]
    assert evening > 0.5
    night = con.execute("select count(*) from bg_pieces where hour(la) < 6").fetchone()[0]
    assert night > 0  # sittings run past local midnight
    kinds = dict(
        con.execute("""
        select title_type, count(*) from sessions where profile_id not like 'planted-%' group by all
    """).fetchall()
    )
    assert {"episode", "film", "trailer", "hook", "recap"} <= set(kinds)
    assert kinds["episode"] > kinds["film"] > 0
    zones = {r[0] for r in con.execute("select distinct time_zone from profiles").fetchall()}
    assert {"America/New_York", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo", "UTC"} <= zones
    per_account = con.execute(
        "select max(n) from (select count(*) as n from profiles group by account_id)"
    ).fetchone()[0]
    assert per_account >= 3
    devices = con.execute("select count(distinct device_type) from sessions").fetchone()[0]
    assert devices >= 8
    autoplayed = con.execute("""
        select count(*) filter (where autoplay and not is_interactive), count(*) filter (where not autoplay),
               count(*) filter (where is_interactive and autoplay)
        from sessions where profile_id not like 'planted-%'
    """).fetchone()
    assert all(n > 0 for n in autoplayed)
    film_minutes = con.execute(
        "select min(runtime_s), max(runtime_s) from titles where title_type = 'film'"
        " and title_id not like 'tt-pf-%' and title_id <> 'tt-a-winter-crown'"
    ).fetchone()
    assert 80 * 60 <= film_minutes[0] and film_minutes[1] <= 150 * 60
    heartbeat_gaps = con.execute("""
        select count(*) filter (where epoch(next_ts) - epoch(event_ts) = 60) / count(*)
        from intervals where event_type = 'heartbeat' and next_ts is not null
    """).fetchone()[0]
    assert heartbeat_gaps > 0.9
