"""The expectation suites, written once as Python and committed as GX files under expectations/.

Run ``.venv/bin/python -m bingewatch.quality.suites`` after changing anything here: it rewrites
the suites, validation definitions, checkpoints and datasources of the file context. The
committed files are what runs; this module is only the authoring tool. The contract they
check (event types, rules, published columns) is ``bingewatch.contract``.

Every expectation carries GX's own ``severity`` (GX >= 1.10): ``critical`` failures stop
publication, ``warning`` failures are reported only, ``info`` is context. Its ``meta`` is
``{"name", "reason"}``: a stable name and the one-line reason it exists. docs/data_quality.md
explains each one.

Privacy: no expectation returns a ``viewer_key`` (or anything that might be a raw identifier)
among its unexpected values or rows. GX stores those samples in its validation results and
Data Docs; keeping them out means an erasure never has to chase a viewer through stored results
(docs/data_quality.md, "Retention and erasure").
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bingewatch.contract import (
    DIRECT_IDENTIFIERS,
    EVENT_TYPES,
    MART_COLUMNS,
    MART_DDL,
    NOTABLE_RULES,
    PUBLISHED_TABLES,
    RAW_COLUMNS,
    WAREHOUSE_DDL,
)
from bingewatch.quality.anomalies import FIGURES, FIGURES_DDL, FIGURES_TABLE, check_name, parameters_for
from bingewatch.settings import EXPECTATIONS_DIR

# GX's own FailureSeverity values (great_expectations.expectations.metadata_types).
CRITICAL = "critical"
WARNING = "warning"
INFO = "info"
SEVERITIES = (CRITICAL, WARNING, INFO)

# The notable-share bound needs a population: below this many active viewers (the public
# aggregates' minimum group size) a share is not checked.
MIN_ACTIVE_FOR_SHARE = 10
DAY_LENGTHS_S = [82800, 86400, 90000]
VIEWER_DAYS_COLUMNS = list(MART_COLUMNS["viewer_days"])
NOTABLE_COLUMNS = list(MART_COLUMNS["notable_viewers"])

RAW_DATASOURCE = "raw_batch"
CANDIDATE_DATASOURCE = "candidate"
WAREHOUSE_DATASOURCE = "warehouse"
FIGURES_DATASOURCE = "figures"
RAW_CHECKPOINT = "raw_batch"
MARTS_CHECKPOINT = "marts"
# One suite per figure, so a figure without enough history is not run at all (bingewatch.quality.
# anomalies): "not enough history" is neither a pass nor a failure.
ANOMALIES_CHECKPOINT = "anomalies"

# ltrim with a character set strips every leading hex digit: anything left is not hex. An order
# of magnitude faster on DuckDB than regexp_full_match(viewer_key, '[0-9a-f]{64}').
_VIEWER_KEY_BAD = (
    "select length(viewer_key) as key_length from {batch} "
    "where viewer_key is not null and (length(viewer_key) <> 64 "
    "or ltrim(viewer_key, '0123456789abcdef') <> '')"
)
# Duplicate (viewer_key, activity_date): group on a 64-bit hash first (cheap), then confirm
# on the real key, so a hash collision can never block a run. The rows name the date and the
# number of copies, never the viewer_key (GX stores them). ~7x faster than GX's
# expect_compound_columns_to_be_unique on 6M rows.
_VIEWER_DAY_DUPLICATES = (
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


def _sql_values(pairs: dict[str, str]) -> str:
    return ", ".join(f"('{name}', '{type_}')" for name, type_ in pairs.items())


def _meta(name: str, severity: str, reason: str) -> dict[str, str]:
    """Authoring shorthand: ``severity`` becomes the expectation's GX ``severity`` field,
    ``name`` and ``reason`` its ``meta`` (split in ``gx_expectation``)."""
    assert severity in SEVERITIES, severity
    return {"name": name, "severity": severity, "reason": reason}


def gx_expectation(gxe, class_name: str, kwargs: dict[str, Any], meta: dict[str, str]):  # type: ignore[no-untyped-def]
    """The GX expectation object: severity in GX's own field, name and reason in ``meta``."""
    extra = {k: v for k, v in meta.items() if k != "severity"}
    return getattr(gxe, class_name)(**kwargs, meta=extra, severity=meta["severity"])


