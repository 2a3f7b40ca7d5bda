"""The expectation suites, written once as Python and committed as GX files under expectations/.

This module is data only: which expectations each suite holds and which suites each checkpoint
runs. ``.venv/bin/python -m bingewatch.quality.write_context`` turns it into the suites,
validation definitions, checkpoints and datasources of the file context; the committed files
are what runs. The SQL the suites run is ``bingewatch.quality.queries``; the contract they
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

from typing import Any

from bingewatch.contract import EVENT_TYPES, MART_COLUMNS, NOTABLE_RULES, PUBLISHED_TABLES
from bingewatch.quality.anomalies import FIGURES, FIGURES_TABLE, check_name, parameters_for
from bingewatch.quality.queries import (
    DIRECT_IDENTIFIER_COLUMNS,
    NOTABLE_SHARE,
    PUBLISHED_COLUMNS,
    RAW_SCHEMA_DRIFT,
    RECOMPUTED_VIEWER_DAYS,
    VIEWER_DAY_DUPLICATES,
    VIEWER_KEY_BAD,
    WATCH_TIME_RECONCILIATION,
)

# GX's own FailureSeverity values (great_expectations.expectations.metadata_types).
CRITICAL = "critical"
WARNING = "warning"
INFO = "info"
SEVERITIES = (CRITICAL, WARNING, INFO)

DAY_LENGTHS_S = [82800, 86400, 90000]
DURATION_COLUMNS = ["watch_time_s", "attended_s", "unattended_s", "night_watch_s", "longest_continuous_s"]

RAW_DATASOURCE = "raw_batch"
CANDIDATE_DATASOURCE = "candidate"
WAREHOUSE_DATASOURCE = "warehouse"
FIGURES_DATASOURCE = "figures"
RAW_CHECKPOINT = "raw_batch"
MARTS_CHECKPOINT = "marts"
# One suite per figure, so a figure without enough history is not run at all (bingewatch.quality.
# anomalies): "not enough history" is neither a pass nor a failure.
ANOMALIES_CHECKPOINT = "anomalies"

Expectation = tuple[str, dict[str, Any], dict[str, str]]


def _meta(name: str, severity: str, reason: str) -> dict[str, str]:
    """Authoring shorthand: ``severity`` becomes the expectation's GX ``severity`` field,
    ``name`` and ``reason`` its ``meta`` (split in ``write_context.gx_expectation``)."""
    assert severity in SEVERITIES, severity
    return {"name": name, "severity": severity, "reason": reason}


def _suite(datasource: str, asset: str, expectations: list[Expectation], query: str | None = None) -> dict:
    """One suite's spec: a table asset (named like its table), or a query asset if ``query``."""
    spec: dict[str, Any] = {"datasource": datasource, "asset": asset, "expectations": expectations}
    if query is not None:
        spec["query"] = query
    return spec


# --- shared by the marts with viewer keys ------------------------------------------------------


def _has_contract_columns(table: str) -> Expectation:
    return (
        "ExpectTableColumnsToMatchSet",
        {"column_set": list(MART_COLUMNS[table]), "exact_match": False},
        _meta(f"{table}.contract_columns", CRITICAL, "analysts query these columns"),
    )


def _key_not_null(table: str, columns: list[str]) -> list[Expectation]:
    return [
        (
            "ExpectColumnValuesToNotBeNull",
            {"column": column},
            _meta(f"{table}.{column}_not_null", CRITICAL, "part of the key"),
        )
        for column in columns
    ]


def _viewer_key_is_pseudonym(table: str) -> Expectation:
    return (
        "UnexpectedRowsExpectation",
        {
            "unexpected_rows_query": VIEWER_KEY_BAD,
            "description": "viewer_key is 64 lowercase hex (HMAC-SHA256)",
        },
        _meta(
            f"{table}.viewer_key_is_pseudonym",
            CRITICAL,
            "anything else may be a raw identifier leaking through",
        ),
    )


# --- raw batch: partition D -----------------------------------------------------------------------


def raw_columns_match_the_contract() -> list[Expectation]:
    """The raw batch has the contract's columns and types (the query's rows: one per column)."""
    return [
        (
            "ExpectColumnValuesToBeNull",
            {"column": "drift"},
            _meta(
                "raw.columns_and_types",
                CRITICAL,
                "schema drift (a missing column or a changed type) breaks staging or silently "
                "changes meaning",
            ),
        ),
        (
            "ExpectColumnValuesToBeNull",
            {"column": "extra_column"},
            _meta(
                "raw.no_extra_columns",
                WARNING,
                "an extra column is ignored by staging, but the producer changed the contract: "
                "someone should know",
            ),
        ),
    ]


