"""Local import records: which profile names an import brought in, for that person's own pages.

``DATA_DIR/imports/netflix-<account hash>.json``, one per imported account, written after the
raw files are in place. It is the ONLY place a profile name is kept: raw data carries the
hashed ``profile_id``, published tables the keyed ``viewer_key``, and nothing under ``imports/``
is ever read by dbt, the quality gates or the publication. The person's pages
(``bingewatch.personal``) read it to say "Kayla" instead of a hash, locally.

Re-importing rewrites the record with the same content (no timestamp), like the raw files.
"""

from __future__ import annotations

from pathlib import Path

from bingewatch.records import read_json, write_json

IMPORTS_DIR = Path("imports")
RECORD_VERSION = 1


def record_path(data_dir: Path, account_hash: str) -> Path:
    return Path(data_dir) / IMPORTS_DIR / f"netflix-{account_hash}.json"


def write(
    data_dir: Path, account_id: str, account_hash: str, profiles: list[dict], formats: list[str]
) -> Path:
    """Record this account's imported profiles (name, profile_id, time zone, formats read)."""
    path = record_path(data_dir, account_hash)
    write_json(
        path,
        {
            "record_version": RECORD_VERSION,
            "source": "netflix",
            "account_id": account_id,
            "export_formats": sorted(set(formats)),
            "profiles": profiles,
        },
    )
    return path


def forget(data_dir: Path, account_id: str) -> list[Path]:
    """Delete the import records of an account (an erasure request names it); return them."""
    folder = Path(data_dir) / IMPORTS_DIR
    gone = []
    for path in sorted(folder.glob("netflix-*.json")) if folder.is_dir() else []:
        record = read_json(path)
        if record and record.get("account_id") == account_id:
            path.unlink(missing_ok=True)
            gone.append(path)
    return gone


def read_all(data_dir: Path) -> list[dict]:
    """Every import record under ``data_dir/imports`` (unreadable ones are left out), by account."""
    folder = Path(data_dir) / IMPORTS_DIR
    if not folder.is_dir():
        return []
    records = [read_json(p) for p in sorted(folder.glob("netflix-*.json"))]
    return sorted((r for r in records if r), key=lambda r: str(r.get("account_id")))