def suite_specs() -> dict[str, dict[str, Any]]:
    """Suite name -> {"datasource", "asset", "query" (query assets only), "expectations"}.

    Expectations are (GX class name, kwargs, meta) so this module imports GX lazily.
    """
    b, w = CRITICAL, WARNING
    non_negative = ["watch_time_s", "attended_s", "unattended_s", "night_watch_s", "longest_continuous_s"]
    return {
        # --- raw batch: partition D ------------------------------------------------------
        "raw_playback_events_schema": {
            "datasource": RAW_DATASOURCE,
            "asset": "playback_events_columns",
            # One row per contract or observed column; `drift` says what is wrong, if anything.
            "query": "select coalesce(contract.column_name, observed.column_name) as column_name, "
            "case when observed.column_name is null then 'missing column ' || "
            "contract.column_name when contract.column_name is not null and observed.data_type "
            "<> contract.data_type then contract.column_name || ' is ' || observed.data_type || "
            "', expected ' || contract.data_type end as drift, case when contract.column_name "
            "is null then observed.column_name end as extra_column from (values "
            + _sql_values(RAW_COLUMNS)
            + ") as contract(column_name, data_type) full outer join (select column_name, "
            "data_type from information_schema.columns where table_schema = 'main' and "
            "table_name = 'playback_events') as observed "
            "on observed.column_name = contract.column_name",
            "expectations": [
                (
                    "ExpectColumnValuesToBeNull",
                    {"column": "drift"},
                    _meta(
                        "raw.columns_and_types",
                        b,
                        "schema drift (a missing column or a "
                        "changed type) breaks staging or silently changes meaning",
                    ),
                ),
                (
                    "ExpectColumnValuesToBeNull",
                    {"column": "extra_column"},
                    _meta(
                        "raw.no_extra_columns",
                        w,
                        "an extra column is ignored by staging, "
                        "but the producer changed the contract: someone should know",
                    ),
                ),
            ],
        },
        "raw_playback_events": {
            "datasource": RAW_DATASOURCE,
            "asset": "playback_events",
            "expectations": [
                (
                    "ExpectTableRowCountToBeBetween",
                    {"min_value": 1},
                    _meta(
                        "raw.non_empty",
                        w,
                        "an empty partition is legal (a quiet day or an "
                        "upstream outage): the run goes on and publishes unchanged marts",
                    ),
                ),
                (
                    "ExpectTableRowCountToBeBetween",
                    {
                        "min_value": {"$PARAMETER": "raw_min_rows"},
                        "max_value": {"$PARAMETER": "raw_max_rows"},
                    },
                    _meta(
                        "raw.volume_vs_recent_runs",
                        w,
                        "volume far from the recent median hints at a lost or replayed upload",
                    ),
                ),
                (
                    "ExpectColumnValuesToBeBetween",
                    {
                        "column": "received_at",
                        "min_value": {"$PARAMETER": "partition_starts_at"},
                        "max_value": {"$PARAMETER": "partition_ends_at"},
                        "strict_max": True,
                    },
                    _meta(
                        "raw.received_at_in_partition",
                        w,
                        "received_at decides the partition; rows outside it mean a mis-filed "
                        "upload (they are still processed with this arrival date)",
                    ),
                ),
                (
                    "ExpectColumnValuesToBeInSet",
                    {"column": "event_type", "value_set": list(EVENT_TYPES)},
                    _meta(
                        "raw.event_type_known",
                        w,
                        "unknown event types are quarantined by dbt "
                        "(reason unknown_event_type); many of them mean a new client",
                    ),
                ),
                (
                    "ExpectColumnValuesToNotBeNull",
                    {"column": "event_id", "mostly": 0.99},
                    _meta(
                        "raw.event_id_mostly_present",
                        w,
                        "null keys are quarantined (null_key); more than 1% means a broken producer",
                    ),
                ),
                (
                    "ExpectColumnValuesToNotBeNull",
                    {"column": "profile_id", "mostly": 0.99},
                    _meta(
                        "raw.profile_id_mostly_present",
                        w,
                        "null keys are quarantined (null_key); more than 1% means a broken producer",
                    ),
                ),
            ],
        },
        # --- marts: the candidate publication ---------------------------------------------
        "viewer_days": {
            "datasource": CANDIDATE_DATASOURCE,
            "asset": "viewer_days",
            "expectations": [
                (
                    "ExpectTableColumnsToMatchSet",
                    {
                        "column_set": VIEWER_DAYS_COLUMNS,
                        "exact_match": False,
                    },
                    _meta("viewer_days.contract_columns", b, "analysts query these columns"),
                ),
                (
                    "ExpectColumnValuesToNotBeNull",
                    {"column": "viewer_key"},
                    _meta("viewer_days.viewer_key_not_null", b, "part of the key"),
                ),
                (
                    "ExpectColumnValuesToNotBeNull",
                    {"column": "activity_date"},
                    _meta("viewer_days.activity_date_not_null", b, "part of the key"),
                ),
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": _VIEWER_DAY_DUPLICATES,
                        "description": "(viewer_key, activity_date) is unique",
                    },
                    _meta(
                        "viewer_days.key_unique",
                        b,
                        "one row per viewer per local day: a "
                        "duplicate double-counts watch time and notable windows",
                    ),
                ),
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": _VIEWER_KEY_BAD,
                        "description": "viewer_key is 64 lowercase hex (HMAC-SHA256)",
                    },
                    _meta(
                        "viewer_days.viewer_key_is_pseudonym",
                        b,
                        "anything else may be a raw identifier leaking through",
                    ),
                ),
                (
                    "ExpectColumnValuesToBeInSet",
                    {"column": "day_length_s", "value_set": DAY_LENGTHS_S},
                    _meta("viewer_days.day_length_valid", b, "a local day lasts 23, 24 or 25 h"),
                ),
                (
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    {
                        "column_A": "day_length_s",
                        "column_B": "watch_time_s",
                        "or_equal": True,
                    },
                    _meta(
                        "viewer_days.watch_time_within_day",
                        b,
                        "nobody watches more than the day's length: more means double-counted intervals",
                    ),
                ),
                *[
                    (
                        "ExpectColumnValuesToBeBetween",
                        {"column": column, "min_value": 0},
                        _meta(f"viewer_days.{column}_non_negative", b, "durations are never negative"),
                    )
                    for column in non_negative
                ],
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select activity_date, watch_time_s, attended_s, "
                        "unattended_s from {batch} "
                        "where abs(watch_time_s - attended_s - unattended_s) > 0.001",
                        "description": "watch_time_s = attended_s + unattended_s",
                    },
                    _meta(
                        "viewer_days.watch_time_split",
                        b,
                        "every watched second is either attended or unattended",
                    ),
                ),
                (
                    "ExpectTableRowCountToBeBetween",
                    {
                        "min_value": {"$PARAMETER": "viewer_days_min_rows"},
                    },
                    _meta(
                        "viewer_days.no_row_count_collapse",
                        b,
                        "viewer_days only grows (bar "
                        "erasures): far fewer rows than the last publication is a broken run",
                    ),
                ),
                (
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    {
                        "column_A": "day_length_s",
                        "column_B": "longest_continuous_s",
                        "or_equal": True,
                    },
                    _meta(
                        "viewer_days.longest_within_day",
                        w,
                        "longest continuous viewing is measured within the day",
                    ),
                ),
                (
                    "ExpectColumnValuesToBeBetween",
                    {"column": "night_watch_s", "max_value": 25200},
                    _meta("viewer_days.night_within_night", w, "local 00:00-06:00 lasts 5-7 h"),
                ),
                (
                    "ExpectColumnValuesToBeBetween",
                    {"column": "sessions", "min_value": 1},
                    _meta("viewer_days.has_sessions", w, "a viewer-day exists only with watching"),
                ),
            ],
        },
        "notable_viewers": {
            "datasource": CANDIDATE_DATASOURCE,
            "asset": "notable_viewers",
            "expectations": [
                (
                    "ExpectTableColumnsToMatchSet",
                    {
                        "column_set": NOTABLE_COLUMNS,
                        "exact_match": False,
                    },
                    _meta("notable_viewers.contract_columns", b, "analysts query these columns"),
                ),
                *[
                    (
                        "ExpectColumnValuesToNotBeNull",
                        {"column": column},
                        _meta(f"notable_viewers.{column}_not_null", b, "part of the key"),
                    )
                    for column in ["viewer_key", "rule", "activity_date"]
                ],
                (
                    # Not ExpectCompoundColumnsToBeUnique: its sample of unexpected values would
                    # store viewer keys in GX's results and Data Docs.
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select rule, activity_date, count(*) as copies "
                        "from {batch} group by viewer_key, rule, activity_date having count(*) > 1",
                        "description": "one row per viewer_key, rule and activity_date",
                    },
                    _meta("notable_viewers.key_unique", b, "one row per viewer, rule and date"),
                ),
                (
                    "ExpectColumnValuesToBeInSet",
                    {"column": "rule", "value_set": list(NOTABLE_RULES)},
                    _meta("notable_viewers.rule_allowed", b, "only the four documented rules"),
                ),
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": _VIEWER_KEY_BAD,
                        "description": "viewer_key is 64 lowercase hex (HMAC-SHA256)",
                    },
                    _meta(
                        "notable_viewers.viewer_key_is_pseudonym",
                        b,
                        "anything else may be a raw identifier leaking through",
                    ),
                ),
                (
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    {
                        "column_A": "metric_value",
                        "column_B": "threshold",
                        "or_equal": True,
                    },
                    _meta(
                        "notable_viewers.metric_meets_threshold",
                        b,
                        "a row below its threshold calls someone notable who is not",
                    ),
                ),
                (
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    {
                        "column_A": "activity_date",
                        "column_B": "window_start_date",
                        "or_equal": True,
                    },
                    _meta("notable_viewers.window_ordered", b, "a window ends after it starts"),
                ),
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select notable.rule, notable.activity_date "
                        "from (select * from {batch}) as notable where not exists "
                        "(select 1 from viewer_days "
                        "where viewer_days.viewer_key = notable.viewer_key)",
                        "description": "every notable viewer has viewer-days",
                    },
                    _meta(
                        "notable_viewers.reconciles_with_viewer_days",
                        b,
                        "a notable viewer without any viewing is a join or pseudonym bug",
                    ),
                ),
            ],
        },
        "notable_share": {
            "datasource": CANDIDATE_DATASOURCE,
            "asset": "notable_share",
            # Per evaluation date: distinct notable viewers / viewers active in the 7 local
            # days ending that date (the longest window a rule looks at). With fewer than
            # MIN_ACTIVE_FOR_SHARE active viewers the share is null and not checked: one notable
            # person in an imported household of four is 25 %, and says nothing about a bug.
            "query": "select * from (with notable as (select activity_date, count(distinct viewer_key) as "
            "notable_viewers from notable_viewers group by activity_date), active as (select "
            "notable.activity_date, count(distinct viewer_days.viewer_key) as active_viewers "
            "from notable inner join viewer_days on viewer_days.activity_date between "
            "notable.activity_date - 6 and notable.activity_date group by notable.activity_date) "
            "select notable.activity_date, notable.notable_viewers, "
            "coalesce(active.active_viewers, 0) as active_viewers, "
            "case when coalesce(active.active_viewers, 0) >= "
            f"{MIN_ACTIVE_FOR_SHARE} then notable.notable_viewers / active.active_viewers end "
            "as notable_share from notable left join active "
            "on active.activity_date = notable.activity_date)",
            "expectations": [
                (
                    "ExpectColumnValuesToBeBetween",
                    {
                        "column": "notable_share",
                        "min_value": 0,
                        "max_value": {"$PARAMETER": "max_notable_share"},
                    },
                    _meta(
                        "notable_share.within_bound",
                        b,
                        "a bug that flags everyone must not publish: notable viewers are rare by definition",
                    ),
                ),
            ],
        },
        "public_title_streaks": {
            "datasource": CANDIDATE_DATASOURCE,
            "asset": "public_title_streaks",
            "expectations": [
                (
                    "ExpectTableColumnsToMatchSet",
                    {
                        "column_set": ["show_title", "viewers"],
                        "exact_match": True,
                    },
                    _meta(
                        "public_title_streaks.only_aggregate_columns",
                        b,
                        "a public aggregate carries no viewer keys or other per-person columns",
                    ),
                ),
                (
                    "ExpectColumnValuesToBeBetween",
                    {
                        "column": "viewers",
                        "min_value": {"$PARAMETER": "min_group_size"},
                    },
                    _meta(
                        "public_title_streaks.min_group_size",
                        b,
                        "groups below k identify people (the Netflix Prize de-anonymisation)",
                    ),
                ),
            ],
        },
        "run_accounting": {
            "datasource": CANDIDATE_DATASOURCE,
            "asset": "run_accounting",
            "expectations": [
                (
                    "ExpectColumnValuesToNotBeNull",
                    {"column": "received_date"},
                    _meta("run_accounting.received_date_not_null", b, "the key"),
                ),
                (
                    "ExpectColumnValuesToBeUnique",
                    {"column": "received_date"},
                    _meta("run_accounting.received_date_unique", b, "one row per arrival date"),
                ),
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select * from {batch} where raw_rows is distinct "
                        "from clean_rows + duplicate_rows + quarantined_rows",
                        "description": "raw = clean + duplicates + quarantined",
                    },
                    _meta(
                        "run_accounting.rows_reconcile",
                        b,
                        "every raw row is accounted for: clean, duplicate or quarantined",
                    ),
                ),
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select * from {batch} where least(raw_rows, "
                        "clean_rows, duplicate_rows, quarantined_rows) < 0",
                        "description": "counts are not negative",
                    },
                    _meta("run_accounting.counts_non_negative", b, "a negative count is a bug"),
                ),
                (
                    "ExpectColumnDistinctValuesToContainSet",
                    {
                        "column": "received_date",
                        "value_set": {"$PARAMETER": "run_dates"},
                    },
                    _meta(
                        "run_accounting.covers_run_date",
                        b,
                        "tonight's arrival date must be accounted for, even when its partition was empty",
                    ),
                ),
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select * from (select * from {batch}) as accounting where "
                        "accounting.quarantined_rows <> coalesce((select sum(reasons.rows) from "
                        "quarantine_reasons as reasons where reasons.received_date = "
                        "accounting.received_date), 0)",
                        "description": "quarantined_rows = sum of quarantine_reasons.rows",
                    },
                    _meta(
                        "run_accounting.quarantine_reasons_reconcile",
                        b,
                        "every quarantined row has exactly one reason",
                    ),
                ),
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select * from {batch} "
                        "where quarantined_rows > 0.01 * raw_rows",
                        "description": "at most 1% of a day's rows are quarantined",
                    },
                    _meta(
                        "run_accounting.quarantine_share",
                        w,
                        "a high quarantine share means a broken producer or a reference-data gap",
                    ),
                ),
            ],
        },
        # --- the warehouse (read-only, after dbt): tonight's recompute scope only -----------
        "warehouse_reconciliation": {
            "datasource": WAREHOUSE_DATASOURCE,
            "asset": "watch_time_mismatches",
            "query": " ".join(WATCH_TIME_RECONCILIATION.split()),
            "expectations": [
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select * from {batch}",
                        "description": "in the run's scope, session watch_ms = sum of its segments, "
                        "and each viewer-day's watch_ms = sum of its segments",
                    },
                    _meta(
                        "warehouse.sessions_reconcile_with_viewer_days",
                        b,
                        "watch time is neither lost nor double-counted between sessions, their "
                        "per-day segments and viewer-days",
                    ),
                ),
            ],
        },
        "recomputed_viewer_days": {
            "datasource": WAREHOUSE_DATASOURCE,
            "asset": "recomputed_viewer_days",
            "query": " ".join(RECOMPUTED_VIEWER_DAYS.split()),
            "expectations": [
                (
                    "ExpectTableRowCountToBeBetween",
                    {
                        "min_value": {"$PARAMETER": "recomputed_min_rows"},
                        "max_value": {"$PARAMETER": "recomputed_max_rows"},
                    },
                    _meta(
                        "warehouse.viewer_days_volume_vs_recent_runs",
                        w,
                        "far more or fewer viewer-days recomputed than in recent runs hints at a "
                        "lost or replayed upload, or a recompute scope gone wrong",
                    ),
                ),
            ],
        },
        "published_columns": {
            "datasource": CANDIDATE_DATASOURCE,
            "asset": "published_columns",
            "query": "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'main'",
            "expectations": [
                (
                    "UnexpectedRowsExpectation",
                    {
                        "unexpected_rows_query": "select table_name, column_name from {batch} "
                        "where lower(column_name) in ("
                        + ", ".join(f"'{name}'" for name in DIRECT_IDENTIFIERS)
                        + ")",
                        "description": "no direct-identifier column in any published table",
                    },
                    _meta(
                        "published.no_direct_identifiers",
                        b,
                        "published tables carry only the keyed pseudonym, never a direct identifier",
                    ),
                ),
                (
                    "ExpectColumnDistinctValuesToContainSet",
                    {
                        "column": "table_name",
                        "value_set": list(PUBLISHED_TABLES),
                    },
                    _meta("published.tables_present", b, "analysts rely on these tables"),
                ),
            ],
        },
    }


