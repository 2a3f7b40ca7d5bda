"""The SQL the expectation suites run: query assets and the longer unexpected-rows queries.

``bingewatch.quality.suites`` puts them into expectations; the gates reuse some of them (the
reconciliation sample after a failure). ``{batch}`` is GX's placeholder for the asset's rows.
None of them returns a ``viewer_key`` or a raw identifier among its rows: GX stores those rows
in its results and Data Docs, which an erasure does not rewrite.
"""

from __future__ import annotations

from bingewatch.contract import DIRECT_IDENTIFIERS, RAW_COLUMNS

# The notable-share bound needs a population: below this many active viewers (the public
# aggregates' minimum group size) a share is not checked.
MIN_ACTIVE_FOR_SHARE = 10


def sql_values(pairs: dict[str, str]) -> str:
    """``('name', 'type'), ...``: a mapping as the rows of a SQL ``values`` list."""
    return ", ".join(f"('{name}', '{type_}')" for name, type_ in pairs.items())


# One row per contract or observed column of the raw batch; `drift` says what is wrong, if anything.
RAW_SCHEMA_DRIFT = (
    "select coalesce(contract.column_name, observed.column_name) as column_name, "
    "case when observed.column_name is null then 'missing column ' || "
    "contract.column_name when contract.column_name is not null and observed.data_type "
    "<> contract.data_type then contract.column_name || ' is ' || observed.data_type || "
    "', expected ' || contract.data_type end as drift, case when contract.column_name "
    "is null then observed.column_name end as extra_column from (values "
    + sql_values(RAW_COLUMNS)
    + ") as contract(column_name, data_type) full outer join (select column_name, "
    "data_type from information_schema.columns where table_schema = 'main' and "
    "table_name = 'playback_events') as observed "
    "on observed.column_name = contract.column_name"
)

# ltrim with a character set strips every leading hex digit: anything left is not hex. An order
# of magnitude faster on DuckDB than regexp_full_match(viewer_key, '[0-9a-f]{64}').
VIEWER_KEY_BAD = (
    "select length(viewer_key) as key_length from {batch} "
    "where viewer_key is not null and (length(viewer_key) <> 64 "
    "or ltrim(viewer_key, '0123456789abcdef') <> '')"
)
# Duplicate (viewer_key, activity_date): group on a 64-bit hash first (cheap), then confirm
# on the real key, so a hash collision can never block a run. The rows name the date and the
# number of copies, never the viewer_key (GX stores them). ~7x faster than GX's
# expect_compound_columns_to_be_unique on 6M rows.
VIEWER_DAY_DUPLICATES = (
    "select * from (with suspects as (select hash(viewer_key) as key_hash, activity_date "
    "from {batch} group by all having count(*) > 1) select "
    "candidate.activity_date, count(*) as copies from {batch} as candidate semi join suspects "
    "on hash(candidate.viewer_key) = suspects.key_hash "
    "and candidate.activity_date = suspects.activity_date "
    "group by candidate.viewer_key, candidate.activity_date having count(*) > 1)"
)