def raw_batch_is_plausible() -> list[Expectation]:
    """The raw batch's volume, arrival times, event types and keys look like a normal upload."""
    null_keys = "null keys are quarantined (null_key); more than 1% means a broken producer"
    return [
        (
            "ExpectTableRowCountToBeBetween",
            {"min_value": 1},
            _meta(
                "raw.non_empty",
                WARNING,
                "an empty partition is legal (a quiet day or an "
                "upstream outage): the run goes on and publishes unchanged marts",
            ),
        ),
        (
            "ExpectTableRowCountToBeBetween",
            {"min_value": {"$PARAMETER": "raw_min_rows"}, "max_value": {"$PARAMETER": "raw_max_rows"}},
            _meta(
                "raw.volume_vs_recent_runs",
                WARNING,
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
                WARNING,
                "received_at decides the partition; rows outside it mean a mis-filed "
                "upload (they are still processed with this arrival date)",
            ),
        ),
        (
            "ExpectColumnValuesToBeInSet",
            {"column": "event_type", "value_set": list(EVENT_TYPES)},
            _meta(
                "raw.event_type_known",
                WARNING,
                "unknown event types are quarantined by dbt (reason unknown_event_type); many of "
                "them mean a new client",
            ),
        ),
        (
            "ExpectColumnValuesToNotBeNull",
            {"column": "event_id", "mostly": 0.99},
            _meta("raw.event_id_mostly_present", WARNING, null_keys),
        ),
        (
            "ExpectColumnValuesToNotBeNull",
            {"column": "profile_id", "mostly": 0.99},
            _meta("raw.profile_id_mostly_present", WARNING, null_keys),
        ),
    ]


# --- marts: the candidate publication -------------------------------------------------------------


def viewer_days_key_is_sound() -> list[Expectation]:
    """viewer_days has its columns, one row per viewer per local day, and pseudonymous keys."""
    return [
        _has_contract_columns("viewer_days"),
        *_key_not_null("viewer_days", ["viewer_key", "activity_date"]),
        (
            "UnexpectedRowsExpectation",
            {
                "unexpected_rows_query": VIEWER_DAY_DUPLICATES,
                "description": "(viewer_key, activity_date) is unique",
            },
            _meta(
                "viewer_days.key_unique",
                CRITICAL,
                "one row per viewer per local day: a duplicate double-counts watch time and notable windows",
            ),
        ),
        _viewer_key_is_pseudonym("viewer_days"),
    ]


def viewer_days_durations_fit_the_day() -> list[Expectation]:
    """Blocking: a day lasts 23-25 h, nobody watches longer, no duration is negative, and
    watched seconds split into attended and unattended."""
    return [
        (
            "ExpectColumnValuesToBeInSet",
            {"column": "day_length_s", "value_set": DAY_LENGTHS_S},
            _meta("viewer_days.day_length_valid", CRITICAL, "a local day lasts 23, 24 or 25 h"),
        ),
        (
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": "day_length_s", "column_B": "watch_time_s", "or_equal": True},
            _meta(
                "viewer_days.watch_time_within_day",
                CRITICAL,
                "nobody watches more than the day's length: more means double-counted intervals",
            ),
        ),
        *[
            (
                "ExpectColumnValuesToBeBetween",
                {"column": column, "min_value": 0},
                _meta(f"viewer_days.{column}_non_negative", CRITICAL, "durations are never negative"),
            )
            for column in DURATION_COLUMNS
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
                CRITICAL,
                "every watched second is either attended or unattended",
            ),
        ),
    ]


def viewer_days_do_not_collapse() -> list[Expectation]:
    """viewer_days keeps at least the rows the gate expects from the last publication."""
    return [
        (
            "ExpectTableRowCountToBeBetween",
            {"min_value": {"$PARAMETER": "viewer_days_min_rows"}},
            _meta(
                "viewer_days.no_row_count_collapse",
                CRITICAL,
                "viewer_days only grows (bar erasures): far fewer rows than the last publication "
                "is a broken run",
            ),
        ),
    ]


def viewer_days_look_plausible() -> list[Expectation]:
    """Warnings: the longest stretch, the night's viewing and the sessions of a viewer-day."""
    return [
        (
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": "day_length_s", "column_B": "longest_continuous_s", "or_equal": True},
            _meta(
                "viewer_days.longest_within_day",
                WARNING,
                "longest continuous viewing is measured within the day",
            ),
        ),
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "night_watch_s", "max_value": 25200},
            _meta("viewer_days.night_within_night", WARNING, "local 00:00-06:00 lasts 5-7 h"),
        ),
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "sessions", "min_value": 1},
            _meta("viewer_days.has_sessions", WARNING, "a viewer-day exists only with watching"),
        ),
    ]