def anomaly_suite(figure: str) -> str:
    """The suite (and validation definition) checking one figure against recent runs."""
    return f"anomaly_{figure}"


def _anomaly_specs() -> dict[str, dict[str, Any]]:
    specs = {}
    for figure in FIGURES:
        low, high = parameters_for(figure.name)
        specs[anomaly_suite(figure.name)] = {
            "datasource": FIGURES_DATASOURCE,
            "asset": FIGURES_TABLE,
            "expectations": [
                (
                    "ExpectColumnValuesToBeBetween",
                    {
                        "column": figure.name,
                        "min_value": {"$PARAMETER": low},
                        "max_value": {"$PARAMETER": high},
                    },
                    _meta(
                        check_name(figure.name),
                        WARNING,
                        f"{figure.label} outside its band of recent runs: {figure.reason}",
                    ),
                )
            ],
        }
    return specs


def all_suite_specs() -> dict[str, dict[str, Any]]:
    """Every suite: the gates' (suite_specs) and the per-figure anomaly suites."""
    return {**suite_specs(), **_anomaly_specs()}


CHECKPOINTS = {
    RAW_CHECKPOINT: ["raw_playback_events_schema", "raw_playback_events"],
    MARTS_CHECKPOINT: [
        "viewer_days",
        "notable_viewers",
        "notable_share",
        "public_title_streaks",
        "run_accounting",
        "published_columns",
        "warehouse_reconciliation",
        "recomputed_viewer_days",
    ],
    ANOMALIES_CHECKPOINT: [anomaly_suite(figure.name) for figure in FIGURES],
}


