"""The ``publish`` task, write-audit-publish's last file move: swap the audited candidate in.

``publish`` copies the audited candidate (``bingewatch.nightly.stage_candidate``) next to the
published file and ``os.replace``s it in: readers holding the old file keep reading the old
snapshot (same inode), new readers get the new one, nobody ever sees a mix, and nobody is
blocked (the published file is never opened for writing). ``publication_is_current`` says
whether there is anything new to publish at all.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bingewatch.contract import MARTS_RECORD, PUBLICATION_TABLE, PUBLISH_RECORD
from bingewatch.records import file_fingerprint, read_json, write_json
from bingewatch.settings import Settings
from bingewatch.writer_lock import writer_lock

_CANDIDATE_NAME = re.compile(r"^candidate-(\d{4}-\d{2}-\d{2})\.duckdb$")


class PublishRefused(Exception):
    """The candidate is not the file that passed the audit; nothing was published."""


def publication_is_current(settings: Settings) -> bool:
    """True when the published snapshot already holds everything: the raw files the ledger
    holds, with the same contents (its digest), nothing pending up to its high-water mark, and
    every erasure done so far. A run with nothing new then leaves it as it is instead of
    publishing the same tables again."""
    import duckdb

    from bingewatch.ledger import ledger_digest, processed_files
    from bingewatch.nightly.apply_erasures import erasures_done

    if not settings.published_path.is_file():
        return False
    try:
        with duckdb.connect(str(settings.published_path), read_only=True) as con:
            row = con.execute(
                f"select ledger_digest, files_pending, erasure_requests from {PUBLICATION_TABLE}"
            ).fetchone()
    except duckdb.Error:
        return False
    return row == (ledger_digest(processed_files(settings)), 0, erasures_done(settings))


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_audited(settings: Settings, candidate: Path) -> date:
    """Refuse a candidate that did not pass validate_marts, or changed since it did."""
    match = _CANDIDATE_NAME.match(candidate.name)
    if not match:
        raise PublishRefused(f"{candidate.name} is not a candidate-<date>.duckdb file")
    received_date = date.fromisoformat(match.group(1))
    record = read_json(settings.run_dir(received_date) / MARTS_RECORD)
    if not record or not record.get("success"):
        raise PublishRefused(f"no passing mart audit for {received_date}: nothing published")
    if record.get("candidate_fingerprint") != file_fingerprint(candidate):
        raise PublishRefused(f"{candidate} changed after its audit: nothing published")
    return received_date


def _prune_old_candidates(settings: Settings, keep: Path) -> list[str]:
    """Delete other dates' candidates once a newer snapshot is published.

    They are full copies of the marts: keeping them would keep erased viewers around (an
    erasure removes an account from retained snapshots too) and grow the disk without bound.
    The published candidate itself stays, for the report; a failed run's candidate stays until
    the next publication, for debugging.
    """
    pruned = []
    for path in settings.audit_dir.glob("candidate-*.duckdb*"):
        if path.resolve() != keep.resolve() and _CANDIDATE_NAME.match(path.name.removesuffix(".wal")):
            path.unlink(missing_ok=True)
            pruned.append(path.name)
    return sorted(pruned)


def publish(settings: Settings, candidate_path: Path, require_audit: bool = True) -> Path:
    """Atomically replace the published file with the audited candidate (``_publish``), holding
    the data directory's writer lock."""
    with writer_lock(settings, f"publish {Path(candidate_path).name}"):
        return _publish(settings, candidate_path, require_audit)


def _publish(settings: Settings, candidate_path: Path, require_audit: bool = True) -> Path:
    """Atomically replace the published file with the audited candidate; return its path.

    The candidate is copied to a temporary file in the published folder (same filesystem),
    fsynced, renamed over the published file with ``os.replace`` and the folder fsynced, so a
    crash leaves either the old or the new snapshot, never a partial one. The candidate stays
    in audit/ for the report and for debugging.
    """
    started = time.monotonic()
    candidate = Path(candidate_path)
    if candidate.with_name(candidate.name + ".wal").exists():
        raise PublishRefused(f"{candidate} has an open write-ahead log: not checkpointed")
    received_date = _check_audited(settings, candidate) if require_audit else None
    published = settings.published_path
    published.parent.mkdir(parents=True, exist_ok=True)
    # A publisher killed mid-copy leaves its temporary file behind; there is one writer at a
    # time (max_active_runs=1), so any such file is stale.
    for stale in published.parent.glob(f".{published.name}.incoming-*"):
        stale.unlink(missing_ok=True)
    tmp = published.with_name(f".{published.name}.incoming-{os.getpid()}")
    try:
        with open(candidate, "rb") as source, open(tmp, "wb") as target:
            shutil.copyfileobj(source, target, length=16 * 1024 * 1024)
            target.flush()
            os.fsync(target.fileno())
        os.replace(tmp, published)
        _fsync_dir(published.parent)
    finally:
        tmp.unlink(missing_ok=True)
    pruned = _prune_old_candidates(settings, keep=candidate)
    if received_date is not None:
        write_json(
            settings.run_dir(received_date) / PUBLISH_RECORD,
            {
                "received_date": received_date.isoformat(),
                "published": str(published),
                "candidate": str(candidate),
                "bytes": published.stat().st_size,
                "pruned_candidates": pruned,
                "duration_s": round(time.monotonic() - started, 3),
                "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )
    return published
