"""Reference data validated per row before dbt: one bad profile or title never stops the night.

``prepare_reference_data`` reads ``raw/profiles``, ``raw/titles`` and ``raw/erasure_requests``
(Parquet, any number of files, columns matched by name) and writes what dbt reads instead of the
raw files, under ``warehouse/reference/``:

* ``profiles.parquet``, ``titles.parquet``, ``erasure_requests.parquet``: the usable rows, one
  per id, cast to the contract's types;
* ``rejected.parquet``: one row per row set aside (``reference_table``, ``rejected_id``,
  ``reason``, ``detail``: the offending value). The events of a rejected profile or title are
  quarantined with the same reason (``int_playback_events_classified``);
* ``summary.json`` (also copied to ``runs/<D>/reference.json`` for the report): rows read,
  exact duplicates collapsed, rows rejected by reason with a few examples (title ids, offending
  values; never a profile id), opt-out flags that were unknown.

Per-row rules (docs/data_quality.md, "Reference data"):

* a profile whose ``time_zone`` is NULL, not an IANA name, or a name DuckDB's ICU does not know
  (both must: Python decides what is valid, ICU computes the local day) is rejected as
  ``invalid_profile_time_zone``; a profile without an id or an account as ``null_profile_id`` /
  ``null_profile_account_id``;
* a NULL or unparseable ``analytics_opt_out`` counts as **opted out** (unknown is never consent),
  with a warning count;
* a title whose ``runtime_s`` is NULL, not a number or not positive is rejected as
  ``title_without_runtime``; a title without an id as ``null_title_id``; any other value that
  cannot be read as its contract type as ``invalid_title_<column>``;
* an erasure request that names no account is rejected as ``erasure_request_without_account``
  (the erasure log records it too, ``bingewatch.nightly.apply_erasures``);
* rows repeated exactly are collapsed and counted; two different rows for one id are a
  conflict that blocks the run, naming the ids (no rule can tell which one is true).

Missing folders, folders without Parquet files and missing contract columns raise
``ReferenceDataError`` naming the path: deterministic failures, never retried.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from bingewatch.contract import REFERENCE_RECORD
from bingewatch.settings import Settings

log = logging.getLogger(__name__)

# The contract (docs/architecture.md), column -> DuckDB type of the validated copy.
PROFILE_COLUMNS = {
    "profile_id": "varchar",
    "account_id": "varchar",
    "time_zone": "varchar",
    "country": "varchar",
    "created_at": "timestamp",
    "analytics_opt_out": "boolean",
}
TITLE_COLUMNS = {
    "title_id": "varchar",
    "title_type": "varchar",
    "series_id": "varchar",
    "series_title": "varchar",
    "season_number": "integer",
    "episode_number": "integer",
    "title": "varchar",
    "runtime_s": "integer",
    "release_date": "date",
}
ERASURE_COLUMNS = {"account_id": "varchar", "requested_at": "timestamp"}
REJECTED_COLUMNS = "reference_table varchar, rejected_id varchar, reason varchar, detail varchar"
# Spellings of a yes/no flag that are read as such; anything else is unknown.
TRUE_SPELLINGS = ("true", "t", "1", "yes", "y")
FALSE_SPELLINGS = ("false", "f", "0", "no", "n")
# Names both tz databases carry that are not a place: 'Factory' means "zone not configured".
NOT_A_TIME_ZONE = frozenset({"Factory", "localtime"})
MAX_IDS_NAMED = 10
SUMMARY = "summary.json"


class ReferenceDataError(Exception):
    """Reference data cannot be used as delivered (missing, malformed, conflicting).

    Deterministic: the same files fail the same way, so the run is never retried for it.
    """

    retryable = False


def reference_dir(settings: Settings) -> Path:
    """Where the validated copies live (internal, beside the warehouse file)."""
    return settings.warehouse_dir / "reference"


@cache
def valid_time_zones() -> frozenset[str]:
    """IANA names both Python's zoneinfo and DuckDB's ICU know (exact spelling)."""
    import zoneinfo

    with duckdb.connect() as con:
        icu = {row[0] for row in con.execute("select name from pg_timezone_names()").fetchall()}
    return frozenset((zoneinfo.available_timezones() & icu) - NOT_A_TIME_ZONE)


def _literal(value: str | os.PathLike) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _open_raw(con: duckdb.DuckDBPyConnection, settings: Settings, table: str, columns: dict) -> None:
    """A view `raw_<table>` over the folder's Parquet files; refuse a missing folder or column."""
    folder = settings.raw_dir / table
    if not folder.is_dir():
        raise ReferenceDataError(f"reference data missing: folder {folder} does not exist")
    files = sorted(p for p in folder.glob("*.parquet") if p.is_file())
    if not files:
        raise ReferenceDataError(f"reference data missing: no Parquet file in {folder}")
    try:
        con.execute(
            f"create or replace temp view raw_{table} as select * from read_parquet("
            f"[{', '.join(map(_literal, files))}], union_by_name = true, hive_partitioning = false)"
        )
        present = {row[0] for row in con.execute(f"describe raw_{table}").fetchall()}
    except duckdb.Error as error:
        raise ReferenceDataError(
            f"reference data unreadable in {folder}: {str(error).splitlines()[0]}"
        ) from error
    missing = [name for name in columns if name not in present]
    if missing:
        raise ReferenceDataError(f"reference data in {folder} lacks column(s) {', '.join(missing)}")


