"""The ``plan_batch`` task: the ledger (``bingewatch.ledger``) picks the run's batch.

The batch is every raw file with arrival date <= D that the ledger has not processed; it goes
to ``warehouse/run_files.parquet``, which dbt reads, and the plan to ``runs/<D>/ledger.json``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from bingewatch.contract import LEDGER_RECORD
from bingewatch.ledger import (
    MAX_LATENESS_DAYS,
    _quote,
    _row_count,
    batch_path,
    check_unchanged,
    fingerprint,
    log,
    pending_by_date,
    processed_files,
    scan_raw_files,
)
from bingewatch.records import write_json
from bingewatch.settings import Settings


def plan_batch(settings: Settings, logical_date: date, run_id: str) -> dict:
    """Choose the run's batch (every unprocessed raw file with arrival date <= logical_date),
    write it to warehouse/run_files.parquet for dbt, and return the plan.

    Raises RawFilesChanged, naming the files, when a processed file changed or disappeared.
    """
    import duckdb

    check_unchanged(settings, logical_date)
    on_disk, passed_over = scan_raw_files(settings, logical_date)
    ledger = processed_files(settings)
    batch = [file for file in on_disk if file.path not in ledger]
    dates = sorted({file.received_date for file in batch})
    # The run recomputes the accounting of every arrival date from its first batch date to
    # max_lateness_days + 1 after its last (a batch row can turn a later copy of its event into a
    # duplicate), so those dates' processed files come along with their current row counts.
    recounted = []
    if dates:
        last = dates[-1] + timedelta(days=MAX_LATENESS_DAYS + 1)
        recounted = [
            file for file in on_disk if file.path in ledger and dates[0] <= file.received_date <= last
        ]
    target = batch_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.building-{os.getpid()}")
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        rows = [
            (
                file.path,
                file.received_date,
                file.size_bytes,
                file.mtime_ns,
                fingerprint(settings.events_dir / file.path) if in_batch else None,
                run_id,
                in_batch,
                _row_count(con, settings.events_dir / file.path),
            )
            for in_batch, files in ((True, batch), (False, recounted))
            for file in files
        ]
        con.execute(
            "create table run_files (path varchar, received_date date, size_bytes bigint, "
            "mtime_ns bigint, fingerprint varchar, run_id varchar, is_in_batch boolean, "
            "raw_rows bigint)"
        )
        if rows:
            con.executemany("insert into run_files values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(f"copy run_files to '{_quote(building)}' (format parquet)")
    os.replace(building, target)
    plan = {
        "logical_date": logical_date.isoformat(),
        "run_id": run_id,
        "files": len(batch),
        "files_recounted": len(recounted),
        "bytes": sum(file.size_bytes for file in batch),
        "first_received_date": dates[0].isoformat() if dates else None,
        "last_received_date": dates[-1].isoformat() if dates else None,
        "received_dates": [day.isoformat() for day in dates],
        "pending_by_date": pending_by_date(batch),
        "files_already_processed": sum(1 for file in on_disk if file.path in ledger),
        "passed_over": passed_over,
        "planned_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_json(settings.run_dir(logical_date) / LEDGER_RECORD, plan)
    for note in passed_over:
        log.warning(f"raw files: passed over {note}")
    return plan
