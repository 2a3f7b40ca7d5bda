"""Writes imported data in the raw contract (docs/architecture.md), all or nothing.

Every file is first written under a staging folder inside the data directory, then moved into
place with ``os.replace`` (same file system: each move is atomic) once all of them are written;
a failure before that leaves the data directory as it was.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import NetflixImportError

EVENTS_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("account_id", pa.string()),
        ("profile_id", pa.string()),
        ("playback_session_id", pa.string()),
        ("title_id", pa.string()),
        ("event_type", pa.string()),
        ("event_ts", pa.timestamp("us")),
        ("received_at", pa.timestamp("us")),
        ("media_offset_ms", pa.int64()),
        ("device_type", pa.string()),
        ("country", pa.string()),
        ("ip_address", pa.string()),
        ("app_version", pa.string()),
        ("autoplay", pa.bool_()),
    ]
)
PROFILES_SCHEMA = pa.schema(
    [
        ("profile_id", pa.string()),
        ("account_id", pa.string()),
        ("time_zone", pa.string()),
        ("country", pa.string()),
        ("created_at", pa.timestamp("us")),
        ("analytics_opt_out", pa.bool_()),
    ]
)
TITLES_SCHEMA = pa.schema(
    [
        ("title_id", pa.string()),
        ("title_type", pa.string()),
        ("series_id", pa.string()),
        ("series_title", pa.string()),
        ("season_number", pa.int32()),
        ("episode_number", pa.int32()),
        ("title", pa.string()),
        ("runtime_s", pa.int32()),
        ("release_date", pa.date32()),
    ]
)
ERASURE_SCHEMA = pa.schema([("account_id", pa.string()), ("requested_at", pa.timestamp("us"))])

PROFILES_FILE = Path("raw/profiles/profiles-import.parquet")
TITLES_FILE = Path("raw/titles/titles-import.parquet")
ERASURE_FILE = Path("raw/erasure_requests/erasure_requests.parquet")
EVENTS_DIR = Path("raw/playback_events")


def events_file_name(account_hash: str) -> str:
    return f"part-import-{account_hash}.parquet"


def read_rows(path: Path, schema: pa.Schema) -> list[dict]:
    """Rows of an earlier import's file, as dicts; none when the file does not exist."""
    if not path.is_file():
        return []
    try:
        return pq.read_table(path, schema=schema).to_pylist()
    except (OSError, pa.ArrowException) as error:
        raise NetflixImportError(
            f"{path}: an earlier import's file cannot be read ({str(error).splitlines()[0][:200]}); "
            "move it away and import again"
        ) from None


class StagedWrite:
    """Collects files under a staging folder; ``commit`` moves them in, ``abort`` drops them."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.staging = data_dir / f".import-staging-{uuid.uuid4().hex[:12]}"
        self.files: list[Path] = []  # relative to data_dir

    def _staged_path(self, number: int) -> Path:
        # Flat names: thousands of daily partitions cost no staging folders.
        return self.staging / f"{number:07d}.parquet"

    def write(self, relative: Path, rows: list[dict], schema: pa.Schema) -> None:
        """Write one file of the contract (``relative`` to the data dir) into staging."""
        self.staging.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, self._staged_path(len(self.files)), compression="zstd")
        self.files.append(relative)

    def write_tuples(self, relative: Path, rows: list[tuple], schema: pa.Schema) -> None:
        """Like :meth:`write`, for rows given as tuples in the schema's column order."""
        self.staging.mkdir(parents=True, exist_ok=True)
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
        table = pa.Table.from_arrays(
            [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)],
            schema=schema,
        )
        pq.write_table(table, self._staged_path(len(self.files)), compression="zstd")
        self.files.append(relative)

    def commit(self, remove: list[Path] = ()) -> None:
        """Move every staged file into place, then delete ``remove`` (relative paths)."""
        for number, relative in enumerate(self.files):
            target = self.data_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._staged_path(number), target)
        for relative in remove:
            stale = self.data_dir / relative
            stale.unlink(missing_ok=True)
            try:
                stale.parent.rmdir()  # only when the partition is now empty
            except OSError:
                pass
        shutil.rmtree(self.staging, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
