"""Erasure requests: an erased account disappears from every table, raw included.

``apply_erasures`` runs at the start of each nightly run, before anything reads the raw batch:

1. **New requests** (accounts not yet in the erasure log) are erased everywhere: every raw
   playback-events file that holds their rows is rewritten without them (one file at a time,
   atomically), their profile rows are removed from ``raw/profiles``, and every warehouse table
   with an ``account_id``, ``profile_id`` or ``viewer_key`` column loses their rows: in the
   DuckDB warehouse file, and in the spark target's Parquet tables (``warehouse/spark/``, each
   file holding their rows rewritten like a raw file; Spark keeps no other copy). The next
   publication, made from that warehouse, replaces the published snapshot; older audit
   candidates are pruned when it is published (``bingewatch.nightly.publish``).
2. **Every run** sweeps the raw files it is about to process (those the ledger has not
   processed yet) for rows of any erased account (a device that syncs late can still send
   them), so nothing new about them is ever read.

The record that it was done is ``warehouse/erasure_log.json``: one entry per request, keyed by an
HMAC of the account id (the log itself names nobody), with the rows removed per table and
partition, and ``rejected_requests``: each request that names no account, with its file, row
number and row (nothing can be erased for it; it is never silently dropped). Each run's sweep
is recorded in ``runs/<D>/erasure.json``. A rerun finds nothing left to remove: every step is
idempotent, and the log is written only after all of them.
"""

from __future__ import annotations

import hmac
import logging
import os
from datetime import UTC, date, datetime
from hashlib import sha256
from pathlib import Path

import duckdb

from bingewatch.contract import ERASURE_LOG, ERASURE_RECORD
from bingewatch.ledger import pending_files, record_rewrite
from bingewatch.records import read_json, write_json
from bingewatch.settings import Settings
from bingewatch.warehouse_tables import spark_table_files, spark_tables, sql_literal
from bingewatch.writer_lock import writer_lock

log = logging.getLogger(__name__)

# 'This row belongs to an erased account', per identifier column a table or file may have.
ERASED_CONDITIONS = {
    "account_id": "account_id in (select account_id from erased_accounts)",
    "profile_id": "profile_id in (select profile_id from erased_profiles)",
    "viewer_key": "viewer_key in (select viewer_key from erased_profiles)",
}


def request_key(account_id: str, key: str) -> str:
    """How the erasure log refers to an account: keyed, so the log names nobody."""
    return hmac.new(key.encode(), b"erasure:" + account_id.encode(), sha256).hexdigest()


def erasures_done(settings: Settings) -> int:
    """How many erasure requests the log says were carried out (a publication records it)."""
    return len((read_json(settings.warehouse_dir / ERASURE_LOG) or {}).get("requests", []))


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute("set TimeZone = 'UTC'")
    return con


def _requests(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, datetime]:
    folder = settings.raw_dir / "erasure_requests"
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return {}
    rows = con.execute(
        f"select account_id, min(requested_at) from read_parquet([{', '.join(map(sql_literal, files))}]) "
        "where account_id is not null group by account_id"
    ).fetchall()
    return {account: requested_at for account, requested_at in rows}


