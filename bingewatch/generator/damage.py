"""Damage a generated arrival partition on purpose, for failure-path tests: an empty partition,
a missing one, a corrupt Parquet file, schema drift (an extra column, a missing column, a changed
type). Real uploads do all of these, and the pipeline must handle each one.

`generate` never does this by itself. Each helper rewrites one partition and records what it did
in the manifest (`per_received_date[D]["damage"]` and a top-level `damage` list); when the
partition held planted rows, `ground_truth_valid` becomes false, because the truth assumed them.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..settings import Settings

DRIFT_KINDS = ("extra_column", "missing_column", "changed_type")


def _part(data_dir: Path, d: date) -> Path:
    path = Settings(Path(data_dir)).events_partition(d) / "part-0.parquet"
    if not path.is_file():
        raise ValueError(f"no generated partition for {d.isoformat()} under {data_dir}")
    return path


def _record(data_dir: Path, d: date, damage: str) -> dict:
    path = Settings(Path(data_dir)).raw_dir / "_generator" / "manifest.json"
    manifest = json.loads(path.read_text())
    entry = manifest["per_received_date"].get(d.isoformat(), {})
    entry["damage"] = damage
    manifest.setdefault("damage", []).append({"received_date": d.isoformat(), "damage": damage})
    if entry.get("planted_rows"):
        manifest["ground_truth_valid"] = False
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def empty_partition(data_dir: Path, d: date) -> dict:
    """Replace the partition's file with one of zero rows and the same schema."""
    path = _part(data_dir, d)
    schema = pq.read_schema(path)
    pq.write_table(schema.empty_table(), path)
    return _record(data_dir, d, "empty")


def remove_partition(data_dir: Path, d: date) -> dict:
    """Delete the partition folder: the arrival date is missing."""
    shutil.rmtree(_part(data_dir, d).parent)
    return _record(data_dir, d, "missing")


def corrupt_partition(data_dir: Path, d: date) -> dict:
    """Cut the file in half: not readable as Parquet (no footer)."""
    path = _part(data_dir, d)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return _record(data_dir, d, "corrupt")


def drift_schema(data_dir: Path, d: date, kind: str) -> dict:
    """Rewrite the partition with an extra column (`client_build`), without `app_version`, or
    with `media_offset_ms` as a string."""
    if kind not in DRIFT_KINDS:
        raise ValueError(f"unknown schema drift {kind!r}: choose one of {', '.join(DRIFT_KINDS)}")
    path = _part(data_dir, d)
    table = pq.read_table(path)
    if kind == "extra_column":
        table = table.append_column("client_build", pa.array(["b-1234"] * table.num_rows, pa.string()))
    elif kind == "missing_column":
        table = table.drop_columns(["app_version"])
    else:
        i = table.schema.get_field_index("media_offset_ms")
        table = table.set_column(i, "media_offset_ms", table.column(i).cast(pa.string()))
    pq.write_table(table, path)
    return _record(data_dir, d, f"schema_drift:{kind}")
