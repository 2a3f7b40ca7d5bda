"""Fixtures for the generator tests: generated data sets and a small reference reader.

The reference reader applies docs/definitions.md to the written Parquet with DuckDB (row
classification, deduplication, session intervals) independently of the generator's own code,
so the tests compare what was written against what the manifest and ground truth claim.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from bingewatch.generator import generate

os.environ.setdefault("DO_NOT_TRACK", "1")


def load(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with views: raw, classified (reason, is_duplicate), clean, intervals,
    sessions, pieces (planted intervals split at local midnight, UTC bounds) and bg_pieces
    (background intervals split at local midnight, local bounds la/lb)."""
    raw = data_dir / "raw"
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    con.execute(f"""create view raw as select * from read_parquet(
        '{raw.as_posix()}/playback_events/*/*.parquet', hive_partitioning = true,
        filename = true, file_row_number = true)""")
    con.execute(f"create view profiles as select * from '{raw.as_posix()}/profiles/profiles.parquet'")
    con.execute(f"create view titles as select * from '{raw.as_posix()}/titles/titles.parquet'")
    con.execute("""
        create table classified as
        with reasons as (
            select r.*, t.title_type, t.series_id, t.runtime_s, p.time_zone,
                case
                    when r.event_id is null or r.profile_id is null or r.playback_session_id is null
                         or r.title_id is null or r.event_type is null or r.event_ts is null then 'null_key'
                    when r.event_type not in
                         ('start', 'playing', 'paused', 'reposition', 'heartbeat', 'stopped')
                        then 'unknown_event_type'
                    when p.profile_id is null then 'unknown_profile'
                    when t.title_id is null then 'unknown_title'
                    when r.media_offset_ms < 0 or r.media_offset_ms > t.runtime_s * 1000 + 60000
                        then 'absurd_offset'
                    when r.event_ts > r.received_at + interval 10 minute then 'clock_in_future'
                    when r.event_ts < r.received_at - interval 30 day then 'too_late'
                end as reason
            from raw as r
            left join profiles as p on p.profile_id = r.profile_id
            left join titles as t on t.title_id = r.title_id
        )
        select * from reasons
    """)
    # Only event ids seen more than once need ordering: the first valid copy is kept.
    con.execute("""
        create table repeated as
        with multi as (
            select event_id from classified where reason is null group by all having count(*) > 1
        )
        select filename, file_row_number,
               row_number() over (partition by c.event_id
                                  order by received_at, received_date, filename, file_row_number) > 1
                   as is_duplicate
        from classified as c join multi using (event_id)
        where c.reason is null
    """)
    con.execute("""
        create or replace table classified as
        select c.*, coalesce(r.is_duplicate, false) as is_duplicate
        from classified as c left join repeated as r using (filename, file_row_number)
    """)
    con.execute("create view clean as select * from classified where reason is null and not is_duplicate")
    con.execute("""
        create table intervals as
        with stops as (
            select playback_session_id, min(event_ts) as stop_ts, arg_min(event_id, event_ts) as stop_id
            from clean where event_type = 'stopped' group by all
        ),
        kept as (
            select c.*
            from clean as c left join stops as s using (playback_session_id)
            where s.stop_ts is null or c.event_ts < s.stop_ts
               or (c.event_ts = s.stop_ts and c.event_id <= s.stop_id)
        ),
        nexted as (
            select *, lead(event_ts) over (partition by playback_session_id order by event_ts, event_id)
                          as next_ts
            from kept
        )
        select *, event_ts as a, least(next_ts, event_ts + interval 300 second) as b
        from nexted
    """)
    con.execute("""
        create table sessions as
        select playback_session_id, any_value(profile_id) as profile_id, any_value(title_id) as title_id,
               any_value(title_type) as title_type, any_value(series_id) as series_id,
               any_value(runtime_s) as runtime_s, any_value(time_zone) as time_zone,
               any_value(device_type) as device_type, bool_or(autoplay) as autoplay,
               not bool_or(autoplay) or bool_or(event_type in ('paused', 'reposition')) as is_interactive,
               min(event_ts) as start_ts, max(event_ts) as end_ts, max(media_offset_ms) as max_offset_ms,
               sum(case when event_type in ('start', 'playing', 'heartbeat', 'reposition')
                             and next_ts is not null
                        then epoch(b) - epoch(a) else 0 end) as watch_s
        from intervals group by all
    """)
    con.execute("""
        create table pieces as
        with w as (
            select i.profile_id, i.playback_session_id, i.a, i.b, s.time_zone,
                   timezone(s.time_zone, timezone('UTC', i.a)) as la,
                   timezone(s.time_zone, timezone('UTC', i.b)) as lb
            from intervals as i join sessions as s using (playback_session_id)
            where i.event_type in ('start', 'playing', 'heartbeat', 'reposition') and i.next_ts is not null
              and i.b > i.a and i.profile_id like 'planted-%'
        ),
        cut as (
            select *, timezone('UTC', timezone(time_zone, lb::DATE::TIMESTAMP)) as c from w
        )
        select profile_id, playback_session_id, la::DATE as local_date, a,
               case when la::DATE <> lb::DATE then c else b end as b
        from cut
        union all
        select profile_id, playback_session_id, lb::DATE, c, b
        from cut where la::DATE <> lb::DATE and c < b
    """)
    # Background: the same split with one UTC offset per session (exact except for a session
    # running through a DST change at night; only used for bounds with a wide margin).
    con.execute("""
        create table bg_pieces as
        with off as (
            select playback_session_id, profile_id,
                   timezone(time_zone, timezone('UTC', start_ts)) - start_ts as utc_offset
            from sessions where profile_id not like 'planted-%'
        ),
        w as (
            select i.profile_id, i.playback_session_id, i.a + o.utc_offset as la, i.b + o.utc_offset as lb
            from intervals as i join off as o using (playback_session_id)
            where i.event_type in ('start', 'playing', 'heartbeat', 'reposition') and i.next_ts is not null
              and i.b > i.a
        )
        select profile_id, playback_session_id, la::DATE as local_date, la,
               case when la::DATE <> lb::DATE then lb::DATE::TIMESTAMP else lb end as lb
        from w
        union all
        select profile_id, playback_session_id, lb::DATE, lb::DATE::TIMESTAMP, lb
        from w where la::DATE <> lb::DATE and lb::DATE::TIMESTAMP < lb
    """)
    return con


def manifest_of(data_dir: Path) -> dict:
    return json.loads((data_dir / "raw" / "_generator" / "manifest.json").read_text())


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> SimpleNamespace:
    d = tmp_path_factory.mktemp("tiny")
    messages: list[str] = []
    manifest = generate(d, scale="tiny", progress=messages.append)
    return SimpleNamespace(dir=d, manifest=manifest, messages=messages, con=load(d))


@pytest.fixture(scope="session")
def sample(built_once) -> SimpleNamespace:
    """The sample preset, generated once per session (its files are only read); each worker
    that uses it loads its own reference reader."""
    d = built_once("generator-sample", lambda path: generate(path, scale="sample"))
    return SimpleNamespace(dir=d, manifest=manifest_of(d), con=load(d))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: uses the `sample` data set (about 40 s to build and read)")


def pytest_collection_modifyitems(items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "sample" in getattr(item, "fixturenames", ()) or "sample" in params.values():
            item.add_marker(pytest.mark.slow)