def rejected_requests(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[dict]:
    """Erasure requests that name no account: nothing can be erased, so each is recorded with its
    row (file, row number, every column) for someone to chase, never silently dropped."""
    folder = settings.raw_dir / "erasure_requests"
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return []
    cursor = con.execute(
        f"select * exclude (account_id, filename, file_row_number), filename, file_row_number "
        f"from read_parquet([{', '.join(map(sql_literal, files))}], filename = true, "
        "file_row_number = true, union_by_name = true) where account_id is null "
        "order by filename, file_row_number"
    )
    names = [column[0] for column in cursor.description]
    rejected = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        rejected.append(
            {
                "reason": "erasure_request_without_account",
                "file": str(Path(row.pop("filename")).relative_to(settings.raw_dir)),
                "row_number": row.pop("file_row_number"),
                "row": {name: None if value is None else str(value) for name, value in row.items()},
            }
        )
    return rejected


def _fill(con: duckdb.DuckDBPyConnection, table: str, rows: list[list]) -> None:
    if rows:
        con.executemany(f"insert into {table} values ({', '.join('?' * len(rows[0]))})", rows)


def _read(path: Path) -> str:
    # The file's own columns: no column made up from a `key=value` folder in its path, which a
    # rewrite would otherwise add to the file (raw partitions, Spark's partitioned tables).
    return f"read_parquet({sql_literal(path)}, hive_partitioning = false)"


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    return {row[0] for row in con.execute(f"describe select * from {_read(path)}").fetchall()}


def _erased_filter(columns: set[str] | list[str]) -> str | None:
    """SQL for 'this row belongs to an erased account', from whichever keys the rows have."""
    return " or ".join(sql for column, sql in ERASED_CONDITIONS.items() if column in columns) or None


def _rewrite_without(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Rewrite one Parquet file without the erased accounts' rows; return how many went."""
    condition = _erased_filter(_columns(con, path))
    if condition is None:
        return 0
    source = _read(path)
    removed = con.execute(f"select count(*) from {source} where {condition}").fetchone()[0]
    if removed:
        tmp = path.with_name(f".{path.name}.erasing-{os.getpid()}")
        try:
            # Rows with a null key stay (they are quarantined and counted, never published).
            con.execute(
                f"copy (select * from {source} where not coalesce({condition}, false)) "
                f"to {sql_literal(tmp)} (format parquet, compression zstd)"
            )
            # Hadoop's local file system (Spark's tables) verifies a file against its .crc
            # sibling when there is one: drop it first, so no crash leaves a stale checksum.
            path.with_name(f".{path.name}.crc").unlink(missing_ok=True)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return removed


def _sweep_files(con: duckdb.DuckDBPyConnection, files: list[Path], root: Path) -> tuple[dict, list]:
    removed: dict[str, int] = {}
    unreadable: list[str] = []
    for path in files:
        try:
            count = _rewrite_without(con, path)
        except duckdb.Error as exc:
            # A corrupt file holds no readable rows; the raw gate reports it on its own date.
            log.warning(f"erasure: cannot read {path}: {exc}")
            unreadable.append(str(path.relative_to(root)))
            continue
        if count:
            removed[str(path.relative_to(root))] = count
    return removed, unreadable


def _erase_from_warehouse(con: duckdb.DuckDBPyConnection, warehouse: Path) -> dict[str, int]:
    """Delete the erased rows from every warehouse table that has an identifier column."""
    con.execute(f"attach {sql_literal(warehouse)} as warehouse")
    try:
        columns = con.execute(
            "select table_schema, table_name, list(column_name) "
            "from information_schema.columns join information_schema.tables using "
            "(table_catalog, table_schema, table_name) "
            "where table_catalog = 'warehouse' and table_type = 'BASE TABLE' group by all"
        ).fetchall()
        removed = {}
        for schema, table, names in sorted(columns):
            where = _erased_filter(names)
            if not where:
                continue
            count = con.execute(f'delete from warehouse."{schema}"."{table}" where {where}').fetchone()[0]
            if count:
                removed[f"{schema}.{table}"] = count
        con.execute("checkpoint warehouse")
    finally:
        con.execute("detach warehouse")
    return removed


def apply_erasures(settings: Settings, received_date: date, key: str) -> dict:
    """Erase new requests everywhere and sweep the raw files not yet processed; return the record.

    Holds the data directory's writer lock (it rewrites raw files and the warehouse).
    """
    with writer_lock(settings, f"apply_erasures for {received_date}"):
        return _apply_erasures(settings, received_date, key)


def _apply_erasures(settings: Settings, received_date: date, key: str) -> dict:
    from bingewatch.pseudonyms import viewer_key

    started = datetime.now(UTC)
    log_path = settings.warehouse_dir / ERASURE_LOG
    previous_log = read_json(log_path) or {}
    done = {entry["request_key"]: entry for entry in previous_log.get("requests", [])}
    with _connect() as con:
        requests = _requests(con, settings)
        rejected = rejected_requests(con, settings)
        by_key = {request_key(account, key): account for account in requests}
        new = sorted(account for k, account in by_key.items() if k not in done)
        profiles_dir = settings.raw_dir / "profiles"
        profile_files = sorted(profiles_dir.glob("*.parquet")) if profiles_dir.is_dir() else []
        profile_ids = []
        if new and profile_files:
            files = ", ".join(map(sql_literal, profile_files))
            profile_ids = [
                row[0]
                for row in con.execute(
                    f"select distinct profile_id from read_parquet([{files}]) "
                    "where list_contains(?, account_id) and profile_id is not null",
                    [new],
                ).fetchall()
            ]
        con.execute("create temp table erased_accounts (account_id varchar)")
        con.execute("create temp table erased_profiles (profile_id varchar, viewer_key varchar)")
        if new:
            # New requests first: remove them from all of raw history and the warehouse.
            _fill(con, "erased_accounts", [[a] for a in new])
            _fill(con, "erased_profiles", [[p, viewer_key(p, key)] for p in profile_ids])
            # Profiles go last: until then a crashed attempt can find the account's profiles again.
            warehouse = settings.warehouse_path
            warehouse_removed = _erase_from_warehouse(con, warehouse) if warehouse.is_file() else {}
            spark_files = [
                path for table_dir in spark_tables(settings).values() for path in spark_table_files(table_dir)
            ]
            spark_removed, spark_unreadable = _sweep_files(con, spark_files, settings.warehouse_dir)
            event_files = sorted(settings.events_dir.glob("received_date=*/*.parquet"))
            raw_removed, unreadable = _sweep_files(con, event_files, settings.raw_dir)
            # Rewritten on purpose: the ledger learns their new size and fingerprint, so the
            # next run does not take them for changed raw files.
            for rewritten in raw_removed:
                record_rewrite(settings, settings.raw_dir / rewritten)
            profile_removed, _ = _sweep_files(con, profile_files, settings.raw_dir)
            for account in new:
                log.info(f"erasure: account {request_key(account, key)[:12]}… erased")
            entries = [
                {
                    "request_key": request_key(account, key),
                    "requested_at": requests[account].isoformat(),
                    "erased_at": started.isoformat(timespec="seconds"),
                    "erased_in_run_for": received_date.isoformat(),
                }
                for account in new
            ]
            batch = {
                "accounts": len(new),
                "profiles": len(profile_ids),
                "raw_rows_removed": {**raw_removed, **profile_removed},
                "warehouse_rows_removed": {**warehouse_removed, **spark_removed},
                "unreadable_files": unreadable + spark_unreadable,
            }
            for entry in entries:
                entry["batch"] = batch
            done.update({entry["request_key"]: entry for entry in entries})
            write_json(
                log_path,
                {
                    "requests": sorted(done.values(), key=lambda e: e["request_key"]),
                    "rejected_requests": rejected,
                },
            )
            con.execute("delete from erased_accounts")
            con.execute("delete from erased_profiles")
        # Every run: the raw files it is about to process lose any row of any erased account.
        swept, swept_unreadable = {}, []
        if requests:
            _fill(con, "erased_accounts", [[a] for a in sorted(requests)])
            pending = [settings.events_dir / file.path for file in pending_files(settings, received_date)]
            swept, swept_unreadable = _sweep_files(con, pending, settings.raw_dir)
    if rejected:
        log.warning(f"erasure: {len(rejected)} request(s) name no account: rejected, listed in {log_path}")
    if not new and rejected != previous_log.get("rejected_requests", []):
        write_json(log_path, {"requests": previous_log.get("requests", []), "rejected_requests": rejected})
    record = {
        "received_date": received_date.isoformat(),
        "requests_total": len(requests),
        "requests_erased_now": len(new),
        "requests_rejected": len(rejected),
        "partition_rows_removed": swept,
        "unreadable_files": swept_unreadable,
        # The run report's step timeline (bingewatch.nightly.write_report) places the step by these two.
        "started_at": started.isoformat(timespec="milliseconds"),
        "duration_s": round((datetime.now(UTC) - started).total_seconds(), 3),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_json(settings.run_dir(received_date) / ERASURE_RECORD, record)
    return record
