"""The ledger of raw files: a run processes what has arrived, not what the calendar scheduled.

Every raw playback-events file the warehouse has processed has one row in the ledger
(``warehouse/ledger.duckdb``, table ``raw_files``): its path under ``raw/playback_events/``, its
arrival date (the ``received_date=`` folder), size, modification time, a content fingerprint
(BLAKE2b of the whole file, computed once, when the file is first processed) and the run that
processed it.

The run whose logical date is D:

1. ``plan_batch`` (``bingewatch.nightly.plan_batch``) lists every raw file with arrival date
   <= D. A file the ledger holds must be unchanged (raw files are immutable): a different size,
   or a different fingerprint when the modification time moved, or a file that disappeared, is
   a blocking ``RawFilesChanged`` naming it. Every file the ledger does not hold is the batch:
   new partitions, dates a scheduler skipped, files added late to old partitions. The batch goes
   to ``warehouse/run_files.parquet``, which dbt reads (source ``bingewatch.run_files``): the
   models read only those files.
2. dbt builds the batch. Every incremental model first deletes the rows of the batch's files,
   then inserts them again, so building a batch twice gives the same tables.
3. ``commit_batch`` adds the batch to the ledger, after dbt succeeded. A crash anywhere before
   it leaves the files pending, and the rerun builds them again: each file counts once.

``bingewatch reprocess --from DATE`` (``forget_from``) takes files out of the ledger on purpose.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from bingewatch.settings import Settings

log = logging.getLogger(__name__)

LEDGER_FILE = "ledger.duckdb"
BATCH_FILE = "run_files.parquet"
# dbt var max_lateness_days (dbt_project.yml): how far back a resent event can repeat.
MAX_LATENESS_DAYS = 30
_PARTITION = re.compile(r"^received_date=(\d{4}-\d{2}-\d{2})$")
_LEDGER_DDL = """
create table if not exists raw_files (
    path varchar primary key,       -- under raw/playback_events/: received_date=YYYY-MM-DD/name
    received_date date not null,
    size_bytes bigint not null,
    mtime_ns bigint not null,
    fingerprint varchar not null,   -- blake2b of the whole file
    run_id varchar not null,        -- the run that processed it
    processed_at timestamp not null
)
"""


class RawFilesChanged(Exception):
    """A processed raw file changed or disappeared: raw files are immutable. Blocking."""


@dataclass(frozen=True)
class RawFile:
    """One raw playback-events file on disk."""

    path: str  # relative to raw/playback_events, with forward slashes
    received_date: date
    size_bytes: int
    mtime_ns: int


def ledger_path(settings: Settings) -> Path:
    return settings.warehouse_dir / LEDGER_FILE


def batch_path(settings: Settings) -> Path:
    return settings.warehouse_dir / BATCH_FILE


def fingerprint(path: Path) -> str:
    """BLAKE2b of the file's bytes (one read; about 1 GB/s)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "blake2b").hexdigest()


def scan_raw_files(settings: Settings, up_to: date | None = None) -> tuple[list[RawFile], list[str]]:
    """Raw event files on disk with arrival date <= up_to, and what was passed over, with why.

    Files are ``raw/playback_events/received_date=YYYY-MM-DD/*.parquet``; a folder whose name is
    not a real date, or a Parquet file outside any partition, is passed over and named.
    """
    files: list[RawFile] = []
    passed_over: list[str] = []
    root = settings.events_dir
    if not root.is_dir():
        return files, passed_over
    for folder in sorted(root.iterdir()):
        if folder.name.startswith((".", "_")):
            continue
        if not folder.is_dir():
            if folder.suffix == ".parquet":
                passed_over.append(f"{folder.name}: outside any received_date= partition")
            continue
        match = _PARTITION.match(folder.name)
        try:
            received_date = date.fromisoformat(match.group(1)) if match else None
        except ValueError:
            received_date = None
        if received_date is None:
            passed_over.append(f"{folder.name}/: not a received_date=YYYY-MM-DD partition")
            continue
        if up_to is not None and received_date > up_to:
            continue
        for path in sorted(folder.glob("*.parquet")):
            if path.name.startswith((".", "_")) or not path.is_file():
                continue
            stat = path.stat()
            files.append(RawFile(f"{folder.name}/{path.name}", received_date, stat.st_size, stat.st_mtime_ns))
    return files, passed_over


