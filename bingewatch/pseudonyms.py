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


def write_viewer_keys(profiles_dir: Path, out_path: Path, key: str) -> int:
    """Write profile_id -> viewer_key for every profile in the raw profiles; returns the count."""
    files = sorted(profiles_dir.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no profiles Parquet files in {profiles_dir}")
    profile_ids = sorted(
        {pid for f in files for pid in pq.read_table(f, columns=["profile_id"]).column(0).to_pylist() if pid}
    )
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
