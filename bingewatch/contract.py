"""The data contract, written once: what arrives, what is published, and the run records.

Everything else imports these names: the expectation suites (``bingewatch.quality.suites``),
publishing, the spark target's candidate (``bingewatch.warehouse_tables``), the report and the
summary. The dbt side is checked against it by tests (``tests/test_contract.py``): the
published marts' YAML (``contract: {enforced: true}`` with the same column names and types),
the accepted values of ``notable_viewers.rule`` and the ``event_types`` dbt var.

This module imports nothing from the package, so any module may import it.
"""

from __future__ import annotations

# --- raw: what producers deliver under raw/playback_events/received_date=<D>/ ----------------

# Every playback event type a producer may send; anything else is quarantined as unknown.
EVENT_TYPES = ("start", "playing", "paused", "reposition", "heartbeat", "stopped")

# The raw event columns in DuckDB's own type names.
RAW_COLUMNS = {
    "event_id": "VARCHAR",
    "account_id": "VARCHAR",
    "profile_id": "VARCHAR",
    "playback_session_id": "VARCHAR",
    "title_id": "VARCHAR",
    "event_type": "VARCHAR",
    "event_ts": "TIMESTAMP",
    "received_at": "TIMESTAMP",
    "media_offset_ms": "BIGINT",
    "device_type": "VARCHAR",
    "country": "VARCHAR",
    "ip_address": "VARCHAR",
    "app_version": "VARCHAR",
    "autoplay": "BOOLEAN",
}

# Direct identifiers: they identify a person or household on their own, so none of them may
# reach a published table (published rows carry the viewer_key pseudonym instead).
DIRECT_IDENTIFIERS = (
    "account_id",
    "profile_id",
    "ip_address",
    "playback_session_id",
    "profile_name",
    "email",
)

# --- published: the tables of published/bingewatch.duckdb -----------------------------------

# The rules a viewer can be notable for (notable_viewers.rule).
NOTABLE_RULES = ("episodes_7d", "watch_hours_7d", "title_streak", "marathon")

# Tables copied into the candidate: these are required ...
PUBLISHED_TABLES = ("viewer_days", "notable_viewers", "public_title_streaks", "run_accounting")
# ... and these are copied when the warehouse has them.
OPTIONAL_TABLES = ("quarantine_reasons",)

# Each published table's columns and DuckDB types, in the models' column order (ids, strings,
# numerics, booleans, dates, timestamps). Spark itself moves partition columns last; the spark
# target's candidate puts them back in this order (bingewatch.warehouse_tables).
MART_COLUMNS: dict[str, dict[str, str]] = {
    "viewer_days": {
        "viewer_key": "varchar",
        "time_zone": "varchar",
        "day_length_s": "integer",
        "watch_time_s": "double",
        "attended_s": "double",
        "unattended_s": "double",
        "night_watch_s": "double",
        "longest_continuous_s": "double",
        "sessions": "bigint",
        "titles_started": "bigint",
        "episodes_completed": "bigint",
        "distinct_series": "bigint",
        "devices": "bigint",
        "activity_date": "date",
        "first_play_at": "timestamp",
        "last_play_at": "timestamp",
    },
    "notable_viewers": {
        "viewer_key": "varchar",
        "rule": "varchar",
        "evidence": "varchar",
        "metric_value": "double",
        "threshold": "double",
        "activity_date": "date",
        "window_start_date": "date",
    },
    "public_title_streaks": {
        "show_title": "varchar",
        "viewers": "bigint",
    },
    "run_accounting": {
        "received_date": "date",
        "raw_rows": "bigint",
        "clean_rows": "bigint",
        "duplicate_rows": "bigint",
        "quarantined_rows": "bigint",
    },
    "quarantine_reasons": {
        "received_date": "date",
        "reason": "varchar",
        "rows": "bigint",
    },
}


# Run metadata in the published file: one row with the logical date, the ledger's high-water
# mark and file counts of the snapshot (staged with the candidate).
PUBLICATION_TABLE = "publication"


def ddl(columns: dict[str, str]) -> str:
    """A column list as DDL: ``"name type, name type"``."""
    return ", ".join(f"{name} {type_}" for name, type_ in columns.items())


# The same contract as DuckDB DDL: authoring builds empty tables from it, tests fill them.
MART_DDL = {table: ddl(columns) for table, columns in MART_COLUMNS.items()}

# The dbt intermediate tables the warehouse reconciliation reads (only the columns it uses;
# the real tables have more). Authoring and the tests build these shapes.
WAREHOUSE_DDL = {
    "int_recompute_scope": "profile_id varchar, viewer_key varchar, recompute_from_date date",
    "int_playback_sessions_classified": "playback_session_id varchar, profile_id varchar, "
    "watch_ms bigint, local_start_date date, local_end_date date",
    "int_viewing_segments_split": "playback_session_id varchar, stretch_number bigint, "
    "profile_id varchar, watch_ms bigint, activity_date date",
    "int_viewer_days_aggregated": "profile_id varchar, watch_ms bigint, activity_date date",
}

# --- run records: runs/<D>/<name> (one per step) and warehouse/<name> ------------------------

LEDGER_RECORD = "ledger.json"
ERASURE_RECORD = "erasure.json"
REFERENCE_RECORD = "reference.json"
RAW_RECORD = "raw_batch.json"
DBT_RECORD = "dbt_build.json"
STAGE_RECORD = "stage.json"
MARTS_RECORD = "marts.json"
PUBLISH_RECORD = "publish.json"
REPORT_RECORD = "report.json"
# Under warehouse/: every erasure request ever applied (pseudonymised).
ERASURE_LOG = "erasure_log.json"
