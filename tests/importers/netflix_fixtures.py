"""Fixture writers for the importer tests: they WRITE small exports in Netflix's formats.

No real person's export is ever copied into the repository: every file here is made up by the
test that needs it, with only the quirk under test.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb

VIEWING_ACTIVITY_HEADER = [
    "Profile Name",
    "Start Time",
    "Duration",
    "Attributes",
    "Title",
    "Supplemental Video Type",
    "Device Type",
    "Bookmark",
    "Latest Bookmark",
    "Country",
]
PLAYBACK_EVENTS_HEADER = [
    "Profile Name",
    "Title Description",
    "Device",
    "Playback Start Utc Ts",
    "Country",
    "Playtraces",
]
VIEWING_HISTORY_HEADER = ["Title", "Date"]


def activity_row(**overrides) -> dict:
    """One ViewingActivity row with plausible defaults; keyword names use underscores."""
    row = {
        "Profile Name": "Anna",
        "Start Time": "2021-12-28 13:02:11",
        "Duration": "00:22:05",
        "Attributes": "",
        "Title": "The Office (U.S.): Season 3: The Convict (Episode 9)",
        "Supplemental Video Type": "",
        "Device Type": "Samsung 2019 UHD TV",
        "Bookmark": "00:22:05",
        "Latest Bookmark": "00:22:05",
        "Country": "DE (Germany)",
    }
    for key, value in overrides.items():
        row[key.replace("_", " ")] = value
    return row


def write_csv(
    path: Path,
    header: list[str],
    rows: list[dict | list],
    *,
    bom: bool = False,
    crlf: bool = False,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Write a CSV the way an export (or a spreadsheet re-save) would."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    data = buffer.getvalue().encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_viewing_activity(path: Path, rows: list[dict], **kwargs) -> Path:
    return write_csv(path, VIEWING_ACTIVITY_HEADER, rows, **kwargs)


def playback_row(traces, **overrides) -> dict:
    row = {
        "Profile Name": "Anna",
        "Title Description": "Dark: Season 1: Secrets (Episode 1)",
        "Device": "Chrome PC (Cadmium)",
        "Playback Start Utc Ts": "2022-03-01 20:00:00",
        "Country": "DE (Germany)",
        "Playtraces": traces if isinstance(traces, str) else json.dumps(traces),
    }
    for key, value in overrides.items():
        row[key.replace("_", " ")] = value
    return row


def write_playback_events(path: Path, rows: list[dict], **kwargs) -> Path:
    return write_csv(path, PLAYBACK_EVENTS_HEADER, rows, **kwargs)


def write_viewing_history(path: Path, rows: list[list[str]], **kwargs) -> Path:
    return write_csv(path, VIEWING_HISTORY_HEADER, rows, **kwargs)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes: to prove an import changed nothing."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def events(data_dir: Path) -> list[dict]:
    """Every imported event (with received_date), ordered by session and time."""
    glob = (data_dir / "raw/playback_events/*/*.parquet").as_posix()
    con = duckdb.connect()
    cursor = con.execute(
        f"select * from read_parquet('{glob}', hive_partitioning = true) "
        "order by playback_session_id, event_ts, event_id"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def table(path: Path) -> list[dict]:
    con = duckdb.connect()
    cursor = con.execute(f"select * from read_parquet('{path.as_posix()}')")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def watch_seconds(session_events: list[dict], max_gap_s: int = 300) -> float:
    """docs/definitions.md applied to one session: intervals to the next event, capped, until stopped."""
    ordered = sorted(session_events, key=lambda e: (e["event_ts"], e["event_id"]))
    total = 0.0
    for current, following in zip(ordered, ordered[1:], strict=False):
        if current["event_type"] == "stopped":
            break
        if current["event_type"] in ("start", "playing", "heartbeat", "reposition"):
            gap = (following["event_ts"] - current["event_ts"]).total_seconds()
            total += min(gap, max_gap_s)
    return total
