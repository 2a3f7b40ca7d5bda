"""One writer at a time per data directory, across processes.

DuckDB allows one writing process per database file, and a run writes several files that must
agree (the warehouse, the ledger, the audit candidate, the published snapshot). Every step that
writes any of them holds this lock: an OS file lock (``flock``) on ``DATA_DIR/.writer.lock``, so a
killed holder releases it with its last file descriptor. The file names the holder (pid, command,
since when) for the one-line message a second writer gets. Analysts never take it: they open
``published/bingewatch.duckdb`` read-only, which this lock does not cover.

The lock is re-entrant inside a process tree: ``bingewatch run`` takes it for the whole run and
exports ``BINGEWATCH_WRITER_LOCK_TOKEN``; the tasks it runs (in the same process or in children)
see their token in the lock file and go on without waiting for themselves.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bingewatch.settings import Settings

LOCK_FILE = ".writer.lock"
TOKEN_VARIABLE = "BINGEWATCH_WRITER_LOCK_TOKEN"
WAIT_VARIABLE = "BINGEWATCH_WRITER_LOCK_WAIT_S"
DEFAULT_WAIT_S = 600.0
_POLL_S = 0.2
_held: dict[Path, int] = {}  # lock path -> depth, in this process


class WriterBusy(Exception):
    """Another process holds the data directory's writer lock; the message names it."""


def lock_path(settings: Settings) -> Path:
    return settings.data_dir / LOCK_FILE


def describe_holder(path: Path) -> str:
    """'pid 123 (bingewatch run) since 2026-12-01T20:00:00+00:00', or what is known of it."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return "another process"
    return f"pid {holder.get('pid', '?')} ({holder.get('command', '?')}) since {holder.get('since', '?')}"


def _token_in(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}").get("token")
    except (OSError, ValueError):
        return None


def _default_wait() -> float:
    value = os.environ.get(WAIT_VARIABLE)
    return float(value) if value else DEFAULT_WAIT_S


@contextmanager
def writer_lock(
    settings: Settings,
    purpose: str,
    *,
    wait_s: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    export_token: bool = False,
) -> Iterator[None]:
    """Hold the data directory's writer lock for the block.

    Waits up to ``wait_s`` seconds (default ``BINGEWATCH_WRITER_LOCK_WAIT_S``, else 600) for
    another holder, calling ``on_wait`` once with who holds it; then raises WriterBusy naming the
    holder. ``export_token`` lets child processes (Airflow tasks) inherit the lock.
    """
    path = lock_path(settings)
    if _held.get(path):
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    inherited = os.environ.get(TOKEN_VARIABLE)
    if inherited and path.exists() and _token_in(path) == inherited:
        yield  # a parent process holds it for this run
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    wait_s = _default_wait() if wait_s is None else wait_s
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = describe_holder(path)
                if time.monotonic() >= deadline:
                    raise WriterBusy(
                        f"another bingewatch writer holds {path}: {holder}; nothing was written "
                        f"by this {purpose} (waited {wait_s:.0f}s)"
                    ) from None
                if on_wait and not told:
                    on_wait(f"waiting for the writer lock on {settings.data_dir}: held by {holder}")
                    told = True
                time.sleep(_POLL_S)
        token = uuid.uuid4().hex
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            json.dumps(
                {
                    "pid": os.getpid(),
                    "command": purpose or " ".join(os.path.basename(a) for a in sys.argv[:2]),
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                    "token": token,
                }
            ).encode(),
            0,
        )
        previous_token = os.environ.get(TOKEN_VARIABLE)
        if export_token:
            os.environ[TOKEN_VARIABLE] = token
        _held[path] = 1
        try:
            yield
        finally:
            _held.pop(path, None)
            if export_token:
                if previous_token is None:
                    os.environ.pop(TOKEN_VARIABLE, None)
                else:
                    os.environ[TOKEN_VARIABLE] = previous_token
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
