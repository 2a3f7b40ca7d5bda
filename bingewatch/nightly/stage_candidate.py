"""The ``stage_candidate`` task, write-audit-publish's first file move: build the candidate.

``stage_candidate`` copies the published tables out of the warehouse (opened read-only; on the
spark target, DuckDB views over its Parquet tables: ``bingewatch.warehouse_tables``) into
``audit/candidate-<D>.duckdb``, with a ``publication`` row saying what the snapshot holds; the
mart suites (``bingewatch.nightly.validate_marts``) then run on that file.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bingewatch.contract import (
    MARTS_RECORD,
    OPTIONAL_TABLES,
    PUBLICATION_TABLE,
    PUBLISH_RECORD,
    PUBLISHED_TABLES,
    STAGE_RECORD,
)
from bingewatch.ledger import high_water_mark
from bingewatch.records import as_date, write_json
from bingewatch.settings import Settings
from bingewatch.warehouse_tables import readable_warehouse, sql_literal
from bingewatch.writer_lock import writer_lock


def candidate_path(settings: Settings, received_date: date) -> Path:
    """Where the candidate publication for arrival date D is built and audited."""
    return settings.audit_dir / f"candidate-{received_date.isoformat()}.duckdb"


def stage_candidate(settings: Settings, received_date: date) -> Path:
    """Copy the published tables from the target's warehouse into a fresh candidate file; return it."""
    with writer_lock(settings, f"stage_candidate for {received_date}"):
        return _stage_candidate(settings, received_date)


def _stage_candidate(settings: Settings, received_date: date) -> Path:
    import duckdb

    started = time.monotonic()
    received_date = as_date(received_date)
    warehouse = readable_warehouse(settings)
    settings.audit_dir.mkdir(parents=True, exist_ok=True)
    # A fresh attempt at D: an earlier attempt's audit and publication no longer describe it.
    for stale in (MARTS_RECORD, PUBLISH_RECORD):
        (settings.run_dir(received_date) / stale).unlink(missing_ok=True)
    from bingewatch.nightly.apply_erasures import erasures_done

    target = candidate_path(settings, received_date)
    mark = high_water_mark(settings, received_date)
    building = target.with_name(f".{target.name}.building-{os.getpid()}")
    for stale in (building, building.with_name(building.name + ".wal")):
        stale.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(building)) as con:
            con.execute("set enable_progress_bar = false")
            con.execute(f"attach {sql_literal(warehouse)} as warehouse (read_only)")
            present = {
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = 'warehouse' and table_schema = 'main'"
                ).fetchall()
            }
            missing = [t for t in PUBLISHED_TABLES if t not in present]
            if missing:
                raise LookupError(f"warehouse {warehouse} lacks table(s) {', '.join(missing)}")
            for table in [*PUBLISHED_TABLES, *(t for t in OPTIONAL_TABLES if t in present)]:
                con.execute(f"create table main.{table} as select * from warehouse.main.{table}")
                counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
            con.execute("detach warehouse")
            # What this snapshot holds: the ledger's high-water mark when it was staged.
            con.execute(
                f"create table main.{PUBLICATION_TABLE} (logical_date date, "
                "high_water_received_date date, files_processed bigint, files_pending bigint, "
                "erasure_requests bigint, ledger_digest varchar)"
            )
            con.execute(
                f"insert into main.{PUBLICATION_TABLE} values (?, ?, ?, ?, ?, ?)",
                [
                    received_date,
                    mark["high_water_received_date"],
                    mark["files_processed"],
                    mark["files_pending"],
                    erasures_done(settings),
                    mark["ledger_digest"],
                ],
            )
            con.execute("checkpoint")
        os.replace(building, target)
    finally:
        for leftover in (building, building.with_name(building.name + ".wal")):
            leftover.unlink(missing_ok=True)
    write_json(
        settings.run_dir(received_date) / STAGE_RECORD,
        {
            "received_date": received_date.isoformat(),
            "candidate": str(target),
            "row_counts": counts,
            "high_water_mark": mark,
            "duration_s": round(time.monotonic() - started, 3),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    return target
