"""Reading an export CSV: encoding, BOM, line endings, delimiter, and the format by its header.

Exports are UTF-8, often with a byte-order mark; files re-saved by a spreadsheet may be
Windows-1252 or UTF-16 ("Unicode text", tab-separated), use CRLF line endings, or (European
locales) ``;`` as the delimiter. The format
is detected from the header row, never from the file name.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .errors import NetflixImportError, at_line

VIEWING_ACTIVITY = "viewing_activity"
PLAYBACK_EVENTS = "playback_related_events"
VIEWING_HISTORY = "viewing_history"

HEADERS: dict[str, tuple[str, ...]] = {
    VIEWING_ACTIVITY: (
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
    ),
    PLAYBACK_EVENTS: (
        "Profile Name",
        "Title Description",
        "Device",
        "Playback Start Utc Ts",
        "Country",
        "Playtraces",
    ),
    VIEWING_HISTORY: ("Title", "Date"),
}
EXPORT_NAMES = {
    VIEWING_ACTIVITY: "ViewingActivity.csv",
    PLAYBACK_EVENTS: "PlaybackRelatedEvents.csv",
    VIEWING_HISTORY: "NetflixViewingHistory.csv",
}


@dataclass
class ExportFile:
    """A decoded export: its format, header and rows as (line number, {column: text})."""

    path: Path
    label: str  # how messages name the file
    format: str
    encoding: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def expected_headers_text() -> str:
    return "; ".join(f"{EXPORT_NAMES[f]}: {','.join(h)}" for f, h in HEADERS.items())


def _decode(path: Path, label: str) -> tuple[str, str]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise NetflixImportError(f"{label}: cannot read the file: {error.strerror or error}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # a spreadsheet's "Unicode text" (UTF-16)
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise NetflixImportError(f"{label}: starts like UTF-16 but is not valid UTF-16") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # A spreadsheet's "CSV" on Windows; cp1252 rejects a few bytes, latin-1 none.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def _detect(header_line: str) -> tuple[str, str, list[str]] | None:
    """(format, delimiter, header cells) when the header is one of the export formats."""
    for delimiter in (",", ";", "\t"):
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        names = [c.strip().lstrip("\ufeff") for c in cells]
        for fmt, expected in HEADERS.items():
            if set(expected) <= set(names) and len(names) == len(set(names)):
                # "Title,Date" is too generic to allow extra columns: only exactly those two
                # make a NetflixViewingHistory.csv (the other formats may gain columns).
                if fmt == VIEWING_HISTORY and len(names) != 2:
                    continue
                return fmt, delimiter, names
    return None


def sniff(path: Path, label: str) -> str | None:
    """The export format of a file, or None when its header is not one we know."""
    text, _ = _decode(path, label)
    first = text.splitlines()[0] if text else ""
    found = _detect(first)
    return found[0] if found else None


def read_export(path: Path, label: str) -> ExportFile:
    """Decode and split a file; raise NetflixImportError for an unknown header or a broken row."""
    text, encoding = _decode(path, label)
    lines = text.splitlines()
    header_line = lines[0] if lines else ""
    found = _detect(header_line)
    if found is None:
        shown = header_line.strip()[:200] or "(empty file)"
        raise at_line(
            label,
            1,
            f"unknown header {shown!r}: not a Netflix export this importer knows. "
            f"Expected one of: {expected_headers_text()}",
        )
    fmt, delimiter, names = found
    export = ExportFile(path=path, label=label, format=fmt, encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        next(reader)  # the header
        line = reader.line_num + 1
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                line = reader.line_num + 1
                continue
            if len(cells) != len(names):
                raise at_line(
                    label, line, f"has {len(cells)} fields, expected {len(names)} ({','.join(names)})"
                )
            export.rows.append((line, dict(zip(names, cells, strict=True))))
            line = reader.line_num + 1
    except csv.Error as error:
        raise at_line(label, line, f"is not valid CSV: {error}") from None
    return export
