"""Keyed pseudonyms for viewers: viewer_key = lowercase hex HMAC-SHA256(key, profile_id).

The mapping is computed here, in Python, and handed to dbt as a Parquet file, so the secret
never appears in SQL, compiled dbt files or logs. The file sits in the warehouse folder, with
the same (internal) sensitivity as the raw data it is derived from.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def viewer_key(profile_id: str, key: str) -> str:
    """The published pseudonym of one profile."""
    return hmac.new(key.encode(), profile_id.encode(), hashlib.sha256).hexdigest()


def _column(folder: Path, column: str) -> list:
    """All values of one column across the Parquet files of a raw table folder."""
    return [
        value
        for path in sorted(folder.glob("*.parquet"))
        for value in pq.read_table(path, columns=[column]).column(0).to_pylist()
    ]


def write_viewer_keys(raw_dir: Path, out_path: Path, key: str) -> int:
    """Write profile_id -> viewer_key for every profile not under an erasure request.

    A profile whose account asked for erasure gets no key, so nothing about it can reach an
    analyst-facing table (every mart joins through this mapping). Returns the profiles keyed.
    """
    profiles_dir = raw_dir / "profiles"
    if not any(profiles_dir.glob("*.parquet")):
        raise FileNotFoundError(f"no profiles Parquet files in {profiles_dir}")
    erasures_dir = raw_dir / "erasure_requests"
    erased = set(_column(erasures_dir, "account_id")) if erasures_dir.is_dir() else set()
    pairs = zip(_column(profiles_dir, "profile_id"), _column(profiles_dir, "account_id"), strict=True)
    profile_ids = sorted({profile for profile, account in pairs if profile and account not in erased})
    table = pa.table(
        {
            "profile_id": pa.array(profile_ids, pa.string()),
            "viewer_key": pa.array([viewer_key(p, key) for p in profile_ids], pa.string()),
        }
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp)
    tmp.replace(out_path)
    return len(profile_ids)