def write_context() -> None:
    """Rewrite datasources, suites, validation definitions and checkpoints under expectations/."""
    import tempfile

    import duckdb
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from bingewatch.quality.runner import duckdb_url, open_context

    # GX tests each datasource and asset while adding it: give it empty contract-shaped files.
    scratch = Path(tempfile.mkdtemp(prefix="bingewatch-gx-authoring-"))
    raw_path, candidate_path = scratch / "raw_batch.duckdb", scratch / "candidate.duckdb"
    warehouse_path, figures_path = scratch / "warehouse.duckdb", scratch / "figures.duckdb"
    with duckdb.connect(str(raw_path)) as con:
        columns = ", ".join(f"{name} {type_}" for name, type_ in RAW_COLUMNS.items())
        con.execute(f"create table playback_events ({columns})")
    with duckdb.connect(str(candidate_path)) as con:
        for table, ddl in MART_DDL.items():
            con.execute(f"create table {table} ({ddl})")
    with duckdb.connect(str(warehouse_path)) as con:
        for table, ddl in WAREHOUSE_DDL.items():
            con.execute(f"create table {table} ({ddl})")
    with duckdb.connect(str(figures_path)) as con:
        con.execute(f"create table {FIGURES_TABLE} ({FIGURES_DDL})")
    for folder in ["expectations", "validation_definitions", "checkpoints"]:
        shutil.rmtree(EXPECTATIONS_DIR / folder, ignore_errors=True)
    context = open_context(
        {
            "bingewatch_raw_batch_url": duckdb_url(raw_path),
            "bingewatch_candidate_url": duckdb_url(candidate_path),
            "bingewatch_warehouse_url": duckdb_url(warehouse_path),
            "bingewatch_figures_url": duckdb_url(figures_path),
        }
    )
    for name in list(context.data_sources.all()):
        context.data_sources.delete(name)
    read_only = {"connect_args": {"read_only": True}}
    datasources = {
        RAW_DATASOURCE: context.data_sources.add_sql(
            RAW_DATASOURCE, connection_string="${bingewatch_raw_batch_url}", kwargs=read_only
        ),
        CANDIDATE_DATASOURCE: context.data_sources.add_sql(
            CANDIDATE_DATASOURCE, connection_string="${bingewatch_candidate_url}", kwargs=read_only
        ),
        WAREHOUSE_DATASOURCE: context.data_sources.add_sql(
            WAREHOUSE_DATASOURCE, connection_string="${bingewatch_warehouse_url}", kwargs=read_only
        ),
        FIGURES_DATASOURCE: context.data_sources.add_sql(
            FIGURES_DATASOURCE, connection_string="${bingewatch_figures_url}", kwargs=read_only
        ),
    }
    definitions, batch_definitions = {}, {}
    for suite_name, spec in all_suite_specs().items():
        datasource = datasources[spec["datasource"]]
        key = (spec["datasource"], spec["asset"])
        if key not in batch_definitions:  # the anomaly suites share one asset
            if "query" in spec:
                asset = datasource.add_query_asset(spec["asset"], query=spec["query"])
            else:
                asset = datasource.add_table_asset(spec["asset"], table_name=spec["asset"])
            batch_definitions[key] = asset.add_batch_definition_whole_table("whole_table")
        batch_definition = batch_definitions[key]
        expectations = [
            gx_expectation(gxe, class_name, kwargs, meta) for class_name, kwargs, meta in spec["expectations"]
        ]
        suite = context.suites.add(gx.ExpectationSuite(suite_name, expectations=expectations))
        definitions[suite_name] = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
    for checkpoint_name, suite_names in CHECKPOINTS.items():
        context.checkpoints.add(
            gx.Checkpoint(
                name=checkpoint_name,
                validation_definitions=[definitions[name] for name in suite_names],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10},
            )
        )
    from bingewatch.quality import _gx_duckdb

    _gx_duckdb.close_all()
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    write_context()