def notable_viewers_key_is_sound() -> list[Expectation]:
    """notable_viewers has its columns, one row per viewer, rule and date, only the documented
    rules, and pseudonymous keys."""
    return [
        _has_contract_columns("notable_viewers"),
        *_key_not_null("notable_viewers", ["viewer_key", "rule", "activity_date"]),
        (
            # Not ExpectCompoundColumnsToBeUnique: its sample of unexpected values would
            # store viewer keys in GX's results and Data Docs.
            "UnexpectedRowsExpectation",
            {
                "unexpected_rows_query": "select rule, activity_date, count(*) as copies "
                "from {batch} group by viewer_key, rule, activity_date having count(*) > 1",
                "description": "one row per viewer_key, rule and activity_date",
            },
            _meta("notable_viewers.key_unique", CRITICAL, "one row per viewer, rule and date"),
        ),
        (
            "ExpectColumnValuesToBeInSet",
            {"column": "rule", "value_set": list(NOTABLE_RULES)},
            _meta("notable_viewers.rule_allowed", CRITICAL, "only the four documented rules"),
        ),
        _viewer_key_is_pseudonym("notable_viewers"),
    ]


def notable_viewers_are_justified() -> list[Expectation]:
    """Every notable row meets its threshold over an ordered window, for a viewer who watched."""
    return [
        (
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": "metric_value", "column_B": "threshold", "or_equal": True},
            _meta(
                "notable_viewers.metric_meets_threshold",
                CRITICAL,
                "a row below its threshold calls someone notable who is not",
            ),
        ),
        (
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": "activity_date", "column_B": "window_start_date", "or_equal": True},
            _meta("notable_viewers.window_ordered", CRITICAL, "a window ends after it starts"),
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
                CRITICAL,
                "a notable viewer without any viewing is a join or pseudonym bug",
            ),
        ),
    ]


def notable_viewers_stay_rare() -> list[Expectation]:
    """The share of active viewers called notable on a date stays under its bound."""
    return [
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "notable_share", "min_value": 0, "max_value": {"$PARAMETER": "max_notable_share"}},
            _meta(
                "notable_share.within_bound",
                CRITICAL,
                "a bug that flags everyone must not publish: notable viewers are rare by definition",
            ),
        ),
    ]


def public_aggregate_identifies_nobody() -> list[Expectation]:
    """public_title_streaks carries only aggregate columns, and no group below k viewers."""
    return [
        (
            "ExpectTableColumnsToMatchSet",
            {"column_set": ["show_title", "viewers"], "exact_match": True},
            _meta(
                "public_title_streaks.only_aggregate_columns",
                CRITICAL,
                "a public aggregate carries no viewer keys or other per-person columns",
            ),
        ),
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "viewers", "min_value": {"$PARAMETER": "min_group_size"}},
            _meta(
                "public_title_streaks.min_group_size",
                CRITICAL,
                "groups below k identify people (the Netflix Prize de-anonymisation)",
            ),
        ),
    ]


def every_raw_row_is_accounted_for() -> list[Expectation]:
    """run_accounting: one row per arrival date, raw = clean + duplicates + quarantined, each
    quarantined row with one reason, tonight's date present, a small quarantine share."""
    return [
        (
            "ExpectColumnValuesToNotBeNull",
            {"column": "received_date"},
            _meta("run_accounting.received_date_not_null", CRITICAL, "the key"),
        ),
        (
            "ExpectColumnValuesToBeUnique",
            {"column": "received_date"},
            _meta("run_accounting.received_date_unique", CRITICAL, "one row per arrival date"),
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
                CRITICAL,
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
            _meta("run_accounting.counts_non_negative", CRITICAL, "a negative count is a bug"),
        ),
        (
            "ExpectColumnDistinctValuesToContainSet",
            {"column": "received_date", "value_set": {"$PARAMETER": "run_dates"}},
            _meta(
                "run_accounting.covers_run_date",
                CRITICAL,
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
                CRITICAL,
                "every quarantined row has exactly one reason",
            ),
        ),
        (
            "UnexpectedRowsExpectation",
            {
                "unexpected_rows_query": "select * from {batch} where quarantined_rows > 0.01 * raw_rows",
                "description": "at most 1% of a day's rows are quarantined",
            },
            _meta(
                "run_accounting.quarantine_share",
                WARNING,
                "a high quarantine share means a broken producer or a reference-data gap",
            ),
        ),
    ]


def published_tables_hold_no_identifiers() -> list[Expectation]:
    """Every published table is there, and none has a direct-identifier column."""
    return [
        (
            "UnexpectedRowsExpectation",
            {
                "unexpected_rows_query": DIRECT_IDENTIFIER_COLUMNS,
                "description": "no direct-identifier column in any published table",
            },
            _meta(
                "published.no_direct_identifiers",
                CRITICAL,
                "published tables carry only the keyed pseudonym, never a direct identifier",
            ),
        ),
        (
            "ExpectColumnDistinctValuesToContainSet",
            {"column": "table_name", "value_set": list(PUBLISHED_TABLES)},
            _meta("published.tables_present", CRITICAL, "analysts rely on these tables"),
        ),
    ]


