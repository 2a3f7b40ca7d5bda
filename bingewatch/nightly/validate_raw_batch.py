"""The ``validate_raw_batch`` task: the raw-batch quality gate, before dbt.

The checks themselves (pre-checks, the GX run, the record and the blocking decision) live in
``bingewatch.quality.gates``; this module runs them on the run's batch of raw files.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bingewatch.contract import MARTS_RECORD, PUBLISH_RECORD, RAW_RECORD, STAGE_RECORD
from bingewatch.quality.gates import (
    CRITICAL,
    _create_batch_view,
    _finish,
    _precheck,
    _run_gx,
    _volume_bounds,
    describe_partition,
    other_files_check,
)
from bingewatch.records import as_date
from bingewatch.settings import Settings


def validate_raw_batch(settings: Settings, received_date: date) -> dict[str, Any]:
    """Run the raw-batch suites on the run's batch; raise QualityGateFailed on blocking failures.

    The batch is every raw file the ledger had not processed when the run with logical date D
    planned it (``warehouse/run_files.parquet``, ``bingewatch.ledger``): D's partition, dates a
    scheduler skipped, files added late to old partitions. Pre-checks in Python (every file
    still there and readable) come first, since GX cannot open a batch that does not exist;
    their results are recorded like expectations. The batch is a DuckDB file in run_dir holding
    only a view over the batch's Parquet files, so every expectation runs as SQL on the files.
    """
    import duckdb

    from bingewatch.contract import RAW_COLUMNS
    from bingewatch.ledger import batch_files
    from bingewatch.quality.runner import duckdb_url
    from bingewatch.quality.suites import RAW_CHECKPOINT

    started = time.monotonic()
    received_date = as_date(received_date)
    run_dir = settings.run_dir(received_date)
    run_dir.mkdir(parents=True, exist_ok=True)
    # A (re)run of D starts here: an earlier attempt's later records no longer describe it.
    for stale in (STAGE_RECORD, MARTS_RECORD, PUBLISH_RECORD):
        (run_dir / stale).unlink(missing_ok=True)
    batch = [row for row in batch_files(settings) if row["is_in_batch"]]
    dates = sorted({row["received_date"] for row in batch})
    files = [settings.events_dir / row["path"] for row in batch]
    extra: dict[str, Any] = {
        "partition": str(settings.events_partition(received_date)),
        "received_dates": [day.isoformat() for day in dates],
        "row_count": None,
        "files": len(files),
    }
    missing = [str(path.relative_to(settings.events_dir)) for path in files if not path.is_file()]
    checks = [
        _precheck(
            "raw.batch_files_exist",
            CRITICAL,
            "the run planned these files; one that vanished since is an upstream incident",
            not missing,
            observed_value=missing or f"{len(files)} file(s)",
        )
    ]
    if missing:
        return _finish("raw_batch", settings, received_date, checks, started, extra)
    # Tonight's partition in words (wait_for_raw_partition guards it: a missing one never gets
    # here under the DAG), and files that are not Parquet in it or in any partition of the batch.
    checks.append(
        _precheck(
            "raw.partition",
            "info",
            "what tonight's partition holds: a missing folder and an empty one read differently",
            True,
            observed_value=describe_partition(settings.events_partition(received_date)),
        )
    )
    partitions = sorted({settings.events_partition(day) for day in [*dates, received_date]})
    checks.append(other_files_check(partitions, settings.events_dir))
    if not files:
        # Nothing arrived that the ledger does not hold: nothing to validate (GX is not even
        # imported, so a quiet night stays quick). An empty partition is a file, not this.
        checks.append(
            _precheck(
                "raw.new_files",
                "info",
                "a run with nothing new builds nothing; the publication stays as it is",
                True,
                observed_value="no new raw files",
            )
        )
        return _finish("raw_batch", settings, received_date, checks, started, extra)

    unreadable = unreadable_files(files, settings.events_dir)
    checks.append(
        _precheck(
            "raw.files_readable",
            CRITICAL,
            "a corrupt Parquet file would be silently skipped or crash dbt: the producer must resend it",
            not unreadable,
            observed_value=unreadable or f"{len(files)} file(s)",
        )
    )
    if unreadable:
        return _finish("raw_batch", settings, received_date, checks, started, extra)

    batch_path = run_dir / "raw_batch.duckdb"
    for stale in (batch_path, batch_path.with_name(batch_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    try:
        _create_batch_view(batch_path, files, RAW_COLUMNS)
    except duckdb.Error as error:
        checks.append(
            _precheck(
                "raw.batch_opens",
                CRITICAL,
                "the batch's files cannot be read together (incompatible schemas?)",
                False,
                exception=str(error).splitlines()[0][:300],
            )
        )
        return _finish("raw_batch", settings, received_date, checks, started, extra)

    # Volume is compared per night: a batch of several arrival dates (a catch-up, a history
    # import) holds several nights of rows.
    raw_min, raw_max, median = _volume_bounds(settings, received_date, RAW_RECORD, "rows_per_night")
    nights = max(1, len(dates))
    first, last = (dates[0], dates[-1]) if dates else (received_date, received_date)
    parameters = {
        "raw_min_rows": raw_min * nights,
        "raw_max_rows": raw_max * nights if raw_max is not None else None,
        "partition_starts_at": f"{first.isoformat()} 00:00:00",
        "partition_ends_at": f"{(last + timedelta(days=1)).isoformat()} 00:00:00",
    }
    extra["volume_bounds"] = {"min": raw_min, "max": raw_max, "recent_median": median}
    timings: dict[str, float] = {}
    extra["timings"] = timings
    gx_checks, docs = _run_gx(
        settings,
        RAW_CHECKPOINT,
        {"bingewatch_raw_batch_url": duckdb_url(batch_path)},
        parameters,
        timings,
        received_date=received_date,
    )
    checks.extend(gx_checks)
    extra["data_docs"] = docs
    for check in gx_checks:
        if check["name"] == "raw.non_empty" and isinstance(check["observed_value"], int):
            extra["row_count"] = check["observed_value"]
            extra["rows_per_night"] = round(check["observed_value"] / nights)
    return _finish("raw_batch", settings, received_date, checks, started, extra)


def unreadable_files(files: list[Path], root: Path) -> list[str]:
    """Each file whose Parquet footer DuckDB cannot read, as "name: error" (name relative to
    ``root``). All footers are read in one query first (a history import's batch is thousands
    of one-day files: 1,826 took 2.1 s one query each, 0.4 s in one); only if that fails is each
    file read on its own, to name every bad one."""
    import duckdb

    with duckdb.connect() as con:
        try:
            con.execute("select count(*) from parquet_metadata(?)", [[str(p) for p in files]]).fetchone()
            return []
        except duckdb.Error:
            pass
        unreadable = []
        for path in files:
            try:
                con.execute("select count(*) from parquet_metadata(?)", [str(path)]).fetchone()
            except duckdb.Error as error:
                unreadable.append(f"{path.relative_to(root)}: {str(error).splitlines()[0][:160]}")
        return unreadable


# --- marts ----------------------------------------------------------------------------------