def _connect(settings: Settings, read_only: bool = False):
    import duckdb

    path = ledger_path(settings)
    if read_only:
        if not path.exists():
            return None
        con = duckdb.connect(str(path), read_only=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        con.execute(_LEDGER_DDL)
    con.execute("set enable_progress_bar = false")
    return con


def processed_files(settings: Settings) -> dict[str, dict]:
    """The ledger: path -> its row. Empty before the first commit."""
    con = _connect(settings, read_only=True)
    if con is None:
        return {}
    with con:
        cursor = con.execute("select * from raw_files")
        names = [column[0] for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _changes(settings: Settings, on_disk: list[RawFile], ledger: dict[str, dict], up_to: date) -> list[str]:
    """Processed files that changed or vanished, each with what changed."""
    present = {file.path: file for file in on_disk}
    problems = []
    for path, entry in sorted(ledger.items()):
        if entry["received_date"] > up_to:
            continue
        file = present.get(path)
        if file is None:
            problems.append(f"{path}: processed by run {entry['run_id']}, now missing")
        elif file.size_bytes != entry["size_bytes"]:
            problems.append(f"{path}: {entry['size_bytes']} bytes when processed, now {file.size_bytes}")
        elif (
            file.mtime_ns != entry["mtime_ns"]
            and fingerprint(settings.events_dir / path) != entry["fingerprint"]
        ):
            problems.append(f"{path}: content changed since run {entry['run_id']} processed it")
    return problems


def check_unchanged(settings: Settings, up_to: date) -> None:
    """Raise RawFilesChanged when a processed file with arrival date <= up_to changed or vanished."""
    on_disk, _ = scan_raw_files(settings, up_to)
    changed = _changes(settings, on_disk, processed_files(settings), up_to)
    if changed:
        shown = "; ".join(changed[:5]) + (f"; and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise RawFilesChanged(
            f"{len(changed)} processed raw file(s) changed or disappeared (raw files are immutable): "
            f"{shown}. Restore them, or re-ingest on purpose with "
            f"`bingewatch reprocess --from DATE`"
        )


def pending_files(settings: Settings, up_to: date) -> list[RawFile]:
    """Raw files with arrival date <= up_to that the ledger does not hold (no hashing)."""
    on_disk, _ = scan_raw_files(settings, up_to)
    ledger = processed_files(settings)
    return [file for file in on_disk if file.path not in ledger]


def pending_by_date(files: Iterable[RawFile]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for file in files:
        counts[file.received_date.isoformat()] = counts.get(file.received_date.isoformat(), 0) + 1
    return dict(sorted(counts.items()))


def batch_files(settings: Settings) -> list[dict]:
    """The planned batch (warehouse/run_files.parquet) as rows; empty when there is none."""
    import duckdb

    target = batch_path(settings)
    if not target.exists():
        return []
    with duckdb.connect() as con:
        cursor = con.execute(f"select * from read_parquet('{_quote(target)}') order by path")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def commit_batch(settings: Settings) -> int:
    """Add the planned batch to the ledger (after dbt built it); return how many files."""
    rows = [row for row in batch_files(settings) if row["is_in_batch"]]
    if not rows:
        return 0
    now = datetime.now(UTC).replace(tzinfo=None)
    con = _connect(settings)
    with con:
        con.execute("begin")
        con.executemany(
            "insert or replace into raw_files values (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    row["path"],
                    row["received_date"],
                    row["size_bytes"],
                    row["mtime_ns"],
                    row["fingerprint"],
                    row["run_id"],
                    now,
                )
                for row in rows
            ],
        )
        con.execute("commit")
    return len(rows)


def forget_from(settings: Settings, from_date: date) -> list[str]:
    """Take every ledger entry with arrival date >= from_date out of the ledger (they become
    pending: the next run builds them again); return their paths."""
    con = _connect(settings)
    with con:
        paths = [
            row[0]
            for row in con.execute(
                "select path from raw_files where received_date >= ? order by path", [from_date]
            ).fetchall()
        ]
        con.execute("delete from raw_files where received_date >= ?", [from_date])
    return paths


def record_rewrite(settings: Settings, path: Path) -> None:
    """A processed raw file was rewritten on purpose (erasure): store its new size and fingerprint."""
    relative = path.relative_to(settings.events_dir).as_posix()
    if not ledger_path(settings).exists():
        return
    stat = path.stat()
    con = _connect(settings)
    with con:
        con.execute(
            "update raw_files set size_bytes = ?, mtime_ns = ?, fingerprint = ? where path = ?",
            [stat.st_size, stat.st_mtime_ns, fingerprint(path), relative],
        )


def ledger_digest(ledger: dict[str, dict]) -> str:
    """One fingerprint of what the warehouse has processed: every file's path and content
    fingerprint. It changes when a file is added, rebuilt with new content, or rewritten by
    an erasure, and only then."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(ledger):
        digest.update(f"{path}\t{ledger[path]['fingerprint']}\n".encode())
    return digest.hexdigest()


def high_water_mark(settings: Settings, up_to: date) -> dict:
    """What a publication made at logical date up_to contains: the latest arrival date processed,
    the files processed, and the files with arrival date <= up_to still pending, by date."""
    ledger = processed_files(settings)
    pending = pending_files(settings, up_to)
    dates = [entry["received_date"] for entry in ledger.values()]
    return {
        "high_water_received_date": max(dates).isoformat() if dates else None,
        "files_processed": len(ledger),
        "files_pending": len(pending),
        "pending_by_date": pending_by_date(pending),
        "ledger_digest": ledger_digest(ledger),
    }


def _row_count(con, path: Path) -> int | None:
    """Rows in a Parquet file, from its footer; None when it cannot be read (the raw gate says why)."""
    import duckdb

    try:
        return con.execute("select num_rows from parquet_file_metadata(?)", [str(path)]).fetchone()[0]
    except duckdb.Error:
        return None


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