def _collapse(con: duckdb.DuckDBPyConnection, table: str, key: str, columns: dict) -> dict[str, int]:
    """`distinct_<table>`: exact duplicates collapsed; raise on conflicting rows for one id."""
    names = ", ".join(columns)
    con.execute(f"create or replace temp table distinct_{table} as select distinct {names} from raw_{table}")
    rows_read = con.execute(f"select count(*) from raw_{table}").fetchone()[0]
    distinct = con.execute(f"select count(*) from distinct_{table}").fetchone()[0]
    conflicts = [
        row[0]
        for row in con.execute(
            f"select cast({key} as varchar) from distinct_{table} where {key} is not null "
            f"group by 1 having count(*) > 1 order by 1"
        ).fetchall()
    ]
    if conflicts:
        named = ", ".join(conflicts[:MAX_IDS_NAMED]) + (" …" if len(conflicts) > MAX_IDS_NAMED else "")
        raise ReferenceDataError(
            f"conflicting {table} rows: {len(conflicts)} {key}(s) appear with different values "
            f"({named}); fix the delivery in raw/{table}: no rule can tell which row is right"
        )
    return {"rows_read": rows_read, "exact_duplicates_collapsed": rows_read - distinct}


def _flag(expression: str) -> str:
    text = f"lower(trim(cast({expression} as varchar)))"
    true_list = ", ".join(map(_literal, TRUE_SPELLINGS))
    false_list = ", ".join(map(_literal, FALSE_SPELLINGS))
    return f"case when {text} in ({true_list}) then true when {text} in ({false_list}) then false end"


def _unreadable(column: str, type_: str) -> str:
    """SQL: the value is present but cannot be read as its contract type."""
    return f"({column} is not null and try_cast({column} as {type_}) is null)"


def _validate_profiles(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace temp table checked_profiles as select *, case "
        "when profile_id is null then 'null_profile_id' "
        "when account_id is null then 'null_profile_account_id' "
        "when time_zone is null or cast(time_zone as varchar) not in (select name from valid_time_zones) "
        "then 'invalid_profile_time_zone' "
        f"when {_unreadable('created_at', 'timestamp')} then 'invalid_profile_created_at' "
        "end as reason, "
        "case when time_zone is null then 'time_zone is NULL' "
        "else 'time_zone ' || cast(time_zone as varchar) end as time_zone_detail, "
        f"{_flag('analytics_opt_out')} as parsed_opt_out "
        "from distinct_profiles"
    )


def _validate_titles(con: duckdb.DuckDBPyConnection) -> None:
    typed = [c for c, t in TITLE_COLUMNS.items() if t != "varchar" and c != "runtime_s"]
    other = " ".join(f"when {_unreadable(c, TITLE_COLUMNS[c])} then 'invalid_title_{c}'" for c in typed)
    other_detail = " ".join(
        f"when {_unreadable(c, TITLE_COLUMNS[c])} then '{c} ' || cast({c} as varchar)" for c in typed
    )
    runtime = "try_cast(runtime_s as integer)"
    con.execute(
        "create or replace temp table checked_titles as select *, case "
        "when title_id is null then 'null_title_id' "
        f"when {runtime} is null or {runtime} <= 0 then 'title_without_runtime' "
        f"{other} end as reason, case "
        "when runtime_s is null then 'runtime_s is NULL' "
        f"when {runtime} is null or {runtime} <= 0 then 'runtime_s ' || cast(runtime_s as varchar) "
        f"{other_detail} end as detail "
        "from distinct_titles"
    )