# Sessions <-> viewer-days over tonight's recompute scope only (int_recompute_scope: the viewers
# the run touched and the first local date it rewrote for each), so the cost follows the run.
# Two levels, one row per mismatch:
#   session:    a scoped session (it starts on or after recompute_from_date, so its whole span was
#               recomputed) has watch_ms = the sum of its viewing segments;
#   viewer_day: per (profile, activity_date >= recompute_from_date), the segments' watch_ms sum
#               = int_viewer_days_aggregated.watch_ms (full outer join: a day on one side only
#               is a mismatch too).
# expected_ms is the finer side, observed_ms the coarser one. Rows name the level and the
# session's local start date (or the day), never a viewer (no viewer_key, profile or session id):
# the failing rows end up in GX's results, Data Docs, runs/<D>/marts.json and the report, which
# an erasure does not rewrite. The query with viewer keys, for debugging, is in docs/data_quality.md.
WATCH_TIME_RECONCILIATION = """
select * from (
    with
    scope as (
        select profile_id, viewer_key, recompute_from_date from int_recompute_scope
    ),
    scoped_sessions as (
        select sessions.playback_session_id, sessions.profile_id, scope.viewer_key,
            sessions.local_start_date, sessions.watch_ms
        from int_playback_sessions_classified as sessions
        inner join scope on sessions.profile_id = scope.profile_id
        where sessions.local_start_date >= scope.recompute_from_date
    ),
    scoped_segments as (
        select segments.playback_session_id, segments.profile_id, segments.activity_date,
            segments.watch_ms
        from int_viewing_segments_split as segments
        inner join scope on segments.profile_id = scope.profile_id
        where segments.activity_date >= scope.recompute_from_date
    ),
    session_mismatches as (
        select
            'session' as level,
            scoped_sessions.viewer_key,
            'session starting ' || cast(scoped_sessions.local_start_date as varchar) as item,
            scoped_sessions.watch_ms as expected_ms,
            coalesce(sum(scoped_segments.watch_ms), 0) as observed_ms
        from scoped_sessions
        left join scoped_segments
            on scoped_segments.playback_session_id = scoped_sessions.playback_session_id
        group by scoped_sessions.playback_session_id, scoped_sessions.viewer_key,
            scoped_sessions.local_start_date, scoped_sessions.watch_ms
        having scoped_sessions.watch_ms is distinct from coalesce(sum(scoped_segments.watch_ms), 0)
    ),
    segment_days as (
        select profile_id, activity_date, sum(watch_ms) as watch_ms
        from scoped_segments
        group by profile_id, activity_date
    ),
    scoped_viewer_days as (
        select viewer_days.profile_id, scope.viewer_key, viewer_days.activity_date,
            viewer_days.watch_ms
        from int_viewer_days_aggregated as viewer_days
        inner join scope on viewer_days.profile_id = scope.profile_id
        where viewer_days.activity_date >= scope.recompute_from_date
    ),
    day_mismatches as (
        select
            'viewer_day' as level,
            coalesce(scope.viewer_key, scoped_viewer_days.viewer_key) as viewer_key,
            cast(coalesce(segment_days.activity_date, scoped_viewer_days.activity_date) as varchar)
                as item,
            segment_days.watch_ms as expected_ms,
            scoped_viewer_days.watch_ms as observed_ms
        from segment_days
        full outer join scoped_viewer_days
            on segment_days.profile_id = scoped_viewer_days.profile_id
            and segment_days.activity_date = scoped_viewer_days.activity_date
        left join scope
            on segment_days.profile_id = scope.profile_id
        where segment_days.watch_ms is distinct from scoped_viewer_days.watch_ms
    ),
    all_mismatches as (
        select * from session_mismatches
        union all
        select * from day_mismatches
    )
    select level, item, expected_ms, observed_ms from all_mismatches
)
"""
# The viewer-days tonight's run (re)computed: its volume, compared with recent runs.
RECOMPUTED_VIEWER_DAYS = """
select viewer_days.profile_id, viewer_days.activity_date
from int_viewer_days_aggregated as viewer_days
inner join int_recompute_scope as scope
    on viewer_days.profile_id = scope.profile_id
where viewer_days.activity_date >= scope.recompute_from_date
"""

# Per evaluation date: distinct notable viewers / viewers active in the 7 local days ending that
# date (the longest window a rule looks at). With fewer than MIN_ACTIVE_FOR_SHARE active viewers
# the share is null and not checked: one notable person in an imported household of four is
# 25 %, and says nothing about a bug.
NOTABLE_SHARE = (
    "select * from (with notable as (select activity_date, count(distinct viewer_key) as "
    "notable_viewers from notable_viewers group by activity_date), active as (select "
    "notable.activity_date, count(distinct viewer_days.viewer_key) as active_viewers "
    "from notable inner join viewer_days on viewer_days.activity_date between "
    "notable.activity_date - 6 and notable.activity_date group by notable.activity_date) "
    "select notable.activity_date, notable.notable_viewers, "
    "coalesce(active.active_viewers, 0) as active_viewers, "
    "case when coalesce(active.active_viewers, 0) >= "
    f"{MIN_ACTIVE_FOR_SHARE} then notable.notable_viewers / active.active_viewers end "
    "as notable_share from notable left join active "
    "on active.activity_date = notable.activity_date)"
)

# Every column of the candidate's tables, and those among them named like a direct identifier.
PUBLISHED_COLUMNS = (
    "select table_name, column_name, data_type from information_schema.columns where table_schema = 'main'"
)
DIRECT_IDENTIFIER_COLUMNS = (
    "select table_name, column_name from {batch} "
    "where lower(column_name) in (" + ", ".join(f"'{name}'" for name in DIRECT_IDENTIFIERS) + ")"
)
