"""Run records: small JSON files under ``runs/<date>/`` and ``warehouse/``, written atomically.

Every step that leaves a record (the ledger, the gates, publishing, erasure, the report) reads
and writes them through here, so none of them depends on another step's module for it.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write a record atomically, so a killed task never leaves half a JSON file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    """A record, or None when it is missing or unreadable (the report must still render)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def as_date(value: date | str) -> date:
    """Accept a date or its ISO string (Airflow templates and XComs carry strings)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def file_fingerprint(path: Path) -> dict[str, int]:
    """What publish() compares to be sure it ships the file that was audited."""
    stat = Path(path).stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}