def _write(con: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        con.execute(f"copy ({select}) to {_literal(tmp)} (format parquet)")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _rejected_ids(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    return dict(
        con.execute(
            f"select reason, count(*) from rejected where reference_table = '{table}' group by 1 order by 1"
        ).fetchall()
    )


def prepare_reference_data(settings: Settings, run_date: date | None = None) -> dict[str, Any]:
    """Validate raw reference data per row, write the copies dbt reads; return the summary.

    Raises ReferenceDataError (not retryable) for a missing folder or column and for
    conflicting duplicates. ``run_date`` also records the summary in ``runs/<run_date>/``.
    """
    out = reference_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute("set TimeZone = 'UTC'")
        for table, columns in (
            ("profiles", PROFILE_COLUMNS),
            ("titles", TITLE_COLUMNS),
            ("erasure_requests", ERASURE_COLUMNS),
        ):
            _open_raw(con, settings, table, columns)
        summary = {
            "profiles": _collapse(con, "profiles", "profile_id", PROFILE_COLUMNS),
            "titles": _collapse(con, "titles", "title_id", TITLE_COLUMNS),
            # Requests are events, not entities: the same account may ask twice (erasure.py
            # keeps the earliest); exact repeats are still collapsed.
            "erasure_requests": {
                "rows_read": con.execute("select count(*) from raw_erasure_requests").fetchone()[0]
            },
        }
        con.execute("create temp table valid_time_zones (name varchar)")
        con.executemany("insert into valid_time_zones values (?)", [[z] for z in sorted(valid_time_zones())])
        _validate_profiles(con)
        _validate_titles(con)
        con.execute(f"create temp table rejected ({REJECTED_COLUMNS})")
        con.execute(
            "insert into rejected select 'profiles', cast(profile_id as varchar), reason, "
            "case when reason = 'invalid_profile_time_zone' then time_zone_detail "
            "when reason = 'invalid_profile_created_at' "
            "then 'created_at ' || cast(created_at as varchar) end "
            "from checked_profiles where reason is not null"
        )
        con.execute(
            "insert into rejected select 'titles', cast(title_id as varchar), reason, detail "
            "from checked_titles where reason is not null"
        )
        con.execute(
            "insert into rejected select 'erasure_requests', null, 'erasure_request_without_account', "
            "'requested_at ' || coalesce(cast(requested_at as varchar), 'NULL') "
            "from raw_erasure_requests where account_id is null"
        )
        profile_select = ", ".join(
            "coalesce(parsed_opt_out, true) as analytics_opt_out"
            if name == "analytics_opt_out"
            else f"cast({name} as {type_}) as {name}"
            for name, type_ in PROFILE_COLUMNS.items()
        )
        _write(
            con,
            f"select {profile_select} from checked_profiles where reason is null order by profile_id",
            out / "profiles.parquet",
        )
        title_select = ", ".join(
            f"cast({name} as {type_}) as {name}" for name, type_ in TITLE_COLUMNS.items()
        )
        _write(
            con,
            f"select {title_select} from checked_titles where reason is null order by title_id",
            out / "titles.parquet",
        )
        erasure_select = ", ".join(
            f"try_cast({name} as {type_}) as {name}" for name, type_ in ERASURE_COLUMNS.items()
        )
        _write(
            con,
            f"select distinct {erasure_select} from raw_erasure_requests where account_id is not null "
            "order by all",
            out / "erasure_requests.parquet",
        )
        _write(con, "select * from rejected order by all", out / "rejected.parquet")
        opt_out_unknown = con.execute(
            "select count(*) from checked_profiles where reason is null and parsed_opt_out is null"
        ).fetchone()[0]
        for table in summary:
            summary[table]["rejected_by_reason"] = _rejected_ids(con, table)
        summary["profiles"]["opt_out_unknown_counted_as_opted_out"] = opt_out_unknown
        # Examples per reason for the report and the log: title ids (a catalog entry names
        # nobody), the offending values for profiles and requests (never a profile id: records
        # outlive an erasure; warehouse/reference/rejected.parquet, rebuilt each run, has them).
        examples = {
            reason: [
                row[0]
                for row in con.execute(
                    "select distinct case when reference_table = 'titles' then rejected_id "
                    "else detail end as example from rejected where reason = ? and example is not null "
                    f"order by 1 limit {MAX_IDS_NAMED}",
                    [reason],
                ).fetchall()
            ]
            for (reason,) in con.execute("select distinct reason from rejected order by 1").fetchall()
        }
    summary["rejected_examples"] = examples
    _warn(summary)
    (out / SUMMARY).write_text(json.dumps(summary, indent=2, sort_keys=True), encoding="utf-8")
    if run_date is not None:
        from bingewatch.records import write_json

        write_json(settings.run_dir(run_date) / REFERENCE_RECORD, summary)
    return summary


def _warn(summary: dict[str, Any]) -> None:
    """One warning line per kind of set-aside row, naming how many (and a few examples)."""
    for table in ("profiles", "titles", "erasure_requests"):
        for reason, count in summary[table]["rejected_by_reason"].items():
            examples = summary["rejected_examples"].get(reason) or []
            named = f" (e.g. {', '.join(examples)})" if examples else ""
            log.warning(f"reference data: {count} {table} row(s) set aside as {reason}{named}")
        collapsed = summary[table].get("exact_duplicates_collapsed")
        if collapsed:
            log.warning(f"reference data: {collapsed} exact duplicate {table} row(s) collapsed")
    unknown = summary["profiles"]["opt_out_unknown_counted_as_opted_out"]
    if unknown:
        log.warning(
            f"reference data: {unknown} profile(s) with a NULL or unparseable analytics_opt_out "
            "counted as opted out (unknown is never consent)"
        )