# --- the warehouse (read-only, after dbt): tonight's recompute scope only ------------------------


def watch_time_is_neither_lost_nor_doubled() -> list[Expectation]:
    """In the run's scope, sessions, their per-day segments and viewer-days agree on watch time."""
    return [
        (
            "UnexpectedRowsExpectation",
            {
                "unexpected_rows_query": "select * from {batch}",
                "description": "in the run's scope, session watch_ms = sum of its segments, "
                "and each viewer-day's watch_ms = sum of its segments",
            },
            _meta(
                "warehouse.sessions_reconcile_with_viewer_days",
                CRITICAL,
                "watch time is neither lost nor double-counted between sessions, their "
                "per-day segments and viewer-days",
            ),
        ),
    ]


def recompute_volume_is_plausible() -> list[Expectation]:
    """Tonight's run recomputed about as many viewer-days as recent runs did."""
    return [
        (
            "ExpectTableRowCountToBeBetween",
            {
                "min_value": {"$PARAMETER": "recomputed_min_rows"},
                "max_value": {"$PARAMETER": "recomputed_max_rows"},
            },
            _meta(
                "warehouse.viewer_days_volume_vs_recent_runs",
                WARNING,
                "far more or fewer viewer-days recomputed than in recent runs hints at a "
                "lost or replayed upload, or a recompute scope gone wrong",
            ),
        ),
    ]


def suite_specs() -> dict[str, dict[str, Any]]:
    """Suite name -> {"datasource", "asset", "query" (query assets only), "expectations"}.

    Expectations are (GX class name, kwargs, meta) so this module imports GX lazily.
    """
    return {
        "raw_playback_events_schema": _suite(
            RAW_DATASOURCE, "playback_events_columns", raw_columns_match_the_contract(), RAW_SCHEMA_DRIFT
        ),
        "raw_playback_events": _suite(RAW_DATASOURCE, "playback_events", raw_batch_is_plausible()),
        "viewer_days": _suite(
            CANDIDATE_DATASOURCE,
            "viewer_days",
            viewer_days_key_is_sound()
            + viewer_days_durations_fit_the_day()
            + viewer_days_do_not_collapse()
            + viewer_days_look_plausible(),
        ),
        "notable_viewers": _suite(
            CANDIDATE_DATASOURCE,
            "notable_viewers",
            notable_viewers_key_is_sound() + notable_viewers_are_justified(),
        ),
        "notable_share": _suite(
            CANDIDATE_DATASOURCE, "notable_share", notable_viewers_stay_rare(), NOTABLE_SHARE
        ),
        "public_title_streaks": _suite(
            CANDIDATE_DATASOURCE, "public_title_streaks", public_aggregate_identifies_nobody()
        ),
        "run_accounting": _suite(CANDIDATE_DATASOURCE, "run_accounting", every_raw_row_is_accounted_for()),
        "warehouse_reconciliation": _suite(
            WAREHOUSE_DATASOURCE,
            "watch_time_mismatches",
            watch_time_is_neither_lost_nor_doubled(),
            " ".join(WATCH_TIME_RECONCILIATION.split()),
        ),
        "recomputed_viewer_days": _suite(
            WAREHOUSE_DATASOURCE,
            "recomputed_viewer_days",
            recompute_volume_is_plausible(),
            " ".join(RECOMPUTED_VIEWER_DAYS.split()),
        ),
        "published_columns": _suite(
            CANDIDATE_DATASOURCE,
            "published_columns",
            published_tables_hold_no_identifiers(),
            PUBLISHED_COLUMNS,
        ),
    }


def anomaly_suite(figure: str) -> str:
    """The suite (and validation definition) checking one figure against recent runs."""
    return f"anomaly_{figure}"


def figure_within_recent_band(figure) -> list[Expectation]:  # type: ignore[no-untyped-def]
    """One figure of tonight's run inside the robust band of recent good runs (a warning)."""
    low, high = parameters_for(figure.name)
    return [
        (
            "ExpectColumnValuesToBeBetween",
            {"column": figure.name, "min_value": {"$PARAMETER": low}, "max_value": {"$PARAMETER": high}},
            _meta(
                check_name(figure.name),
                WARNING,
                f"{figure.label} outside its band of recent runs: {figure.reason}",
            ),
        )
    ]


def _anomaly_specs() -> dict[str, dict[str, Any]]:
    return {
        anomaly_suite(figure.name): _suite(
            FIGURES_DATASOURCE, FIGURES_TABLE, figure_within_recent_band(figure)
        )
        for figure in FIGURES
    }


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
